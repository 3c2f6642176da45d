package propose

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/autoresearch/autoresearch/internal/research"
)

// maxScript bounds a proposed script.
const maxScript = 200_000

// answer is the JSON object a model is asked for.
type answer struct {
	Description string `json:"description"`
	Hypothesis  string `json:"hypothesis"`
	Category    string `json:"category"`
	Code        string `json:"code"`
	Edits       []edit `json:"edits"`
}

type edit struct {
	Search  string `json:"search"`
	Replace string `json:"replace"`
}

// extract finds the first JSON object in text that decodes as an answer:
// code fences and prose around it are ignored.
func extract(text string) (answer, error) {
	for i := strings.IndexByte(text, '{'); i >= 0; {
		var a answer
		dec := json.NewDecoder(strings.NewReader(text[i:]))
		if err := dec.Decode(&a); err == nil && (a.Code != "" || len(a.Edits) > 0) {
			return a, nil
		}
		next := strings.IndexByte(text[i+1:], '{')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return answer{}, errors.New(`the answer holds no JSON object with "code" or "edits"`)
}

// apply turns an answer into a complete script against parent.
func (a answer) apply(parent string) (string, error) {
	if a.Code != "" {
		return a.Code, nil
	}
	code := parent
	for i, e := range a.Edits {
		if e.Search == "" {
			return "", fmt.Errorf("edit %d has an empty \"search\"", i+1)
		}
		switch n := strings.Count(code, e.Search); n {
		case 1:
			code = strings.Replace(code, e.Search, e.Replace, 1)
		case 0:
			return "", fmt.Errorf("edit %d: its \"search\" text is not in the script: %q", i+1, research.Clip(e.Search, 120))
		default:
			return "", fmt.Errorf("edit %d: its \"search\" text appears %d times; it must be unique: %q", i+1, n, research.Clip(e.Search, 120))
		}
	}
	return code, nil
}

// proposal checks an answer's script and metadata.
func (a answer) proposal(parent string) (research.Proposal, error) {
	code, err := a.apply(parent)
	if err != nil {
		return research.Proposal{}, err
	}
	switch {
	case strings.TrimSpace(code) == "":
		return research.Proposal{}, errors.New("the proposed script is empty")
	case len(code) > maxScript:
		return research.Proposal{}, fmt.Errorf("the proposed script is %d bytes, over the %d limit", len(code), maxScript)
	case code == parent:
		return research.Proposal{}, errors.New("the proposal does not change the script")
	}
	return research.Proposal{Code: code, Description: research.Clip(oneLine(a.Description), 500), Hypothesis: research.Clip(a.Hypothesis, 1000),
		Category: category(a.Category)}, nil
}

func category(s string) research.Category {
	c := research.Category(strings.ToLower(strings.TrimSpace(s)))
	switch c {
	case research.CategoryArchitecture, research.CategoryOptimizer, research.CategoryHyperparameter,
		research.CategoryRegularization, research.CategoryData:
		return c
	}
	return research.CategoryOther
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
