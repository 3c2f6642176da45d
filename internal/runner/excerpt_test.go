package runner

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autoresearch/autoresearch/internal/research"
)

// TestExcerptKeepsTheTail: an excerpt is the end of the output, behind a
// marker, bounded, and never starts inside a character.
func TestExcerptKeepsTheTail(t *testing.T) {
	if got := Excerpt("  short output\n"); got != "short output" {
		t.Fatalf("Excerpt = %q", got)
	}
	for shift := range 4 {
		out := strings.Repeat("x", shift) + strings.Repeat("é€😀", 400) + "the end"
		got := Excerpt(out)
		if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "the end") {
			t.Fatalf("shift %d: Excerpt = %.40q…", shift, got)
		}
		if !utf8.ValidString(got) || len(got) > 1200+len("…") {
			t.Fatalf("shift %d: Excerpt has %d bytes, valid UTF-8: %v", shift, len(got), utf8.ValidString(got))
		}
	}
	tb := "noise\nTraceback (most recent call last):\n  File \"train.py\"\nValueError: bad"
	if got := Excerpt(tb); got != tb[strings.Index(tb, "Traceback"):] {
		t.Fatalf("Excerpt = %q, want the traceback", got)
	}
}

// TestClassifyBoundsTheExcerpt: a script's own failure message, however
// long, is recorded within excerptMax bytes, as valid UTF-8.
func TestClassifyBoundsTheExcerpt(t *testing.T) {
	tl := &trainLog{}
	msg := strings.Repeat("€", 3*excerptMax)
	tl.add([]byte(fmt.Sprintf(`{"event": "failure", "kind": "crash", "message": %q}`, msg)))
	kind, excerpt := tl.classify()
	if kind != research.FailCrash || len(excerpt) > excerptMax+len("…") || !utf8.ValidString(excerpt) {
		t.Fatalf("kind %s, excerpt of %d bytes (valid %v)", kind, len(excerpt), utf8.ValidString(excerpt))
	}
}

// TestTrainLogThinsTheCurve: the recorded curve is bounded and runs from
// the first logged step to the last.
func TestTrainLogThinsTheCurve(t *testing.T) {
	tl := &trainLog{}
	const n = 5*research.MaxCurvePoints + 3
	for i := range n {
		tl.add([]byte(fmt.Sprintf(`{"event": "log", "step": %d, "loss": 2.5}`, i)))
	}
	loss := tl.seedRun(0).Loss
	if len(loss) > research.MaxCurvePoints || loss[0].Step != 0 || loss[len(loss)-1].Step != n-1 {
		t.Fatalf("%d points from %d to %d", len(loss), loss[0].Step, loss[len(loss)-1].Step)
	}
}
