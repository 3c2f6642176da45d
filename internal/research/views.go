package research

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Stats summarizes a task's experiments.
type Stats struct {
	Experiments int
	Kept        int
	Failed      int
	Running     int
	SpentUSD    float64
	Goal        *Goal       // as recorded; nil for a task recorded before goals were
	Best        *Experiment // the store's Best; nil when none is kept
	Baseline    *float64    // the first baseline's mean
	Noise       Noise       // the task's noise floor (Standing)
	First, Last time.Time   // creation times of the first and last experiment
}

// PerHour is the rate at which experiments were created.
func (s Stats) PerHour() float64 {
	h := s.Last.Sub(s.First).Hours()
	if s.Experiments < 2 || h <= 0 {
		return 0
	}
	return float64(s.Experiments-1) / h
}

// SortKeys are the orders a Page may ask for.
var SortKeys = []string{"seq", "status", "mean", "category", "mode", "description", "cost", "duration"}

// CheckSort says what to use instead of an unknown sort key.
func CheckSort(key string) error {
	if !slices.Contains(SortKeys, key) {
		return fmt.Errorf("cannot sort by %q: use one of %s", key, strings.Join(SortKeys, ", "))
	}
	return nil
}

// Page asks for one page of a task's experiments in a given order.
type Page struct {
	Sort   string // one of SortKeys
	Desc   bool
	Offset int
	Limit  int
}

// Point is one experiment on a metric chart.
type Point struct {
	Seq    int64
	Status Status
	Mean   *float64
}
