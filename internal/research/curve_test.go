package research

import (
	"math"
	"testing"
)

func TestCurveKeepsShortCurvesWhole(t *testing.T) {
	var c Curve
	if c.Points() != nil {
		t.Fatal("an empty curve has points")
	}
	for i := range 10 {
		c.Add(LossPoint{Step: i, Loss: float64(10 - i)})
	}
	pts := c.Points()
	if len(pts) != 10 || pts[0].Step != 0 || pts[9].Step != 9 {
		t.Fatalf("points = %v", pts)
	}
	pts[0].Step = 99
	if c.Points()[0].Step != 0 {
		t.Fatal("Points shares the curve's memory")
	}
}

// TestCurveThinsEvenly: however many points are added, the curve holds at
// most MaxCurvePoints, evenly spaced, from the first to the latest.
func TestCurveThinsEvenly(t *testing.T) {
	var c Curve
	for n := 1; n <= 20*MaxCurvePoints+7; n++ {
		c.Add(LossPoint{Step: n - 1, Loss: 1})
		pts := c.Points()
		if len(pts) > MaxCurvePoints {
			t.Fatalf("after %d points the curve has %d", n, len(pts))
		}
		if pts[0].Step != 0 || pts[len(pts)-1].Step != n-1 {
			t.Fatalf("after %d points the curve runs from %d to %d", n, pts[0].Step, pts[len(pts)-1].Step)
		}
		if n <= 2 {
			continue
		}
		// All gaps but the one before the latest point are the same.
		gap := pts[1].Step - pts[0].Step
		for i := 2; i < len(pts)-1; i++ {
			if d := pts[i].Step - pts[i-1].Step; d != gap {
				t.Fatalf("after %d points gap %d is %d, not %d", n, i, d, gap)
			}
		}
		if d := pts[len(pts)-1].Step - pts[len(pts)-2].Step; d < 1 || d > gap {
			t.Fatalf("after %d points the last gap is %d (stride %d)", n, d, gap)
		}
	}
	if pts := c.Points(); len(pts) < MaxCurvePoints/2 {
		t.Fatalf("the curve thinned to %d points, under half the bound", len(pts))
	}
}

func TestCurveSkipsNonFiniteLoss(t *testing.T) {
	var c Curve
	for _, l := range []float64{2, math.NaN(), math.Inf(1), math.Inf(-1), 1} {
		c.Add(LossPoint{Loss: l})
	}
	if pts := c.Points(); len(pts) != 2 || pts[0].Loss != 2 || pts[1].Loss != 1 {
		t.Fatalf("points = %v", pts)
	}
}
