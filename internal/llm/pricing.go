package llm

import "strings"

// Price is dollars per million tokens.
type Price struct {
	In, Out float64
}

// Cache multipliers of the input price.
const (
	CacheWriteFactor = 1.25
	CacheReadFactor  = 0.1
)

// prices of known models, matched by prefix (dated snapshots included).
var prices = []struct {
	prefix string
	price  Price
}{
	{"claude-opus-4-6", Price{5, 25}},
	{"claude-sonnet-4-6", Price{3, 15}},
	{"claude-haiku-4-5", Price{1, 5}},
}

// Lookup returns the price of model, and whether the table knows it.
func Lookup(model string) (Price, bool) {
	for _, p := range prices {
		if strings.HasPrefix(model, p.prefix) {
			return p.price, true
		}
	}
	return Price{}, false
}

// Cost returns the dollars a usage costs at price p.
func (p Price) Cost(u Usage) float64 {
	in := float64(u.InputTokens) + CacheWriteFactor*float64(u.CacheWriteTokens) + CacheReadFactor*float64(u.CacheReadTokens)
	return (in*p.In + float64(u.OutputTokens)*p.Out) / 1e6
}
