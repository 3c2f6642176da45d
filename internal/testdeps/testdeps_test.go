package testdeps

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for a test, recording whether it skipped or failed.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skip(args ...any)               { r.skipped = args[0].(string) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestMissingSkipsOrFails(t *testing.T) {
	t.Setenv(EnvDisallowSkip, "")
	r := &recorder{}
	Missing(r, "the widget", errors.New("not installed"))
	if r.failed != "" || !strings.Contains(r.skipped, "needs the widget: not installed") || !strings.Contains(r.skipped, "make test-deps") {
		t.Fatalf("without %s: skipped %q, failed %q", EnvDisallowSkip, r.skipped, r.failed)
	}
	t.Setenv(EnvDisallowSkip, "1")
	r = &recorder{}
	Missing(r, "the widget", errors.New("not installed"))
	if r.skipped != "" || r.failed == "" {
		t.Fatalf("with %s: skipped %q, failed %q", EnvDisallowSkip, r.skipped, r.failed)
	}
}
