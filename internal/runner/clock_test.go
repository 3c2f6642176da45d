package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// TestRunnersClock: training time is judged from the train process's go
// to its end, less the start-up credited (until the harness's clock
// started, at most the allowance); beyond the budget and the save
// allowance the seed is overtime, whatever the script's events claim.
func TestRunnersClock(t *testing.T) {
	s := func(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name           string
		clockAt, endAt float64 // seconds after the start; clockAt < 0: no clock_start
		want           research.FailureKind
		trained        float64
		excerpt        string
	}{
		{"honest", 1.2, 1.2 + 5 + 0.4, "", 5.4, ""},
		{"slow start within the allowance", 4.5, 4.5 + 5.9, "", 5.9, ""},
		{"past the save allowance", 1.2, 1.2 + 6.1, research.FailOvertime, 6.1, "trained 6.1 s on a 5.0 s budget (start-up 1.2 s)"},
		{"ignores the clock", 1.2, 21.2, research.FailOvertime, 20, "trained 20.0 s on a 5.0 s budget (start-up 1.2 s)"},
		{"trains before the clock", 16.8, 16.8 + 5.2, research.FailOvertime, 17, "start-up 16.8 s, of which 5.0 s allowed"},
		{"never starts the clock", -1, 13, research.FailOvertime, 8, "the 5.0 s start-up allowance counted"},
		{"never starts the clock, quick", -1, 5 + 5.5, "", 5.5, ""},
		{"fake early clock", 0.01, 0.01 + 7, research.FailOvertime, 7, "start-up 0.0 s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := &trainLog{budget: s(5), startupAllow: s(5), saveAllow: s(1), limit: s(40), modelOK: true,
				res: sandbox.Result{Started: start, Ended: start.Add(s(c.endAt))}}
			if c.clockAt >= 0 {
				tl.clockStart = start.Add(s(c.clockAt))
			}
			run := tl.seedRun(42)
			if run.Failure != c.want || (c.excerpt != "" && !strings.Contains(run.Excerpt, c.excerpt)) {
				t.Fatalf("failure %q, excerpt %q; want %q with %q", run.Failure, run.Excerpt, c.want, c.excerpt)
			}
			if d := run.TrainSeconds - c.trained; d > 0.001 || d < -0.001 {
				t.Errorf("trained %.3f s, want %.3f", run.TrainSeconds, c.trained)
			}
			if c.clockAt < 0 && run.Failure != "" && !strings.Contains(run.Excerpt, "never called") {
				t.Errorf("the excerpt should say the clock never started: %s", run.Excerpt)
			}
		})
	}
}

// TestTheClockTakesArrivalTimes: what the harness's events claim about
// time is ignored; the runner stamps each when it arrives, and only the
// first clock_start counts.
func TestTheClockTakesArrivalTimes(t *testing.T) {
	tl := &trainLog{}
	before := time.Now()
	tl.add([]byte(`{"event":"clock_start","t":1}`))
	between := time.Now()
	time.Sleep(10 * time.Millisecond)
	tl.add([]byte(`{"event":"clock_start","t":99999999999}`))
	if tl.clockStart.Before(before) || tl.clockStart.After(between) {
		t.Fatalf("clock start %v, want the first event's arrival (between %v and %v)", tl.clockStart, before, between)
	}
}

// TestSlowStartHonestScriptIsOnTime: a script whose start-up takes longer
// than the allowance, then trains by H.time_left() and saves, ends within
// the runner's deadline: the harness counts down to it. The script sleeps
// 2.5 s past a 1 s allowance, so a harness that did not take the excess
// off the budget would train at least 5 + 1.5 s, past the 1 s save
// allowance; an honest one stays on time unless its imports take more
// than 4.5 s (allowance + budget + save allowance - the sleep).
func TestSlowStartHonestScriptIsOnTime(t *testing.T) {
	r := newTestRunner(t)
	r.Cfg.TrainSeconds, r.Cfg.StartupAllowance, r.Cfg.SaveAllowance = 5, time.Second, time.Second
	out, err := runSeeds(context.Background(), r, script(t, "slow_start.py"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Failure != "" || out.Mean == nil {
		t.Fatalf("want a metric, got %q: %s", out.Failure, out.Excerpt)
	}
	if s := out.Seeds[0]; s.StartupSeconds < 2.5 || s.TrainSeconds > 6 {
		t.Fatalf("start-up %.2f s (want > 2.5: the script slept), trained %.2f s (want <= 5 s budget + 1 s)", s.StartupSeconds, s.TrainSeconds)
	}
}

// TestAWarmHeadStartBuysNoTraining: a warm process did its imports before
// its go; that start-up comes off the allowance, so the window before the
// clock is what a process started at its go would have had. A cold one
// (let go as soon as it was spawned) keeps the whole allowance.
func TestAWarmHeadStartBuysNoTraining(t *testing.T) {
	s := func(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }
	spawned := time.Now()
	for _, c := range []struct {
		name          string
		readyAt, goAt float64 // after spawned; readyAt < 0: not ready at the go
		want          research.FailureKind
		trained       float64
		excerpt       string
	}{
		{"warm, trains 4.9 s before the clock", 1.5, 30, research.FailOvertime, 6.9, "of which 3.5 s allowed (5.0 s less the 1.5 s of start-up done before the go)"},
		{"cold, the same script", -1, 0.01, "", 5.5, ""},
		{"warm, still importing at the go", -1, 0.8, research.FailOvertime, 6.2, "less the 0.8 s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			goAt := spawned.Add(s(c.goAt))
			tl := &trainLog{budget: s(5), startupAllow: s(5), saveAllow: s(1), limit: s(40), modelOK: true,
				res: sandbox.Result{Started: goAt, Ended: goAt.Add(s(4.9 + 5 + 0.5))}, clockStart: goAt.Add(s(4.9))}
			if c.readyAt >= 0 {
				tl.ready = spawned.Add(s(c.readyAt))
			}
			tl.atGo(spawned, goAt)
			run := tl.seedRun(42)
			if run.Failure != c.want || (c.excerpt != "" && !strings.Contains(run.Excerpt, c.excerpt)) {
				t.Fatalf("failure %q, excerpt %q; want %q with %q", run.Failure, run.Excerpt, c.want, c.excerpt)
			}
			if d := run.TrainSeconds - c.trained; d > 0.001 || d < -0.001 {
				t.Errorf("trained %.3f s, want %.3f", run.TrainSeconds, c.trained)
			}
		})
	}
}
