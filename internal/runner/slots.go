package runner

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// Slot is where one seed's processes run: the cores they are pinned to and
// the device they see. A runner with slots (Config.Slots) runs at most one
// seed per slot at a time, so that concurrent seeds do not fight over
// cores or a GPU.
type Slot struct {
	CPUs   []int  // the cores its processes are pinned to (nil: not pinned)
	GPU    string // the CUDA device its processes see (CUDA_VISIBLE_DEVICES; "": the machine's)
	Device string // the torch device ("": Config.Device)
	// Threads is how many threads its torch uses (0: one per pinned
	// core, else every core).
	Threads int
}

// Place says where the slot's seeds run, for the views: "cuda:1 cores
// 0-7", "cpu cores 1", "cpu".
func (s Slot) Place() string {
	var parts []string
	switch {
	case s.GPU != "":
		parts = append(parts, "cuda:"+s.GPU)
	case s.Device != "":
		parts = append(parts, s.Device)
	}
	if len(s.CPUs) > 0 {
		parts = append(parts, "cores "+sandbox.CPUList(s.CPUs))
	}
	return strings.Join(parts, " ")
}

// threads is how many threads a slot's torch uses: one per pinned core,
// else every core.
func (s Slot) threads() int {
	if s.Threads > 0 {
		return s.Threads
	}
	if len(s.CPUs) > 0 {
		return len(s.CPUs)
	}
	return 0
}

// env is what a slot adds to its processes' environment.
func (s Slot) env() []string {
	var out []string
	if len(s.CPUs) > 0 {
		out = append(out, "AUTORESEARCH_PINNED=1") // ar_train keeps the script there
	}
	if n := s.threads(); n > 0 {
		out = append(out, "AUTORESEARCH_THREADS="+strconv.Itoa(n))
	}
	if s.GPU != "" {
		out = append(out, "CUDA_VISIBLE_DEVICES="+s.GPU)
	}
	return out
}

// Slots places workers on devices ("cuda:N", "mps", "cpu"), in turn, and
// splits cpus (the cores this process may use) evenly among them, each
// worker pinned to its own; with one worker, or fewer cores than workers,
// nothing is pinned.
func Slots(devices []string, workers int, cpus []int) []Slot {
	if len(devices) == 0 {
		devices = []string{""}
	}
	out := make([]Slot, workers)
	per := 0
	if workers > 1 {
		per = len(cpus) / workers
	}
	for i := range out {
		out[i] = deviceSlot(devices[i%len(devices)])
		if per > 0 {
			out[i].CPUs = cpus[i*per : (i+1)*per]
		}
	}
	return out
}

// deviceSlot is the slot of one device name.
func deviceSlot(device string) Slot {
	if n, ok := strings.CutPrefix(device, "cuda:"); ok {
		return Slot{GPU: n, Device: "cuda"}
	}
	return Slot{Device: device}
}

// seats hands out a runner's slots, one seed each.
type seats struct {
	free chan Slot
}

var seatsMu sync.Mutex

// seat waits for a free slot; free gives it back. Without slots every
// seed gets the zero slot at once.
func (r *Runner) seat(ctx context.Context) (Slot, func(), error) {
	if len(r.Cfg.Slots) == 0 {
		return Slot{}, func() {}, nil
	}
	seatsMu.Lock()
	if r.seats == nil {
		r.seats = &seats{free: make(chan Slot, len(r.Cfg.Slots))}
		for _, s := range r.Cfg.Slots {
			r.seats.free <- s
		}
	}
	free := r.seats.free
	seatsMu.Unlock()
	select {
	case s := <-free:
		return s, func() { free <- s }, nil
	case <-ctx.Done():
		return Slot{}, nil, ctx.Err()
	}
}

// OnVisible names the slots' GPUs as this process's CUDA_VISIBLE_DEVICES
// (visible) does: torch counts only the devices it sees, so its cuda:1
// under "2,3" (a Slurm allocation, say) is the machine's GPU 3, and a
// slot's process, given a list of its own, must be given that one.
func OnVisible(slots []Slot, visible string) []Slot {
	if strings.TrimSpace(visible) == "" {
		return slots
	}
	names := strings.Split(visible, ",")
	for i, s := range slots {
		if n, err := strconv.Atoi(s.GPU); err == nil && n >= 0 && n < len(names) {
			slots[i].GPU = strings.TrimSpace(names[n])
		}
	}
	return slots
}
