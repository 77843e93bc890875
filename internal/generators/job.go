package generators

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mljob/mljob/internal/workload"
)

// retries sets how often failed pods are retried. Indexed workloads
// (shards, sweeps) retry each index on its own (backoffLimitPerIndex): a
// failing shard or trial uses up its own retries and never the others',
// and the Job runs every index before it reports the failed ones. Only
// `retries` asks for one budget for the whole Job.
func (g *gen) retries(spec *batchv1.JobSpec) {
	w := g.w
	js := g.jobPath + "."
	switch {
	case w.PerIndexRetries():
		spec.BackoffLimitPerIndex = ptr.To(g.p.RetriesPerIndex)
		if w.RetriesPerIndex != nil {
			spec.BackoffLimitPerIndex = w.RetriesPerIndex
			g.from(js+"backoffLimitPerIndex", "retriesPerIndex")
		}
		if w.MaxFailedIndexes != nil {
			spec.MaxFailedIndexes = w.MaxFailedIndexes
			g.from(js+"maxFailedIndexes", "maxFailedIndexes")
		}
	case w.Retries != nil:
		spec.BackoffLimit = ptr.To(g.groupRetries(*w.Retries))
		g.from(js+"backoffLimit", "retries")
	default:
		spec.BackoffLimit = ptr.To(g.groupRetries(g.p.Retries))
		if w.Distributed() {
			g.from(js+"backoffLimit", "nodes")
		}
	}
}

// liftRetries lifts backoffLimit or backoffLimitPerIndex. A Job that sets
// neither is left to the profile.
func (l *lifter) liftRetries() {
	w, s := l.w, l.s
	if s.BackoffLimitPerIndex != nil && l.indexed() {
		w.RetriesPerIndex = s.BackoffLimitPerIndex
		w.MaxFailedIndexes = s.MaxFailedIndexes
		return
	}
	w.Retries = s.BackoffLimit
}

// timeout is the workload's timeout, or the profile's default for it:
// `timeout`, else (for GPU workloads and scheduled ones) the shorter of
// gpuTimeout and scheduleTimeout that applies. field is "" for a default.
func (g *gen) timeout() (d, field string) {
	w, p := g.w, g.p
	if w.Timeout != "" {
		return w.Timeout, "timeout"
	}
	if p.Timeout != "" {
		return p.Timeout, ""
	}
	var best int64 = -1
	for _, c := range []struct {
		applies bool
		d       string
	}{{w.GPU != nil, p.GPUTimeout}, {w.Schedule != "", p.ScheduleTimeout}} {
		if !c.applies || c.d == "" {
			continue
		}
		if s, err := workload.ParseDuration(c.d); err == nil && (best < 0 || s < best) {
			best, d = s, c.d
		}
	}
	return d, ""
}

// deadlines sets activeDeadlineSeconds and ttlSecondsAfterFinished.
func (g *gen) deadlines(spec *batchv1.JobSpec) {
	w := g.w
	js := g.jobPath + "."
	if d, field := g.timeout(); d != "" {
		if s, ok := g.seconds(field, d); ok && s > 0 {
			spec.ActiveDeadlineSeconds = &s
			g.fromField(js+"activeDeadlineSeconds", field)
		}
	}
	if d, field := pick(w.TTL, "ttl", g.p.TTL); d != "" {
		if s, ok := g.seconds(field, d); ok {
			spec.TTLSecondsAfterFinished = ptr.To(int32(s))
			g.fromField(js+"ttlSecondsAfterFinished", field)
		}
	}
}

// liftDeadlines lifts activeDeadlineSeconds and ttlSecondsAfterFinished.
func (l *lifter) liftDeadlines() {
	if d := l.s.ActiveDeadlineSeconds; d != nil {
		l.w.Timeout = workload.FormatDuration(*d)
	}
	if t := l.s.TTLSecondsAfterFinished; t != nil {
		l.w.TTL = workload.FormatDuration(int64(*t))
	}
}

// completions makes sweeps and sharded workloads Indexed Jobs, and sets
// completions and parallelism.
func (g *gen) completions(spec *batchv1.JobSpec, main *corev1.Container, jobMeta *metav1.ObjectMeta) {
	w := g.w
	js := g.jobPath + "."
	switch {
	case w.Type == workload.Sweep:
		n := g.sweep(main, jobMeta)
		spec.Completions = ptr.To(n)
		spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		spec.Parallelism = ptr.To(n)
		for _, f := range []string{"completions", "completionMode", "parallelism"} {
			g.from(js+f, "sweep")
		}
	case w.Shards != nil:
		spec.Completions = w.Shards
		spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		spec.Parallelism = w.Shards
		g.generatedEnv(main, corev1.EnvVar{Name: "MLJOB_SHARDS", Value: fmt.Sprint(*w.Shards)})
		for _, f := range []string{"completions", "completionMode", "parallelism"} {
			g.from(js+f, "shards")
		}
	case w.Completions != nil:
		spec.Completions = w.Completions
		spec.Parallelism = w.Completions
		g.from(js+"completions", "completions")
		g.from(js+"parallelism", "completions")
	case w.Distributed():
		g.distributed(spec, main)
	}
	if w.Parallelism != nil {
		spec.Parallelism = w.Parallelism
		g.from(js+"parallelism", "parallelism")
	}
	if w.Indexed() || w.Distributed() {
		g.indexEnv(main)
	}
	if len(w.SuccessPolicy) > 0 {
		sp := &batchv1.SuccessPolicy{}
		for i, r := range w.SuccessPolicy {
			rule := batchv1.SuccessPolicyRule{SucceededCount: r.Count}
			if r.Indexes != "" {
				rule.SucceededIndexes = ptr.To(r.Indexes)
			}
			sp.Rules = append(sp.Rules, rule)
			g.from(fmt.Sprintf("%ssuccessPolicy.rules[%d]", js, i), fmt.Sprintf("successPolicy.%d", i))
		}
		spec.SuccessPolicy = sp
		g.from(js+"successPolicy", "successPolicy")
	}
}

// liftCompletions lifts shards, completions, parallelism and the success
// policy.
func (l *lifter) liftCompletions() {
	w, s := l.w, l.s
	indexed := l.indexed()
	if indexed && s.Completions != nil && (w.Type == workload.Inference || w.Type == workload.Preprocess) {
		w.Shards = s.Completions
		if s.Parallelism != nil && *s.Parallelism != *s.Completions {
			w.Parallelism = s.Parallelism
		}
	}
	if !indexed && w.Type == workload.Task {
		if s.Completions != nil && *s.Completions != 1 {
			w.Completions = s.Completions
		}
		// Without completions, parallelism alone makes a work-queue Job
		// (the API leaves completions unset): keep it even when it is 1.
		if s.Parallelism != nil && (s.Completions == nil || *s.Parallelism != *s.Completions) {
			w.Parallelism = s.Parallelism
		}
	}
	if w.Shards != nil {
		l.dropGeneratedEnv("MLJOB_SHARDS", fmt.Sprint(*w.Shards))
	}
	if sp := s.SuccessPolicy; sp != nil && indexed {
		for _, r := range sp.Rules {
			w.SuccessPolicy = append(w.SuccessPolicy, workload.SuccessRule{Indexes: ptr.Deref(r.SucceededIndexes, ""), Count: r.SucceededCount})
		}
	}
}

// podFailurePolicy turns exit codes and spot into pod failure rules.
func (g *gen) podFailurePolicy() *batchv1.PodFailurePolicy {
	w := g.w
	var rules []batchv1.PodFailurePolicyRule
	name := workload.ContainerName(w)
	if ec := w.ExitCodes; ec != nil {
		seen := map[int32]bool{}
		add := func(field string, action batchv1.PodFailurePolicyAction, codes []int32) {
			var vals []int32
			for _, c := range codes {
				if !seen[c] {
					seen[c] = true
					vals = append(vals, c)
				}
			}
			if len(vals) == 0 {
				return
			}
			slices.Sort(vals)
			g.from(fmt.Sprintf("%s.podFailurePolicy.rules[%d]", g.jobPath, len(rules)), "exitCodes."+field)
			rules = append(rules, batchv1.PodFailurePolicyRule{
				Action: action,
				OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
					ContainerName: ptr.To(name),
					Operator:      batchv1.PodFailurePolicyOnExitCodesOpIn,
					Values:        vals,
				},
			})
		}
		add("fail", batchv1.PodFailurePolicyActionFailJob, ec.Fail)
		add("failIndex", batchv1.PodFailurePolicyActionFailIndex, ec.FailIndex)
		add("ignore", batchv1.PodFailurePolicyActionIgnore, ec.Ignore)
	}
	if w.Spot {
		g.from(fmt.Sprintf("%s.podFailurePolicy.rules[%d]", g.jobPath, len(rules)), "spot")
		rules = append(rules, batchv1.PodFailurePolicyRule{
			Action: batchv1.PodFailurePolicyActionIgnore,
			OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{
				Type:   corev1.DisruptionTarget,
				Status: corev1.ConditionTrue,
			}},
		})
	}
	if len(rules) == 0 {
		return nil
	}
	return &batchv1.PodFailurePolicy{Rules: rules}
}

// liftFailurePolicy lifts exit-code rules of the main container and the
// rule that ignores disruptions of a spot workload.
func (l *lifter) liftFailurePolicy() {
	w, pfp, pod := l.w, l.s.PodFailurePolicy, l.t.Spec
	if pfp == nil {
		return
	}
	ec := &workload.ExitCodes{}
	name := workload.ContainerName(w)
	disruption := false
	for _, r := range pfp.Rules {
		if r.OnExitCodes != nil && r.OnExitCodes.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn &&
			(r.OnExitCodes.ContainerName == nil || *r.OnExitCodes.ContainerName == name) && len(pod.Containers) == 1 {
			switch r.Action {
			case batchv1.PodFailurePolicyActionFailJob:
				ec.Fail = append(ec.Fail, r.OnExitCodes.Values...)
			case batchv1.PodFailurePolicyActionIgnore:
				ec.Ignore = append(ec.Ignore, r.OnExitCodes.Values...)
			case batchv1.PodFailurePolicyActionFailIndex:
				ec.FailIndex = append(ec.FailIndex, r.OnExitCodes.Values...)
			}
		}
		for _, c := range r.OnPodConditions {
			if r.Action == batchv1.PodFailurePolicyActionIgnore && c.Type == corev1.DisruptionTarget {
				disruption = true
			}
		}
	}
	if len(ec.Fail)+len(ec.Ignore)+len(ec.FailIndex) > 0 {
		w.ExitCodes = ec
	}
	if disruption {
		for _, t := range pod.Tolerations {
			for _, st := range l.p.Spot.Tolerations {
				if t == st {
					w.Spot = true
				}
			}
		}
	}
}

// replacementPolicy sets when a failed pod is replaced: as the workload
// says, else only once it has stopped for distributed groups (never two
// pods of one rank) and checkpoints (never two pods writing at once).
func (g *gen) replacementPolicy(spec *batchv1.JobSpec) {
	w := g.w
	field := "podReplacementPolicy"
	v := w.PodReplacementPolicy
	switch {
	case v != "":
	case w.Distributed():
		v, field = string(batchv1.Failed), "nodes"
	case w.Checkpoint != nil:
		v, field = string(batchv1.Failed), "checkpoint"
	default:
		return
	}
	spec.PodReplacementPolicy = ptr.To(batchv1.PodReplacementPolicy(v))
	g.from(g.jobPath+".podReplacementPolicy", field)
}

// liftReplacementPolicy lifts podReplacementPolicy.
func (l *lifter) liftReplacementPolicy() {
	if p := l.s.PodReplacementPolicy; p != nil {
		l.w.PodReplacementPolicy = string(*p)
	}
}
