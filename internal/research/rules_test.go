package research

import (
	"math"
	"testing"
)

func ptr(v float64) *float64 { return &v }

func TestAcceptAndShortCircuit(t *testing.T) {
	cases := []struct {
		name      string
		d         Direction
		value     float64
		best      *float64
		accept    bool
		shortStop bool
	}{
		{"no best yet", Minimize, 3, nil, true, false},
		{"better when minimizing", Minimize, 2.9, ptr(3), true, false},
		{"equal is not better", Minimize, 3, ptr(3), false, false},
		{"worse when minimizing", Minimize, 3.1, ptr(3), false, true},
		{"better when maximizing", Maximize, 0.9, ptr(0.8), true, false},
		{"worse when maximizing", Maximize, 0.7, ptr(0.8), false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Accept(c.d, c.value, c.best); got != c.accept {
				t.Errorf("Accept = %v, want %v", got, c.accept)
			}
			if got := ShortCircuit(c.d, c.value, c.best); got != c.shortStop {
				t.Errorf("ShortCircuit = %v, want %v", got, c.shortStop)
			}
		})
	}
}

func TestMeanStd(t *testing.T) {
	cases := []struct {
		xs        []float64
		mean, std float64
	}{
		{[]float64{2}, 2, 0},
		{[]float64{1, 3}, 2, math.Sqrt2},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, 2.138089935299395},
	}
	for _, c := range cases {
		m, s := MeanStd(c.xs)
		if math.Abs(m-c.mean) > 1e-12 || math.Abs(s-c.std) > 1e-12 {
			t.Errorf("MeanStd(%v) = %v, %v; want %v, %v", c.xs, m, s, c.mean, c.std)
		}
	}
}

func TestDirectionValid(t *testing.T) {
	for d, want := range map[Direction]bool{Minimize: true, Maximize: true, "": false, "lower": false} {
		if d.Valid() != want {
			t.Errorf("%q.Valid() = %v", d, !want)
		}
	}
}
