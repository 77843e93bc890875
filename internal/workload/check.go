package workload

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// MaxSweepPoints bounds a sweep grid: every point is an index of one Job
// and a line of its start script.
const MaxSweepPoints = 1000

// Check checks the rules of the language that the schema cannot say:
// rules across fields, the workload's name, units, and what depends on
// the profile. name is the workload's key under `workloads`. It returns
// errors (the workload cannot be rendered) and warnings (it can, but most
// likely does not do what was meant).
func Check(w *Workload, name string, p *Profile) (errs, warns []Problem) {
	c := &checker{w: w, p: p}
	c.name(name)
	c.shape()
	c.durations()
	c.units()
	c.kueue()
	c.distributed(name)
	c.checkpoint()
	c.topology()
	c.security()
	return c.errs, c.warns
}

type checker struct {
	w     *Workload
	p     *Profile
	errs  []Problem
	warns []Problem
}

func (c *checker) errorf(field, format string, args ...any) {
	c.errs = append(c.errs, Problem{field, fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(field, format string, args ...any) {
	c.warns = append(c.warns, Problem{field, fmt.Sprintf(format, args...)})
}

func (c *checker) name(name string) {
	maxLen := 63
	if c.w.Schedule != "" {
		// The CronJob controller appends an 11-character suffix to Job
		// names, and Job names become label values (63 at most).
		maxLen = 52
	}
	if !IsDNSLabel(name) {
		c.errorf("", "invalid workload name %q: use lower-case letters, digits and '-', starting and ending with a letter or digit", name)
	} else if len(name) > maxLen {
		kind := "Job"
		if c.w.Schedule != "" {
			kind = "CronJob"
		}
		c.errorf("", "name is %d characters; a %s name may have at most %d", len(name), kind, maxLen)
	}
}

// shape checks which fields go together.
func (c *checker) shape() {
	w := c.w
	indexed := w.Indexed()
	if w.Shards != nil && w.Type != Inference && w.Type != Preprocess {
		c.errorf("shards", "shards is for inference and preprocess workloads, not %s", w.Type)
	}
	if w.Completions != nil && w.Type != Task {
		c.errorf("completions", "completions is for task workloads; use shards for inference and preprocess")
	}
	if w.Parallelism != nil && w.Type == Training {
		c.errorf("parallelism", "a training workload runs one pod; parallelism is for sharded, sweep and task workloads")
	}
	if w.Parallelism != nil && !indexed && w.Type != Task {
		c.errorf("parallelism", "parallelism needs shards")
	}
	if w.Type == Sweep {
		c.sweep()
	} else if w.Sweep != nil {
		c.errorf("sweep", "sweep is for workloads of type sweep, not %s", w.Type)
	}
	if w.RetriesPerIndex != nil && !indexed {
		c.errorf("retriesPerIndex", "retriesPerIndex needs an indexed workload (shards or sweep)")
	}
	if w.RetriesPerIndex != nil && w.Retries != nil {
		c.errorf("retries", "set retries (for the whole Job) or retriesPerIndex (for each index), not both")
	}
	if w.MaxFailedIndexes != nil {
		switch {
		case !indexed:
			c.errorf("maxFailedIndexes", "maxFailedIndexes needs an indexed workload (shards or sweep)")
		case w.Retries != nil:
			c.errorf("maxFailedIndexes", "maxFailedIndexes counts indexes that used up retriesPerIndex; with retries (for the whole Job) there are none: use retriesPerIndex")
		case int64(*w.MaxFailedIndexes) > w.CompletionCount() && w.CompletionCount() > 0:
			c.errorf("maxFailedIndexes", "maxFailedIndexes is %d but the Job has only %d indexes", *w.MaxFailedIndexes, w.CompletionCount())
		}
	}
	if ec := w.ExitCodes; ec != nil {
		if len(ec.FailIndex) > 0 && !w.PerIndexRetries() {
			if !indexed {
				c.errorf("exitCodes.failIndex", "failIndex needs an indexed workload (shards or sweep)")
			} else {
				c.errorf("exitCodes.failIndex", "failIndex needs retries per index: use retriesPerIndex instead of retries")
			}
		}
		seen := map[int32]string{}
		for _, l := range []struct {
			field string
			codes []int32
		}{{"fail", ec.Fail}, {"failIndex", ec.FailIndex}, {"ignore", ec.Ignore}} {
			for _, code := range l.codes {
				if prev, ok := seen[code]; ok && prev != l.field {
					c.errorf("exitCodes."+l.field, "exit code %d is also in %s", code, prev)
				}
				seen[code] = l.field
			}
		}
	}
	if len(w.SuccessPolicy) > 0 {
		if !indexed {
			c.errorf("successPolicy", "successPolicy needs an indexed workload (shards or sweep)")
		}
		n := w.CompletionCount()
		for i, r := range w.SuccessPolicy {
			field := fmt.Sprintf("successPolicy.%d", i)
			if r.Indexes == "" && r.Count == nil {
				c.errorf(field, "a success rule needs indexes, count or both")
			}
			if r.Count != nil && n > 0 && int64(*r.Count) > n {
				c.errorf(field+".count", "count is %d but the Job has only %d indexes", *r.Count, n)
			}
		}
	}
	if w.PodReplacementPolicy == "TerminatingOrFailed" && (w.Spot || w.ExitCodes != nil) {
		field := "exitCodes"
		if w.ExitCodes == nil {
			field = "spot"
		}
		c.errorf("podReplacementPolicy", "TerminatingOrFailed cannot be used with %s (a pod failure policy): Kubernetes then needs Failed", field)
	}
	if w.GPU != nil {
		if _, ok := c.p.GPUType(w.GPU.Type); !ok {
			c.errorf("gpu.type", "unknown GPU type %q; the profile knows %s", w.GPU.Type, strings.Join(slices.Sorted(maps.Keys(c.p.GPUTypes)), ", "))
		}
	}
	if w.Schedule == "" {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"timeZone", w.TimeZone != ""},
			{"concurrency", w.Concurrency != ""},
			{"startingDeadline", w.StartingDeadline != ""},
			{"history", w.History != nil},
		} {
			if f.set {
				c.errorf(f.name, "%s needs schedule", f.name)
			}
		}
	}
}

func (c *checker) sweep() {
	w := c.w
	if len(w.Sweep) == 0 {
		c.errorf("sweep", "a sweep workload needs a sweep grid, e.g. sweep: {lr: [0.1, 0.01]}")
	}
	if len(w.Command) == 0 {
		c.errorf("command", "a sweep needs command: its parameters are added to the command line")
	}
	if n := w.Sweep.Points(); n > MaxSweepPoints {
		c.errorf("sweep", "the sweep grid has %d points; at most %d are allowed in one Job", n, MaxSweepPoints)
	}
	envNames := map[string]string{}
	for _, prm := range w.Sweep {
		env := SweepEnvName(prm.Name)
		if prev, ok := envNames[env]; ok {
			c.errorf("sweep."+prm.Name, "parameters %q and %q both become %s", prev, prm.Name, env)
		}
		envNames[env] = prm.Name
	}
}

// SweepEnvName is the environment variable of a sweep parameter.
func SweepEnvName(param string) string { return "SWEEP_" + strings.ToUpper(param) }

func (c *checker) durations() {
	w := c.w
	for _, d := range []struct{ field, v string }{
		{"timeout", w.Timeout}, {"ttl", w.TTL}, {"startingDeadline", w.StartingDeadline},
		{"terminationGracePeriod", w.TerminationGracePeriod},
		{"checkpoint.gracePeriod", checkpointGrace(w)},
	} {
		if d.v == "" {
			continue
		}
		s, err := ParseDuration(d.v)
		switch {
		case err != nil:
			c.errorf(d.field, "%v", err)
		case d.field == "timeout" && s == 0:
			c.errorf(d.field, "a timeout of %s would fail the Job as soon as it starts; leave timeout out for none", d.v)
		case d.field == "ttl" && s > 1<<31-1:
			c.errorf(d.field, "%s is too long", d.v)
		}
	}
}

// units refuses sizes that are unit mistakes and warns of CPU and memory
// no node has.
func (c *checker) units() {
	w := c.w
	size := func(field string, q Quantity) {
		if q == "" {
			return
		}
		if msg := CheckSize(q); msg != "" {
			c.errorf(field, "%s", msg)
		}
	}
	cpu := func(field string, q Quantity) {
		if q == "" {
			return
		}
		if msg := checkPositive(q); msg != "" {
			c.errorf(field, "%s", msg)
		} else if msg := CheckCPUFits(q, c.p.LargestNode.CPU); msg != "" {
			c.warnf(field, "%s", msg)
		}
	}
	fits := func(field string, q Quantity) {
		if q == "" || CheckSize(q) != "" {
			return
		}
		if msg := CheckMemoryFits(q, c.p.LargestNode.Memory); msg != "" {
			c.warnf(field, "%s", msg)
		}
	}
	if r := w.Resources; r != nil {
		cpu("resources.cpu", r.CPU)
		size("resources.memory", r.Memory)
		fits("resources.memory", r.Memory)
		size("resources.ephemeralStorage", r.EphemeralStorage)
		if l := r.Limits; l != nil {
			cpu("resources.limits.cpu", l.CPU)
			size("resources.limits.memory", l.Memory)
			fits("resources.limits.memory", l.Memory)
			size("resources.limits.ephemeralStorage", l.EphemeralStorage)
		}
	}
	if w.Shm != nil {
		size("shm", w.Shm.Size)
	}
	for _, k := range slices.Sorted(maps.Keys(w.Outputs)) {
		size("outputs."+k+".size", w.Outputs[k].Size)
	}
}

// checkpointGrace is checkpoint.gracePeriod, if any.
func checkpointGrace(w *Workload) string {
	if w.Checkpoint == nil {
		return ""
	}
	return w.Checkpoint.GracePeriod
}

func (c *checker) kueue() {
	w := c.w
	if c.p.RequireQueue && w.Queue == "" {
		c.warnf("", "the profile requires a Kueue queue (requireQueue) and this workload has none: its Job would take capacity outside every quota; set queue")
	}
	if w.Priority != "" && w.Queue == "" {
		c.errorf("priority", "priority is a Kueue WorkloadPriorityClass and needs queue; for the pods' PriorityClass use priorityClass")
	}
	if w.Queue != "" && w.Schedule == "" && w.Suspend != nil && !*w.Suspend {
		c.errorf("suspend", "a Job with queue is created suspended, for Kueue to start it when the queue admits it; leave suspend out")
	}
}

func (c *checker) security() {
	sc := c.w.SecurityContext
	if sc == nil || !c.p.Restricted() {
		return
	}
	if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		c.errorf("securityContext.runAsUser", "runAsUser 0 (root) is not allowed by the restricted Pod Security Standard the profile asks for")
	}
}

// SortProblems orders problems by field.
func SortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Field < ps[j].Field })
}
