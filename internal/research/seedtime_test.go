package research

import (
	"math"
	"testing"
)

func TestSeedTimeAccountsForEverySecond(t *testing.T) {
	s := SeedRun{ImportSeconds: 0.05, StartupSeconds: 0.25, TrainSeconds: 30.4, ExportSeconds: 0.1,
		EvalSeconds: 0.7, WallSeconds: 31.5, TestSeconds: 2}
	got := s.Time(30)
	want := SeedTime{Startup: 0.05, Data: 0.2, Training: 30, Overrun: 0.3, Export: 0.1, Evaluation: 0.7, Other: 0.15, Test: 2}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"startup", got.Startup, want.Startup}, {"data", got.Data, want.Data}, {"training", got.Training, want.Training},
		{"overrun", got.Overrun, want.Overrun}, {"export", got.Export, want.Export}, {"evaluation", got.Evaluation, want.Evaluation},
		{"other", got.Other, want.Other}, {"test", got.Test, want.Test}, {"total", got.Total(), s.WallSeconds + s.TestSeconds}} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestSeedTimeOfAScriptThatStopsEarly(t *testing.T) {
	got := SeedRun{TrainSeconds: 10, ExportSeconds: 0.5, WallSeconds: 11}.Time(30)
	if got.Training != 9.5 || got.Overrun != 0 || math.Abs(got.Other-1) > 1e-9 {
		t.Fatalf("an early stop is training, not overrun: %+v", got)
	}
}

func TestNotTrainingIsTheShareOfEverySeedsTime(t *testing.T) {
	e := Experiment{TrainSeconds: 30, Outcome: Outcome{Seeds: []SeedRun{
		{TrainSeconds: 30, WallSeconds: 31},
		{TrainSeconds: 30, WallSeconds: 31, TestSeconds: 2},
	}}}
	if got, want := NotTraining([]Experiment{e}), 1-60.0/64; math.Abs(got-want) > 1e-9 {
		t.Fatalf("NotTraining = %v, want %v", got, want)
	}
	if NotTraining(nil) != 0 {
		t.Fatal("no seeds: 0")
	}
}

func TestSeedTimeCountsNoSecondTwice(t *testing.T) {
	// Start-up of 7 s against a 5 s allowance: the runner charged 2 s of
	// it as training (trained 32.1 s: 30 of budget, 2 over, 0.1 of export).
	s := SeedRun{ImportSeconds: 0.1, StartupSeconds: 7, TrainSeconds: 32.1, ExportSeconds: 0.1, EvalSeconds: 1, WallSeconds: 38.1}
	got := s.Time(30)
	if math.Abs(got.Total()-s.WallSeconds) > 1e-9 || got.Other != 0 || math.Abs(got.Data-4.9) > 1e-9 || got.Overrun != 2 {
		t.Fatalf("%+v: want the phases to sum to the wall time, the 2 s charged shown as training only", got)
	}
}
