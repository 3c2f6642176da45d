// Package research holds the vocabulary of the research loop (experiments,
// seed runs, outcomes, failure kinds, modes, categories) and the rules that
// act on it: the acceptance rule, the seed short-circuit, and the pipeline
// that takes one script to a recorded decision. It depends only on the
// interfaces it declares.
package research

import (
	"time"
)

// Status is where an experiment stands.
type Status string

// Experiment statuses.
const (
	StatusRunning     Status = "running"
	StatusKept        Status = "kept"
	StatusDiscarded   Status = "discarded"
	StatusFailed      Status = "failed"
	StatusInterrupted Status = "interrupted"
)

// Mode says why an experiment was proposed.
type Mode string

// Modes. Baseline and eval come from the commands of the same name; the
// others from the strategy of the research loop.
const (
	ModeBaseline  Mode = "baseline"
	ModeEval      Mode = "eval"
	ModeImprove   Mode = "improve"
	ModeExplore   Mode = "explore"
	ModeDiversify Mode = "diversify"
)

// Category classifies the change a proposal makes.
type Category string

// Categories a proposal may declare.
const (
	CategoryArchitecture   Category = "architecture"
	CategoryOptimizer      Category = "optimizer"
	CategoryHyperparameter Category = "hyperparameter"
	CategoryRegularization Category = "regularization"
	CategoryData           Category = "data"
	CategoryOther          Category = "other"
)

// FailureKind classifies why a seed or an experiment produced no metric.
type FailureKind string

// Failure kinds (DESIGN.md §4).
const (
	FailSyntax      FailureKind = "syntax"
	FailValidation  FailureKind = "validation"
	FailImport      FailureKind = "import"
	FailOOM         FailureKind = "oom"
	FailTimeout     FailureKind = "timeout"
	FailDivergence  FailureKind = "divergence"
	FailExport      FailureKind = "export"
	FailCrash       FailureKind = "crash"
	FailProposal    FailureKind = "proposal"
	FailInterrupted FailureKind = "interrupted"
)

// LossPoint is one point of a training loss curve.
type LossPoint struct {
	Step    int     `json:"step"`
	Loss    float64 `json:"loss"`
	Elapsed float64 `json:"elapsed"`
}

// SeedRun is one seed of one experiment: a train phase then an evaluate phase.
type SeedRun struct {
	Seed           int64
	OK             bool
	Metric         *float64
	TestMetric     *float64
	TrainSeconds   float64 // harness-measured training time
	WallSeconds    float64 // whole seed: train process + evaluate process
	StartupSeconds float64 // process start until the training clock started
	ImportSeconds  float64 // process start until the harness was imported
	ExportSeconds  float64
	EvalSeconds    float64
	ExitCode       int
	Failure        FailureKind
	Excerpt        string
	Loss           []LossPoint
}

// Outcome is what running one script over its seeds produced.
type Outcome struct {
	Seeds   []SeedRun
	Mean    *float64
	Std     *float64
	Test    *float64
	Failure FailureKind
	Excerpt string
}

// Cost is what proposing an experiment cost.
type Cost struct {
	Proposer         string
	Model            string
	InputTokens      int64
	OutputTokens     int64
	CacheReadTokens  int64
	CacheWriteTokens int64
	USD              float64
	ProposeSeconds   float64
}

// Experiment is one script run through the harness and its recorded result.
type Experiment struct {
	ID           int64
	Task         string
	Seq          int64 // number within its task, from 1
	ParentID     *int64
	Mode         Mode
	Category     Category
	Description  string
	Hypothesis   string
	Code         string
	Diff         string
	Status       Status
	TrainSeconds float64 // the budget it ran under
	SeedsPlanned int
	Outcome      Outcome
	Cost         Cost
	CreatedAt    time.Time
	FinishedAt   *time.Time
}

// Duration is the wall time from creation to finish (zero while running).
func (e *Experiment) Duration() time.Duration {
	if e.FinishedAt == nil {
		return 0
	}
	return e.FinishedAt.Sub(e.CreatedAt)
}
