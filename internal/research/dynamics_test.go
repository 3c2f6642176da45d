package research

import (
	"math"
	"testing"
)

// curve logs loss(step) every 10 steps up to last.
func curve(last int, loss func(step int) float64) []LossPoint {
	var c []LossPoint
	for s := 0; s <= last; s += 10 {
		c = append(c, LossPoint{Step: s, Loss: loss(s)})
	}
	return c
}

func TestSeedDynamics(t *testing.T) {
	cases := map[string]struct {
		loss      func(int) float64
		lastFifth float64
		trend     string
	}{
		// Over steps 800..1000 the line falls from 1.2 to 1.0: -0.2 on a mean of 1.1.
		"falling": {func(s int) float64 { return 2 - float64(s)/1000 }, -0.2 / 1.1, "still improving"},
		"flat":    {func(s int) float64 { return 0.5 + 0.001*float64(s%20) }, 0, "flat"},
		"rising":  {func(s int) float64 { return 1 + float64(s)/1000 }, 0.2 / 1.9, "rising"},
	}
	for name, c := range cases {
		d, ok := SeedDynamics(SeedRun{Steps: 1000, TrainSeconds: 4, Loss: curve(1000, c.loss)})
		if !ok || d.Steps != 1000 || d.StepsPerSecond != 250 || d.Start != c.loss(0) || d.End != c.loss(1000) {
			t.Errorf("%s: %+v", name, d)
		}
		if math.Abs(d.LastFifth-c.lastFifth) > 0.01 || d.Trend() != c.trend {
			t.Errorf("%s: last fifth %.4f (%s), want %.4f (%s)", name, d.LastFifth, d.Trend(), c.lastFifth, c.trend)
		}
	}
	if _, ok := SeedDynamics(SeedRun{Loss: curve(10, func(int) float64 { return 1 })}); ok {
		t.Error("two points made dynamics")
	}
	e := &Experiment{Outcome: Outcome{Seeds: []SeedRun{{}, {Steps: 20, Loss: curve(20, func(s int) float64 { return 3 - float64(s)/10 })}}}}
	if d, ok := ExperimentDynamics(e); !ok || d.Start != 3 || d.End != 1 || d.StepsPerSecond != 0 {
		t.Errorf("an experiment's dynamics come from its first seed with a curve: %+v %v", d, ok)
	}
}
