package search

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
)

func parent(t *testing.T, name string) research.Experiment {
	t.Helper()
	tk, err := task.Load(name, "")
	if err != nil {
		t.Fatal(err)
	}
	return research.Experiment{ID: 1, Seq: 1, Code: tk.Baseline}
}

func TestProposalsStayInTheSpaceAndChangeOnlyItsLines(t *testing.T) {
	for _, name := range []string{"shakespeare", "fashion-mnist", "cifar10"} {
		par := parent(t, name)
		before, _ := task.ParseSpace(par.Code)
		p := New(rand.New(rand.NewPCG(1, 1)))
		for i := range 200 {
			mode := research.ModeImprove
			if i%5 == 0 {
				mode = research.ModeExplore
			}
			prop, err := p.Propose(context.Background(), research.Request{Parent: par, Mode: mode})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			after, err := task.ParseSpace(prop.Code)
			if err != nil {
				t.Fatalf("%s: proposal breaks the search space: %v", name, err)
			}
			checkProposal(t, par.Code, prop, before, after)
		}
	}
}

func checkProposal(t *testing.T, parentCode string, prop research.Proposal, before, after []task.Param) {
	t.Helper()
	changed := 0
	for i, a := range after {
		b := before[i]
		if a.Value != b.Value {
			changed++
			if !strings.Contains(prop.Description, a.Name) {
				t.Errorf("description %q omits %s", prop.Description, a.Name)
			}
		}
		if a.Type == "int" && a.Value != float64(int64(a.Value)) {
			t.Errorf("%s = %v is not an int", a.Name, a.Value)
		}
		if a.Kind == task.KindChoice && !in(a.Choices, a.Value) {
			t.Errorf("%s = %v is not one of %v", a.Name, a.Value, a.Choices)
		}
		if a.Kind != task.KindChoice && (a.Value < a.Lo || a.Value > a.Hi) {
			t.Errorf("%s = %v is outside [%v, %v]", a.Name, a.Value, a.Lo, a.Hi)
		}
	}
	if changed == 0 || prop.Category != research.CategoryHyperparameter {
		t.Errorf("no parameter changed (%q)", prop.Description)
	}
	pl, cl := strings.Split(parentCode, "\n"), strings.Split(prop.Code, "\n")
	if len(pl) != len(cl) {
		t.Fatal("line count changed")
	}
	diff := 0
	for i := range pl {
		if pl[i] != cl[i] {
			diff++
		}
	}
	if diff != changed {
		t.Errorf("%d lines differ for %d changed parameters: %s", diff, changed, prop.Description)
	}
}

func in(xs []float64, v float64) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func TestExploreChangesMoreThanImprove(t *testing.T) {
	par := parent(t, "shakespeare")
	p := New(rand.New(rand.NewPCG(2, 2)))
	count := func(mode research.Mode) int {
		total := 0
		for range 100 {
			prop, err := p.Propose(context.Background(), research.Request{Parent: par, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			total += strings.Count(prop.Description, "→")
		}
		return total
	}
	if imp, exp := count(research.ModeImprove), count(research.ModeExplore); exp <= imp {
		t.Fatalf("explore changed %d values, improve %d: explore should move more", exp, imp)
	}
}

func TestNoRepeatsAndClearErrors(t *testing.T) {
	code := "import harness as H\n# @search-space begin\nx: int = 1  # choice 1 2\n# @search-space end\n"
	p := New(rand.New(rand.NewPCG(3, 3)))
	req := research.Request{Parent: research.Experiment{Seq: 4, Code: code}, Mode: research.ModeImprove}
	first, err := p.Propose(context.Background(), req)
	if err != nil || !strings.Contains(first.Code, "x: int = 2  # choice 1 2") {
		t.Fatalf("first proposal: %v\n%s", err, first.Code)
	}
	if _, err := p.Propose(context.Background(), req); err == nil || !strings.Contains(err.Error(), "exhausted") {
		t.Fatalf("second proposal of a two-value space: err = %v", err)
	}
	req.Parent.Code = "print('no block')\n"
	if _, err := p.Propose(context.Background(), req); err == nil || !strings.Contains(err.Error(), "#4") {
		t.Fatalf("parent without a block: err = %v", err)
	}
}

func TestRandomSearchDrawsTheWholeDomain(t *testing.T) {
	par := parent(t, "shakespeare")
	p := NewRandom(rand.New(rand.NewPCG(9, 9)))
	seen := map[float64]bool{}
	for range 50 {
		prop, err := p.Propose(context.Background(), research.Request{Parent: par, Mode: research.ModeImprove})
		if err != nil {
			t.Fatal(err)
		}
		after, _ := task.ParseSpace(prop.Code)
		for _, a := range after {
			if a.Name == "n_layer" {
				seen[a.Value] = true
			}
			if a.Kind != task.KindChoice && (a.Value < a.Lo || a.Value > a.Hi) {
				t.Fatalf("%s = %v outside its domain", a.Name, a.Value)
			}
		}
	}
	if len(seen) < 5 { // range 1 .. 6: random search reaches most values
		t.Fatalf("n_layer took only %v", seen)
	}
}

func TestUnchangedProposesTheParentAsItIs(t *testing.T) {
	parent := research.Experiment{Seq: 3, Code: "lr = 0.1\nprint(lr)\n"}
	p, err := Unchanged{}.Propose(context.Background(), research.Request{Parent: parent})
	if err != nil || p.Code != parent.Code || !strings.Contains(p.Description, "#3 unchanged") {
		t.Fatalf("proposal %+v, %v; want #3's code as it is", p, err)
	}
}

// A value is written as the script declares it and stays in its domain:
// a choice exactly, a float rounded to three figures unless that leaves
// the domain, an int inside bounds that are not whole.
func TestWriteStaysInTheDomain(t *testing.T) {
	src := "# @search-space begin\nc: float = 1234  # choice 1234 5678\nf: float = 0.2  # range 0.12341 .. 0.3\n" +
		"n: int = 2  # range 1.5 .. 2.5\ng: float = 0.001  # log 1e-4 .. 3e-2\n# @search-space end\n"
	params, err := task.ParseSpace(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[float64]string{5678: "5678.0", 0.123411: "0.12341", 2.5: "2", 0.00123456: "0.00123"}
	for i, v := range []float64{5678, 0.123411, 2.5, 0.00123456} {
		if got := write(params[i], v); got != want[v] {
			t.Errorf("%s = %v: wrote %q, want %q", params[i].Name, v, got, want[v])
		}
	}
}
