package runner

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestSlotsPlaceWorkers(t *testing.T) {
	cpus := []int{0, 1, 2, 3, 4}
	for _, c := range []struct {
		devices []string
		workers int
		want    []Slot
	}{
		{[]string{"cpu"}, 1, []Slot{{Device: "cpu"}}},
		{[]string{"cpu"}, 2, []Slot{{Device: "cpu", CPUs: []int{0, 1}}, {Device: "cpu", CPUs: []int{2, 3}}}},
		{[]string{"cpu"}, 6, []Slot{{Device: "cpu"}, {Device: "cpu"}, {Device: "cpu"}, {Device: "cpu"}, {Device: "cpu"}, {Device: "cpu"}}},
		{[]string{"cuda:0", "cuda:1"}, 3, []Slot{{GPU: "0", Device: "cuda", CPUs: []int{0}}, {GPU: "1", Device: "cuda", CPUs: []int{1}},
			{GPU: "0", Device: "cuda", CPUs: []int{2}}}},
		{nil, 1, []Slot{{}}},
	} {
		if got := Slots(c.devices, c.workers, cpus); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Slots(%v, %d) = %+v, want %+v", c.devices, c.workers, got, c.want)
		}
	}
	if p := (Slot{GPU: "1", Device: "cuda", CPUs: []int{4, 5, 6}}).Place(); p != "cuda:1 cores 4-6" {
		t.Errorf("place %q", p)
	}
	// Under CUDA_VISIBLE_DEVICES=2,3 torch's cuda:1 is the machine's GPU 3.
	got := OnVisible(Slots([]string{"cuda:0", "cuda:1"}, 2, nil), "2, 3")
	if got[0].GPU != "2" || got[1].GPU != "3" {
		t.Errorf("slots under CUDA_VISIBLE_DEVICES=2,3: %+v, want GPUs 2 and 3", got)
	}
	if got := OnVisible(Slots([]string{"cuda:1"}, 1, nil), ""); got[0].GPU != "1" {
		t.Errorf("slots with nothing hidden: %+v", got)
	}
}

// TestOneSeedPerSlot: a seed waits for a free slot, and gets it back
// when it is freed; a cancelled wait is the context's error.
func TestOneSeedPerSlot(t *testing.T) {
	r := &Runner{Cfg: Config{Slots: []Slot{{CPUs: []int{0}}, {CPUs: []int{1}}}}}
	a, freeA, err := r.seat(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := r.seat(context.Background())
	if err != nil || reflect.DeepEqual(a, b) {
		t.Fatalf("two seats: %v %v, %v", a, b, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := r.seat(ctx); err == nil {
		t.Fatal("a third seed got a slot while both were taken")
	}
	freeA()
	c, _, err := r.seat(context.Background())
	if err != nil || !reflect.DeepEqual(c, a) {
		t.Fatalf("after a slot was freed: %+v, %v; want %+v", c, err, a)
	}
}

// TestSeedRunsInItsSlot: the train process of a seed in a pinned slot
// runs on the slot's cores only, with one torch thread per core, cannot
// widen its affinity (a thread of its own tries too), and its events say
// where it ran.
func TestSeedRunsInItsSlot(t *testing.T) {
	testutil.Need(t, testutil.Torch)
	cpus := sandbox.CPUs()
	if len(cpus) < 2 {
		t.Skipf("needs two cores, this process may use %v", cpus)
	}
	r := newTestRunner(t)
	slot := Slot{Device: "cpu", CPUs: cpus[len(cpus)-1:]}
	r.Cfg.Slots = []Slot{slot}
	var mu sync.Mutex
	var places []string
	r.Cfg.OnEvent = func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		places = append(places, ev.Place)
	}
	code := "import os, threading, torch\nimport harness\nall = set(range(os.cpu_count()))\nout = []\n" +
		"def widen():\n    try:\n        os.sched_setaffinity(0, all)\n        out.append('widened')\n    except OSError as e:\n        out.append(type(e).__name__)\n" +
		"widen()\nt = threading.Thread(target=widen)\nt.start()\nt.join()\n" +
		"raise SystemExit(f'cores {sorted(os.sched_getaffinity(0))} threads {torch.get_num_threads()} {out}')\n"
	run, err := r.RunSeed(context.Background(), research.SeedSpec{ExperimentID: 1, Code: code, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("cores %v threads 1 ['PermissionError', 'PermissionError']", slot.CPUs)
	if !strings.Contains(run.Excerpt, want) {
		t.Fatalf("excerpt %q: want %q", run.Excerpt, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(places) == 0 || places[0] != slot.Place() {
		t.Fatalf("events placed %v, want %q", places, slot.Place())
	}
}
