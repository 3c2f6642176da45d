package task

import (
	"strings"
	"testing"
)

func TestParseSpace(t *testing.T) {
	src := strings.Join([]string{
		"import x",
		"# @search-space begin",
		"lr: float = 3e-3        # log 1e-4 .. 3e-2",
		"",
		"# a comment inside the block",
		"n_layer: int = 3        # range 1 .. 6",
		"d_model: int = 64       # choice 32, 48 64",
		"# @search-space end",
		"lr2: float = 1.0  # range 0 .. 2",
	}, "\n")
	ps, err := ParseSpace(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("got %d params, want 3 (lines outside the block ignored)", len(ps))
	}
	lr, nl, dm := ps[0], ps[1], ps[2]
	if lr.Name != "lr" || lr.Type != "float" || lr.Kind != KindLog || lr.Lo != 1e-4 || lr.Hi != 3e-2 || lr.Value != 3e-3 || lr.Line != 3 {
		t.Errorf("lr = %+v", lr)
	}
	if nl.Kind != KindRange || nl.Lo != 1 || nl.Hi != 6 || nl.Type != "int" {
		t.Errorf("n_layer = %+v", nl)
	}
	if dm.Kind != KindChoice || len(dm.Choices) != 3 || dm.Choices[2] != 64 {
		t.Errorf("d_model = %+v", dm)
	}
}

func TestParseSpaceErrors(t *testing.T) {
	wrap := func(lines ...string) string {
		return "# @search-space begin\n" + strings.Join(lines, "\n") + "\n# @search-space end\n"
	}
	cases := map[string]struct{ src, want string }{
		"no block":       {"x = 1\n", "no search-space block"},
		"unterminated":   {"# @search-space begin\nx: int = 1  # range 0 .. 2\n", "no search-space block"},
		"empty":          {wrap(), "declares no parameter"},
		"no annotation":  {wrap("x = 1  # range 0 .. 2"), "is not"},
		"no domain":      {wrap("x: int = 1"), "is not"},
		"bad value":      {wrap("x: int = abc  # range 0 .. 2"), "not a finite number"},
		"nan value":      {wrap("x: float = nan  # range 0 .. 2"), "not a finite number"},
		"infinite bound": {wrap("x: float = 1  # log 1e-3 .. inf"), "not a finite number"},
		"reversed range": {wrap("x: int = 1  # range 2 .. 0"), "LO < HI"},
		"log of zero":    {wrap("x: float = 1  # log 0 .. 2"), "positive"},
		"one choice":     {wrap("x: int = 1  # choice 1"), "at least two"},
		"bad choice":     {wrap("x: int = 1  # choice 1 two"), "not a finite number"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSpace(c.src)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

// Scripts that differ only in their declared values share a structure; a
// change anywhere else, a domain's included, makes another.
func TestStructure(t *testing.T) {
	script := func(lr, domain, body string) string {
		return "import x\n# @search-space begin\nlr: float = " + lr + "   # " + domain + "\nn: int = 3  # range 1 .. 6\n# @search-space end\n" + body
	}
	base := Structure(script("3e-3", "log 1e-4 .. 3e-2", "train()"))
	if got := Structure(script("0.0012", "log 1e-4 .. 3e-2", "train()")); got != base {
		t.Errorf("another value, another structure:\n%s\n%s", got, base)
	}
	for name, src := range map[string]string{
		"body":   script("3e-3", "log 1e-4 .. 3e-2", "train(twice=True)"),
		"domain": script("3e-3", "log 1e-5 .. 3e-2", "train()"),
	} {
		if Structure(src) == base {
			t.Errorf("a changed %s kept the structure", name)
		}
	}
	if src := "x = 1\n"; Structure(src) != src {
		t.Error("a script without a search space is not its own structure")
	}
}

func TestParamContains(t *testing.T) {
	ps, err := ParseSpace("# @search-space begin\nlr: float = 1e-3  # log 1e-4 .. 3e-2\nbs: int = 32  # choice 16 32 64\n# @search-space end\n")
	if err != nil {
		t.Fatal(err)
	}
	lr, bs := ps[0], ps[1]
	for _, c := range []struct {
		p    Param
		v    float64
		want bool
	}{{lr, 1e-4, true}, {lr, 3e-2, true}, {lr, 0, false}, {lr, 0.031, false}, {bs, 64, true}, {bs, 64 * (1 + 1e-12), true}, {bs, 48, false}} {
		if got := c.p.Contains(c.v); got != c.want {
			t.Errorf("%s contains %g: %v, want %v", c.p.Name, c.v, got, c.want)
		}
	}
}
