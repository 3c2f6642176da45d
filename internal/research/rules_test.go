package research

import (
	"math"
	"testing"
)

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
