package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
	corev1defaults "k8s.io/kubernetes/pkg/apis/core/v1"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/gpu"
	"github.com/mljob/mljob/internal/workload"
)

// QueueLabel is Kueue's LocalQueue label.
const QueueLabel = "kueue.x-k8s.io/queue-name"

// productLabels are node labels that name a GPU model, most common first:
// NVIDIA GPU feature discovery's, GKE's and Karpenter's on AWS. A
// profile's productLabel is looked at too.
var productLabels = []string{
	"nvidia.com/gpu.product",
	"cloud.google.com/gke-accelerator",
	"karpenter.k8s.aws/instance-gpu-name",
}

// AnyType is the GPU type of pods that do not choose one.
const AnyType = "any"

// analyze works out one object's pods, GPUs and schedule.
func analyze(in Input, opts Options) (Workload, *diag.Diagnostic) {
	pos := in.PosOf
	if pos == nil {
		pos = func(string) diag.Pos { return diag.Pos{} }
	}
	w := Workload{GPUs: []GPUs{}, pos: pos}
	if s := pos("").String(); s != "" {
		w.Source = s
	}
	var spec *batchv1.JobSpec
	var prefix string // spec's path
	switch o := in.Obj.(type) {
	case *batchv1.Job:
		w.Kind, w.Namespace, w.Name = "Job", o.Namespace, o.Name
		if w.Name == "" {
			w.Name = o.GenerateName
		}
		spec, prefix = &o.Spec, "spec"
	case *batchv1.CronJob:
		w.Kind, w.Namespace, w.Name = "CronJob", o.Namespace, o.Name
		spec, prefix = &o.Spec.JobTemplate.Spec, "spec.jobTemplate.spec"
		cj, err := newCronJob(o, opts.ControllerTimeZone)
		if err != nil {
			return w, diag.Errorf(pos(err.path), "", "CronJob %s: %s: %s", o.Name, err.path, err.msg)
		}
		w.cron = cj
		w.Schedule = &Schedule{
			Cron:              o.Spec.Schedule,
			TimeZone:          cj.loc.String(),
			Defaulted:         o.Spec.TimeZone == nil,
			ConcurrencyPolicy: string(cj.policy),
		}
		w.Suspended = o.Spec.Suspend != nil && *o.Spec.Suspend
	default:
		return w, diag.Errorf(pos(""), "", "cannot plan a %T: only batch/v1 Jobs and CronJobs", in.Obj)
	}
	if w.Namespace == "" {
		w.Namespace = "default"
	}
	w.PodsAtPeak = podsAtPeak(spec)
	w.Completions = spec.Completions
	if spec.CompletionMode != nil {
		w.CompletionMode = string(*spec.CompletionMode)
	}
	w.MaxRunSeconds = spec.ActiveDeadlineSeconds
	w.GPUs = gpusOf(&spec.Template.Spec, in.Profile, w.PodsAtPeak, opts.ExtraGPUResources)
	addNotes(&w, spec, prefix, in.Obj)
	return w, nil
}

// podsAtPeak is the most pods the Job controller runs at once:
// parallelism (default 1), no more than completions when set. Indexed
// Jobs, shards, sweeps and multi-node training all follow it.
func podsAtPeak(spec *batchv1.JobSpec) int32 {
	n := int32(1)
	if spec.Parallelism != nil {
		n = *spec.Parallelism
	}
	if spec.Completions != nil && *spec.Completions < n {
		n = *spec.Completions
	}
	return n
}

// gpusOf is the GPUs of one pod of the template, by GPU type, as the
// scheduler counts them: requests defaulted from limits (as the API server
// does for each pod the Job controller creates), summed over containers
// and sidecars, at least the largest init container's with the sidecars
// started before it.
func gpusOf(spec *corev1.PodSpec, profile *workload.Profile, pods int32, extra []string) []GPUs {
	pod := &corev1.Pod{Spec: *spec.DeepCopy()}
	corev1defaults.SetDefaults_Pod(pod)
	reqs := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	byType := map[string]*GPUs{}
	for name, q := range reqs {
		if !gpu.IsResource(string(name), extra) || q.Value() <= 0 {
			continue
		}
		typ := gpuType(string(name), spec, profile)
		g := byType[typ]
		if g == nil {
			g = &GPUs{Type: typ}
			byType[typ] = g
		}
		g.Resources = append(g.Resources, string(name))
		g.PerPod += q.Value()
	}
	out := []GPUs{}
	for _, g := range byType {
		sort.Strings(g.Resources)
		g.AtPeak = g.PerPod * int64(pods)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// gpuType names the GPUs of resource a pod asks for after the nodes it
// may run on: the profile's GPU type whose node selection the pod uses;
// else the GPU models its node selection allows (node labels such as
// nvidia.com/gpu.product), or "any". Resources other than nvidia.com/gpu
// are named too (amd.com/gpu, nvidia.com/mig-1g.5gb:NVIDIA-A100-...).
func gpuType(resource string, spec *corev1.PodSpec, p *workload.Profile) string {
	labels := productLabels
	if p != nil {
		for _, name := range slices.Sorted(maps.Keys(p.GPUTypes)) {
			t := p.GPUTypes[name]
			if t.Resource != resource || !subset(t.NodeSelector, spec.NodeSelector) {
				continue
			}
			if len(t.Products) == 0 {
				if len(t.NodeSelector) > 0 {
					return name
				}
				continue
			}
			if values, ok := allowed(spec, productLabel(t)); ok && sameSet(values, t.Products) {
				return name
			}
		}
		labels = append([]string(nil), labels...)
		for _, name := range slices.Sorted(maps.Keys(p.GPUTypes)) {
			if l := productLabel(p.GPUTypes[name]); !contains(labels, l) {
				labels = append(labels, l)
			}
		}
	}
	typ := AnyType
	for _, l := range labels {
		if values, ok := allowed(spec, l); ok && len(values) > 0 {
			typ = strings.Join(values, ",")
			break
		}
	}
	switch {
	case resource == gpu.Resource:
		return typ
	case typ == AnyType:
		return resource
	}
	return resource + ":" + typ
}

func productLabel(t workload.GPUType) string {
	if t.ProductLabel != "" {
		return t.ProductLabel
	}
	return productLabels[0]
}

// allowed is the values of node label key that the pod's node selection
// allows, sorted, and whether it limits them at all: its nodeSelector,
// and its required node affinity when every term (they are ORed) has an
// In expression on key.
func allowed(spec *corev1.PodSpec, key string) ([]string, bool) {
	var set map[string]bool
	if v, ok := spec.NodeSelector[key]; ok {
		set = map[string]bool{v: true}
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		union := map[string]bool{}
		every := len(terms) > 0
		for _, term := range terms {
			var termSet map[string]bool // In expressions of a term are ANDed
			for _, e := range term.MatchExpressions {
				if e.Key != key || e.Operator != corev1.NodeSelectorOpIn {
					continue
				}
				s := map[string]bool{}
				for _, v := range e.Values {
					if termSet == nil || termSet[v] {
						s[v] = true
					}
				}
				termSet = s
			}
			if termSet == nil {
				every = false
				break
			}
			for v := range termSet {
				union[v] = true
			}
		}
		if every {
			if set == nil {
				set = union
			} else {
				for v := range set {
					if !union[v] {
						delete(set, v)
					}
				}
			}
		}
	}
	if set == nil {
		return nil, false
	}
	return slices.Sorted(maps.Keys(set)), true
}

// addNotes says what the plan of w assumes or leaves out; spec is at
// prefix in the object.
func addNotes(w *Workload, spec *batchv1.JobSpec, prefix string, obj any) {
	gpus := len(w.GPUs) > 0
	if cj, ok := obj.(*batchv1.CronJob); ok {
		c := w.cron
		switch {
		case w.Suspended:
			w.note("spec.suspend", "suspended (spec.suspend): no run starts; left out of the schedule")
		case cj.Spec.TimeZone == nil:
			w.note("spec.schedule", "no timeZone: runs in kube-controller-manager's time zone, planned as %s", c.loc)
		}
		if c.every {
			w.note("spec.schedule", "@every: runs are planned every %s from the start of the window; the real ones count from the CronJob's creation", duration(int64(c.everyDelay/time.Second)))
		}
		if c.never {
			w.note("spec.schedule", "the schedule never fires (no such date): no run starts")
		}
		if gpus && !w.Suspended && !c.never && spec.ActiveDeadlineSeconds == nil {
			if c.policy == batchv1.AllowConcurrent {
				w.note(prefix, "no activeDeadlineSeconds and concurrencyPolicy Allow: runs may pile up without bound; planned as one run holding its GPUs all the time")
			} else {
				w.note(prefix, "no activeDeadlineSeconds: a run can hold its GPUs as long as it lasts; planned as holding them all the time")
			}
		}
	}
	if spec.Suspend != nil && *spec.Suspend {
		what := "the Job"
		if w.Kind == "CronJob" {
			what = "each Job it creates"
		}
		if q := labelOf(obj, QueueLabel); q != "" {
			w.note(prefix+".suspend", "%s is created suspended for Kueue (queue %s): its pods start when Kueue admits it", what, q)
		} else {
			w.note(prefix+".suspend", "%s is suspended (spec.suspend): no pod runs until it is resumed", what)
		}
	}
	if w.PodsAtPeak == 0 {
		w.note(prefix+".parallelism", "parallelism 0: no pod runs")
	}
	if len(spec.Template.Spec.ResourceClaims) > 0 {
		w.note(prefix+".template.spec.resourceClaims", "resourceClaims: devices allocated through dynamic resource allocation are not counted")
	}
}

// labelOf is a Job's label, or a CronJob's Job template's.
func labelOf(obj any, key string) string {
	switch o := obj.(type) {
	case *batchv1.Job:
		return o.Labels[key]
	case *batchv1.CronJob:
		if v := o.Spec.JobTemplate.Labels[key]; v != "" {
			return v
		}
		return o.Labels[key]
	}
	return ""
}

// duration says seconds as "6h", "90m", "1h30m", "2d".
func duration(s int64) string {
	d := time.Duration(s) * time.Second
	switch {
	case s > 0 && s%86400 == 0:
		return fmt.Sprintf("%dd", s/86400)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", s/3600)
	case d%time.Minute == 0 && d > time.Hour:
		return fmt.Sprintf("%dh%dm", s/3600, s%3600/60)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", s/60)
	}
	return d.String()
}

func subset(a, b map[string]string) bool {
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	as, bs := map[string]bool{}, map[string]bool{}
	for _, v := range a {
		as[v] = true
	}
	for _, v := range b {
		bs[v] = true
	}
	if len(as) != len(bs) {
		return false
	}
	for v := range as {
		if !bs[v] {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
