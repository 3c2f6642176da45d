//go:build !linux

package sandbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// TestOnlyNoneOutsideLinux: Detect offers none and says why; partial and
// full are refused with ErrNotIsolated; none runs.
func TestOnlyNoneOutsideLinux(t *testing.T) {
	c := sandbox.Detect(context.Background())
	if c.Best != sandbox.LevelNone || !strings.Contains(c.Reason, "need Linux") {
		t.Fatalf("Detect = %+v", c)
	}
	for _, level := range []sandbox.Level{sandbox.LevelPartial, sandbox.LevelFull} {
		_, err := sandbox.Run(context.Background(), sandbox.Spec{Args: []string{"true"}, Env: sandbox.Env(),
			Isolation: sandbox.Isolation{Level: level}})
		if !errors.Is(err, sandbox.ErrNotIsolated) || !strings.Contains(err.Error(), "needs Linux") {
			t.Errorf("level %s: %v, want ErrNotIsolated naming Linux", level, err)
		}
	}
	res, err := sandbox.Run(context.Background(), sandbox.Spec{Args: []string{"true"}, Env: sandbox.Env(),
		Isolation: sandbox.Isolation{Level: sandbox.LevelNone, Limits: sandbox.Limits{OpenFiles: 64}}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("none: %v %+v", err, res)
	}
}
