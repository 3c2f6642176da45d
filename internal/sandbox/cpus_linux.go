package sandbox

import "golang.org/x/sys/unix"

// CPUs are the cores this process may run on (its affinity: a Slurm job's
// or a taskset's allotment), in order; nil when unknown.
func CPUs() []int {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return nil
	}
	var out []int
	for c := 0; c < len(set)*64 && len(out) < set.Count(); c++ {
		if set.IsSet(c) {
			out = append(out, c)
		}
	}
	return out
}
