// Package generators turns checked workloads into typed Kubernetes
// batch/v1 Job and CronJob objects, and lifts existing Jobs and CronJobs
// back into workloads (for `mljob import`).
//
// Generation is pure: a workload and the platform profile in, an object
// out. The language's own rules (internal/workload.Check) are checked
// first and reported against the workload's own file and field.
//
// Each feature of the language has one file that holds both directions:
// how it is generated and how it is lifted from an existing object
// (gpu.go, env.go, resources.go, sweep.go, ...), so the two cannot drift
// apart.
package generators

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/workload"
)

// Labels and annotations mljob sets.
const (
	LabelName          = "app.kubernetes.io/name"
	LabelManagedBy     = "app.kubernetes.io/managed-by"
	LabelType          = "mljob.dev/type"
	LabelQueue         = "kueue.x-k8s.io/queue-name"
	LabelPriorityClass = "kueue.x-k8s.io/priority-class"
	AnnotSweep         = "mljob.dev/sweep"
	ManagedBy          = "mljob"
)

// Object is a generated object and the workload it came from.
type Object struct {
	// Obj is a typed object: a *batchv1.Job or a *batchv1.CronJob, or the
	// *corev1.Service of a distributed workload's Job.
	Obj    runtime.Object
	Source *workload.Source
	// Fields says which workload field each part of Obj came from.
	Fields Provenance
}

// PosOf returns where in the user's files the field at path (a
// Kubernetes field path of Obj) was written: the workload field it came
// from, or the workload itself.
func (o Object) PosOf(path string) diag.Pos {
	if f, ok := o.Fields.Field(path); ok {
		return o.Source.PosOf(f)
	}
	return o.Source.Pos
}

// Meta returns the object's metadata.
func (o Object) Meta() metav1.Object {
	m, ok := o.Obj.(metav1.Object)
	if !ok {
		panic(fmt.Sprintf("generators: object %T has no metadata", o.Obj))
	}
	return m
}

// Kind returns "Job", "CronJob" or "Service".
func (o Object) Kind() string { return o.Obj.GetObjectKind().GroupVersionKind().Kind }

// Result is what Generate makes of one workload.
type Result struct {
	// Objects are the workload's Job or CronJob first, then (for `nodes`)
	// the Job's headless Service.
	Objects []Object
	// Warnings are what renders but most likely is not what was meant
	// (a CPU request no node has, say), at the workload's fields.
	Warnings diag.List
}

// Generate builds the objects of one workload. Problems are returned as a
// diag.List.
func Generate(w *workload.Workload, src *workload.Source, p *workload.Profile) (*Result, error) {
	g := &gen{w: w, src: src, p: p, prov: Provenance{}}
	errs, warns := workload.Check(w, src.Name, p)
	for _, e := range errs {
		g.errorf(e.Field, "%s", e.Msg)
	}
	res := &Result{}
	for _, e := range warns {
		res.Warnings = append(res.Warnings, src.Errorf(e.Field, "%s", e.Msg))
	}
	g.jobPath, g.podPath = "spec", "spec.template.spec"
	if w.Schedule != "" {
		g.jobPath, g.podPath = "spec.jobTemplate.spec", "spec.jobTemplate.spec.template.spec"
	}
	// Generation goes on after the language check fails, so that one run
	// reports every problem; it never uses what the check refused.
	obj := g.object()
	if err := dedup(g.errs).Err(); err != nil {
		return nil, err
	}
	if len(w.Overrides) > 0 {
		var err error
		obj, err = applyOverrides(obj, w.Overrides)
		if err != nil {
			return nil, src.Errorf("overrides", "%v", err)
		}
		g.prov.recordOverrides(w.Overrides, obj)
	}
	res.Objects = []Object{{Obj: obj, Source: src, Fields: g.prov}}
	if w.Distributed() {
		res.Objects = append(res.Objects, g.service(g.namespace()))
	}
	return res, nil
}

type gen struct {
	w    *workload.Workload
	src  *workload.Source
	p    *workload.Profile
	errs diag.List
	// prov records where fields come from; jobPath and podPath are the
	// paths of the Job spec and the pod spec in the object.
	prov             Provenance
	jobPath, podPath string
	// selectorField is the field that selected each node label.
	selectorField map[string]string
}

// from records that the field at path (below the object) came from the
// workload field.
func (g *gen) from(path, field string) {
	g.prov.set(path, field)
}

// fromField records path as coming from field, unless field is empty (a
// profile default, which belongs to the workload as a whole).
func (g *gen) fromField(path, field string) {
	if field != "" {
		g.from(path, field)
	}
}

// fromMap records a map the user set, and each of its keys.
func (g *gen) fromMap(path, field string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	g.from(path, field)
	for k := range m {
		g.from(path+"["+k+"]", field+"."+k)
	}
}

func (g *gen) errorf(field, format string, args ...any) {
	g.errs = append(g.errs, g.src.Errorf(field, format, args...))
}

// mainPath is the field path of the main container.
func (g *gen) mainPath() string { return g.podPath + ".containers[0]" }

// object builds the Job, or the CronJob of a scheduled workload.
func (g *gen) object() runtime.Object {
	w := g.w
	ns := g.namespace()
	labels := g.labels()
	jobMeta := metav1.ObjectMeta{Labels: copyMap(labels), Annotations: copyMap(w.Annotations)}
	g.kueueLabels(jobMeta.Labels)
	spec := g.jobSpec(labels, &jobMeta)
	if w.Namespace != "" {
		g.from("metadata.namespace", "namespace")
	}
	g.fromMap("metadata.labels", "labels", w.Labels)
	g.fromMap("metadata.annotations", "annotations", w.Annotations)
	if w.Schedule == "" {
		jobMeta.Name, jobMeta.Namespace = g.src.Name, ns
		g.recordKueue("metadata")
		g.suspend(&spec, "spec")
		return &batchv1.Job{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
			ObjectMeta: jobMeta,
			Spec:       spec,
		}
	}
	return g.cronJob(ns, labels, jobMeta, spec)
}

// namespace is the workload's namespace, or the profile's.
func (g *gen) namespace() string {
	if g.w.Namespace != "" {
		return g.w.Namespace
	}
	return g.p.Namespace
}

// jobSpec builds the Job spec: its pod template, then the Job's own
// fields feature by feature.
func (g *gen) jobSpec(labels map[string]string, jobMeta *metav1.ObjectMeta) batchv1.JobSpec {
	w := g.w
	spec := batchv1.JobSpec{
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: copyMap(labels), Annotations: copyMap(w.PodAnnotations)},
			Spec:       g.podSpec(),
		},
	}
	tmeta := ParentPath(g.podPath) + ".metadata"
	g.fromMap(tmeta+".labels", "labels", w.Labels)
	g.fromMap(tmeta+".annotations", "podAnnotations", w.PodAnnotations)
	if w.Topology != nil {
		if spec.Template.Annotations == nil {
			spec.Template.Annotations = map[string]string{}
		}
		g.topology(spec.Template.Annotations, tmeta)
	}
	main := &spec.Template.Spec.Containers[0]
	g.retries(&spec)
	g.deadlines(&spec)
	g.completions(&spec, main, jobMeta)
	spec.PodFailurePolicy = g.podFailurePolicy()
	g.replacementPolicy(&spec)
	// The container's env is final only now: record where it came from.
	g.recordEnv(main)
	return spec
}

// podSpec builds the pod: the main container, then scheduling, security
// and volumes.
func (g *gen) podSpec() corev1.PodSpec {
	c := g.container()
	pod := corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever}
	g.scheduling(&pod, &c)
	g.distributedPod(&pod, &c)
	g.security(&pod, &c)
	pod.Volumes, c.VolumeMounts = g.volumes(&c)
	pod.Containers = []corev1.Container{c}
	return pod
}

// dedup drops a diagnostic said twice (by the check and the generator).
func dedup(l diag.List) diag.List {
	var out diag.List
	seen := map[string]bool{}
	for _, d := range l {
		if k := d.Error(); !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}

// pick returns the workload's value of field, or the profile's default
// (reported against the workload itself).
func pick(v, field, def string) (string, string) {
	if v != "" {
		return v, field
	}
	return def, ""
}

// seconds converts a duration of the language to seconds; the language
// check has refused the ones it cannot.
func (g *gen) seconds(field, d string) (int64, bool) {
	s, err := workload.ParseDuration(d)
	if err != nil {
		g.errorf(field, "%v", err)
		return 0, false
	}
	return s, true
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return map[string]string{}
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// withoutKeys returns m less the keys of drop (a CronJob's own
// annotations are not repeated on its Jobs).
func withoutKeys(m, drop map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if _, ok := drop[k]; !ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
