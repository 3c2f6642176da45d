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
	FailSyntax     FailureKind = "syntax"
	FailValidation FailureKind = "validation"
	FailImport     FailureKind = "import"
	FailOOM        FailureKind = "oom"
	FailTimeout    FailureKind = "timeout"
	FailDivergence FailureKind = "divergence"
	FailExport     FailureKind = "export"
	FailCrash      FailureKind = "crash"
	// FailOvertime: the train process worked past its budget and save
	// allowance, by the runner's clock; under a step budget, took a
	// step past it, or was stopped short of its steps by the time
	// ceiling.
	FailOvertime FailureKind = "overtime"
	// FailTamper: the exported model tried to open a file, a socket or a
	// program, or to read another process, while it was evaluated; or,
	// under a step budget, the train process wrote to the harness's
	// events pipe or kept steps from reaching it.
	FailTamper      FailureKind = "tamper"
	FailProposal    FailureKind = "proposal"
	FailInterrupted FailureKind = "interrupted"
)

// Infeasible reports whether a run that failed this way says its settings
// do not work (out of memory, too slow, diverged, crashed, over its
// budget, no model to export), rather than nothing of them (rejected
// before it ran, tampered, taken away by the cluster).
func (k FailureKind) Infeasible() bool {
	switch k {
	case FailOOM, FailTimeout, FailDivergence, FailExport, FailCrash, FailOvertime:
		return true
	}
	return false
}

// LossPoint is one point of a training loss curve.
type LossPoint struct {
	Step    int     `json:"step"`
	Loss    float64 `json:"loss"`
	Elapsed float64 `json:"elapsed"`
}

// SeedRun is one seed of one experiment: a train phase then an evaluate phase.
type SeedRun struct {
	Seed       int64    `json:"seed"`
	OK         bool     `json:"ok"`
	Metric     *float64 `json:"metric"`
	TestMetric *float64 `json:"test_metric"`
	// The timings are the runner's: its own clock, and the moments the
	// harness's events reached it (a script can delay them, not advance
	// them).
	TrainSeconds   float64 `json:"train_seconds"`   // training as judged: process end - start - credited start-up
	WallSeconds    float64 `json:"wall_seconds"`    // whole seed: train process + evaluate process
	StartupSeconds float64 `json:"startup_seconds"` // process start until the training clock started (0: never)
	ImportSeconds  float64 `json:"import_seconds"`  // process start until the harness was imported
	ExportSeconds  float64 `json:"export_seconds"`
	EvalSeconds    float64 `json:"eval_seconds"`
	TestSeconds    float64 `json:"test_seconds"` // a finalist's test evaluation, after the decision's preview (not in WallSeconds)
	ExitCode       int     `json:"exit_code"`
	// Steps is the gradient steps the train process took: the backward
	// passes the harness counted (its events, every process's), else
	// (none counted: recorded before they were, or no autograd) the
	// highest step the script logged (H.log). With a time budget it
	// varies with the machine's load, and with it the metric.
	Steps   int         `json:"steps"`
	Failure FailureKind `json:"failure"`
	Excerpt string      `json:"excerpt"`
	Loss    []LossPoint `json:"loss"`
	// Sealed: the seed ran under full isolation and its model was
	// evaluated in a sealed process.
	Sealed bool `json:"sealed"`
	// Confirm: a fresh seed run after the experiment was kept, to confirm
	// it (not one it was decided on).
	Confirm bool `json:"confirm"`
}

// Phase is where a running seed stands.
type Phase string

// Phases of a seed, in order.
const (
	PhaseQueued     Phase = "queued" // waiting for a cluster's node (its place says which job, and why it waits)
	PhaseTraining   Phase = "training"
	PhaseEvaluating Phase = "evaluating"
	PhaseDone       Phase = "done"
)

// LiveSeed is the progress of one seed of a running experiment.
type LiveSeed struct {
	ExperimentSeq int64       `json:"experiment_seq"`
	Seed          int64       `json:"seed"`
	Phase         Phase       `json:"phase"` // training or evaluating
	Place         string      `json:"place"` // where it runs: a device and its cores, or a cluster job and its node
	Loss          []LossPoint `json:"loss"`
}

// Outcome is what running one script over its seeds produced.
type Outcome struct {
	Seeds []SeedRun
	Mean  *float64 // over every seed with a metric, confirmations included
	Std   *float64
	// First is the mean that called for a confirmation; Confirmed the mean
	// of the fresh seeds then run to confirm it (nil: none ran). Mean, over
	// both, decided it.
	First     *float64
	Confirmed *float64
	Test      *float64
	Failure   FailureKind
	Excerpt   string
	// Sealed: every seed was sealed (SeedRun.Sealed), so neither the
	// script nor its model could reach held-out data or the evaluator.
	Sealed bool
}

// Unsealed reports whether e has a metric that was obtained without the
// full seal (partial or no isolation, or recorded before the seal
// existed): its number may not be what it claims.
func (e *Experiment) Unsealed() bool {
	return e.Outcome.Mean != nil && !e.Outcome.Sealed
}

// Cost is what proposing an experiment cost.
type Cost struct {
	Proposer         string  `json:"proposer"`
	Model            string  `json:"model"`
	InputTokens      int64   `json:"input_tokens"`
	OutputTokens     int64   `json:"output_tokens"`
	CacheReadTokens  int64   `json:"cache_read_tokens"`
	CacheWriteTokens int64   `json:"cache_write_tokens"`
	USD              float64 `json:"usd"`
	ProposeSeconds   float64 `json:"propose_seconds"`
}

// Experiment is one script run through the harness and its recorded result.
type Experiment struct {
	ID           int64
	Task         string
	Seq          int64 // number within its task, from 1
	ParentID     *int64
	ParentSeq    *int64 // the parent's Seq, filled in when read from a store
	Mode         Mode
	Category     Category
	Description  string
	Hypothesis   string
	Code         string
	Diff         string
	Status       Status
	TrainSeconds float64    // the budget it ran under (the ceiling, under a step budget)
	BudgetSteps  int        // its step budget (0: a time budget)
	Rule         AcceptRule // how it was judged ("": recorded before rules were)
	SeedsPlanned int        // the seeds it runs unless dropped after its first
	SeedsMax     int        // the seeds its rule may give it (0: recorded before rules were)
	SeedsDone    int        // seeds that produced a metric
	SeedsStarted int        // while it runs: the seeds started so far (from its live progress)
	AgainstID    *int64     // the best it was judged against (nil: none, or not recorded)
	AgainstSeq   *int64     // that best's Seq, filled in when read from a store
	Outcome      Outcome
	Cost         Cost
	CreatedAt    time.Time
	FinishedAt   *time.Time
}

// MoreSeeds reports whether e is running seeds past its planned ones: its
// improvement over the best was promising but not yet clear.
func (e *Experiment) MoreSeeds() bool {
	return e.Status == StatusRunning && e.SeedsStarted > e.SeedsPlanned
}

// Duration is the wall time from creation to finish (zero while running).
func (e *Experiment) Duration() time.Duration {
	if e.FinishedAt == nil {
		return 0
	}
	return e.FinishedAt.Sub(e.CreatedAt)
}
