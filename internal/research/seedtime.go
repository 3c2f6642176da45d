package research

// SeedTime is where a seed's time went, in seconds, by the runner's
// clock: Startup until the harness was imported (a warm process has
// imported torch before the seed's go), Data until the training clock
// started, Training up to the budget, Overrun past the budget other than
// the export (the last step, the process's exit), Export, Evaluation
// (the evaluate phase after the go), Other the rest of the seed's wall
// time (taking or starting its process, waiting for its evaluator,
// reaping), and Test a finalist's test evaluation, which runs after the
// seeds. Start-up beyond its allowance is training by the runner's clock,
// and shown there only. The phases sum to the wall time plus Test.
type SeedTime struct {
	Startup    float64 `json:"startup"`
	Data       float64 `json:"data"`
	Training   float64 `json:"training"`
	Overrun    float64 `json:"overrun"`
	Export     float64 `json:"export"`
	Evaluation float64 `json:"evaluation"`
	Other      float64 `json:"other"`
	Test       float64 `json:"test"`
}

// Time splits s's time into phases for a budget of budget seconds.
func (s SeedRun) Time(budget float64) SeedTime {
	t := SeedTime{Startup: s.ImportSeconds, Export: s.ExportSeconds, Evaluation: s.EvalSeconds, Test: s.TestSeconds}
	if s.StartupSeconds > s.ImportSeconds {
		t.Data = s.StartupSeconds - s.ImportSeconds
	}
	trained := max(0, s.TrainSeconds-s.ExportSeconds)
	t.Training = min(trained, budget)
	t.Overrun = trained - t.Training
	t.Other = s.WallSeconds - t.Startup - t.Data - t.Training - t.Overrun - t.Export - t.Evaluation
	if t.Other < 0 { // start-up past its allowance, which the runner's clock counts as training
		cut := min(-t.Other, t.Data)
		t.Data -= cut
		t.Startup = max(0, t.Startup+t.Other+cut)
		t.Other = 0
	}
	return t
}

// Total is the seed's time, its test evaluation included.
func (t SeedTime) Total() float64 {
	return t.Startup + t.Data + t.Training + t.Overrun + t.Export + t.Evaluation + t.Other + t.Test
}

// NotTraining is the share of t's total that was not training.
func (t SeedTime) NotTraining() float64 {
	if total := t.Total(); total > 0 {
		return 1 - t.Training/total
	}
	return 0
}

// NotTraining is the share of the seeds' time (test evaluations
// included) that was not training, over every seed of es: 0 when none ran.
func NotTraining(es []Experiment) float64 {
	var total, training float64
	for _, e := range es {
		for _, s := range e.Outcome.Seeds {
			t := s.Time(e.TrainSeconds)
			total += t.Total()
			training += t.Training
		}
	}
	if total <= 0 {
		return 0
	}
	return 1 - training/total
}
