package cli

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// deviceName is one torch device --devices may name.
var deviceName = regexp.MustCompile(`^(cpu|mps|cuda:[0-9]{1,3})$`)

// devices are the devices experiments are placed on: --devices, else
// --device when it names one, else every device this torch can use
// (pyenv.Env.Devices).
func (o *runOpts) devices(ctx context.Context, env *pyenv.Env) ([]string, error) {
	switch {
	case o.Devices != "auto":
		return strings.Split(o.Devices, ","), nil
	case o.Device == "cuda":
		return []string{"cuda:0"}, nil
	case o.Device != "auto":
		return []string{o.Device}, nil
	}
	return env.Devices(ctx)
}

// checkDevices says what is wrong with --devices, before anything runs.
func (o *runOpts) checkDevices() error {
	if o.Devices == "auto" {
		return nil
	}
	if o.Device != "auto" {
		return usageErr(fmt.Errorf("--device %s and --devices %s: give one of them", o.Device, o.Devices))
	}
	seen := map[string]bool{}
	for _, d := range strings.Split(o.Devices, ",") {
		if !deviceName.MatchString(d) || seen[d] {
			return usageErr(fmt.Errorf("--devices %q: want auto or a list of distinct devices such as cuda:0,cuda:1 (or cpu, or mps); %q is not one", o.Devices, d))
		}
		seen[d] = true
	}
	return nil
}

// slots places the workers (--workers; 0: one per device) on the devices,
// each pinned to its own share of this process's cores.
func (o *runOpts) slots(ctx context.Context, env *pyenv.Env) ([]runner.Slot, error) {
	devs, err := o.devices(ctx, env)
	if err != nil {
		return nil, err
	}
	workers := o.Workers
	if workers == 0 {
		workers = len(devs)
	}
	return runner.OnVisible(runner.Slots(devs, workers, sandbox.CPUs()), os.Getenv("CUDA_VISIBLE_DEVICES")), nil
}

// places lists where the slots' seeds run, for the run's header.
func places(slots []runner.Slot) string {
	var out []string
	for _, s := range slots {
		if p := s.Place(); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " on " + strings.Join(out, ", ")
}

// onlyCPU says whether every slot runs on the CPU.
func onlyCPU(slots []runner.Slot) bool {
	for _, s := range slots {
		if s.Device != "cpu" {
			return false
		}
	}
	return len(slots) > 0
}
