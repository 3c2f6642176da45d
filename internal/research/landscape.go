package research

// Landscape is what the model-based optimisers know of a task, for the
// report and the dashboard: over the declared search space of the best's
// structure (its script with the declared values left out), each
// parameter's importance and the metric against its value in every
// finished experiment of that structure.
type Landscape struct {
	Best   int64        `json:"best"`   // the number of the best experiment, whose structure this is
	Points int          `json:"points"` // the experiments of that structure it holds
	Failed int          `json:"failed"` // of them, runs their settings broke (shown at the worst metric, as the optimisers count them)
	Params []ParamSlice `json:"params"` // the most important first when measured, else in the order declared
	Note   string       `json:"note"`   // why there is nothing to show, or why importance is missing
	Method string       `json:"method"` // what measured the importance ("" when nothing did)
}

// ParamSlice is one declared parameter across the landscape's points:
// a slice of the metric against its value (Optuna's slice plot).
type ParamSlice struct {
	Name string  `json:"name"`
	Kind string  `json:"kind"` // log, range or choice
	Best float64 `json:"best"` // the best experiment's value
	// Importance is the parameter's share of the metric's variance
	// (fANOVA; the shares sum to 1), nil when not measured.
	Importance *float64  `json:"importance"`
	Seq        []int64   `json:"seq"`
	Value      []float64 `json:"value"`
	Metric     []float64 `json:"metric"`
	Broken     []bool    `json:"broken"` // the run failed for its settings; Metric is then the worst measured
}
