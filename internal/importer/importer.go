// Package importer turns existing batch/v1 Job and CronJob objects into
// workloads of the mljob language.
//
// Import lifts what the language can say (image, command, resources, GPUs,
// retries, schedule, shards, volumes, ...) into workload fields, renders
// that workload, and puts whatever still differs from the original into
// the workload's `overrides` (a strategic merge patch). So nothing is lost:
// rendering the imported workload gives an object semantically equal to
// the original — equal after the API server's defaulting, with volumes
// compared as a set, plus mljob's own labels. Import checks that before it
// returns.
package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	batchdefaults "k8s.io/kubernetes/pkg/apis/batch/v1"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/generators"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/workload"
)

// Result is one imported object.
type Result struct {
	Name     string
	Workload *workload.Workload
	// Notes say what import changed on purpose, e.g. a generateName made
	// a fixed name.
	Notes []string
	// Overridden lists the top-level paths that `overrides` carries, for
	// the user to review.
	Overridden []string
}

// Object imports one Job or CronJob.
func Object(obj runtime.Object, p *workload.Profile) (*Result, error) {
	var name string
	var w *workload.Workload
	var notes []string
	if m, ok := obj.(metav1.Object); ok && m.GetName() == "" && m.GetGenerateName() == "" {
		return nil, fmt.Errorf("the %s has neither metadata.name nor metadata.generateName", obj.GetObjectKind().GroupVersionKind().Kind)
	}
	obj, notes = FixName(obj)
	switch o := obj.(type) {
	case *batchv1.Job:
		name = o.Name
		w = liftJob(&o.ObjectMeta, o.Spec.Template, o.Spec, p)
		w.Labels = common(o.Labels, o.Spec.Template.Labels)
		w.Annotations = clean(o.Annotations)
		if o.Spec.Suspend != nil && *o.Spec.Suspend {
			w.Suspend = o.Spec.Suspend
		}
	case *batchv1.CronJob:
		name = o.Name
		t := o.Spec.JobTemplate
		w = liftJob(&t.ObjectMeta, t.Spec.Template, t.Spec, p)
		w.Labels = common(common(o.Labels, t.Labels), t.Spec.Template.Labels)
		w.Annotations = clean(o.Annotations)
		s := o.Spec
		w.Schedule = s.Schedule
		if s.TimeZone != nil {
			w.TimeZone = *s.TimeZone
		}
		w.Concurrency = string(s.ConcurrencyPolicy)
		if w.Concurrency == "" {
			w.Concurrency = string(batchv1.AllowConcurrent) // the API's default
		}
		if s.StartingDeadlineSeconds != nil {
			w.StartingDeadline = duration(*s.StartingDeadlineSeconds)
		}
		w.History = &workload.History{Successful: s.SuccessfulJobsHistoryLimit, Failed: s.FailedJobsHistoryLimit}
		if w.History.Successful == nil {
			w.History.Successful = ptr32(3)
		}
		if w.History.Failed == nil {
			w.History.Failed = ptr32(1)
		}
		w.Suspend = s.Suspend
	default:
		return nil, fmt.Errorf("cannot import a %T", obj)
	}
	w.Namespace = obj.(interface{ GetNamespace() string }).GetNamespace()
	if w.Namespace == p.Namespace {
		w.Namespace = ""
	}

	w = schemaCheck(name, w)
	src := &workload.Source{Name: name}
	gen, err := generators.Generate(w, src, p)
	if err != nil {
		// What was lifted does not pass the language's own checks (e.g. a
		// name too long): keep only the basics and let overrides carry
		// the rest.
		w = &workload.Workload{Type: w.Type, Image: w.Image, ContainerName: w.ContainerName, Namespace: w.Namespace}
		if gen, err = generators.Generate(w, src, p); err != nil {
			return nil, err
		}
	}
	res := &Result{Name: name, Workload: w, Notes: notes}
	// The patch between the defaulted objects is the smallest; the
	// patch between the objects as written is exact. Take the first that
	// round-trips, without $setElementOrder directives (mostly noise)
	// when they are not needed.
	var lastErr error
	for _, defaulted := range []bool{true, false} {
		patch, paths, err := diffPatch(gen[0].Obj, obj, defaulted)
		if err != nil {
			return nil, err
		}
		res.Overridden = paths
		if len(paths) == 0 {
			w.Overrides = nil
			if lastErr = Verify(res, obj, p); lastErr == nil {
				return res, nil
			}
			continue
		}
		for _, cand := range []json.RawMessage{withoutOrderDirectives(patch), patch} {
			w.Overrides = cand
			if lastErr = Verify(res, obj, p); lastErr == nil {
				return res, nil
			}
		}
	}
	return nil, lastErr
}

// schemaCheck drops the lifted fields the schema refuses (a service
// account "$SA" from a template, say); overrides then carry them as they
// were.
func schemaCheck(name string, w *workload.Workload) *workload.Workload {
	for range 10 {
		d := firstSchemaError(name, w)
		if d == "" {
			return w
		}
		var m map[string]json.RawMessage
		b, _ := json.Marshal(w)
		if json.Unmarshal(b, &m) != nil {
			return w
		}
		if _, ok := m[d]; !ok || d == "type" || d == "image" {
			return w
		}
		delete(m, d)
		b, _ = json.Marshal(m)
		nw, err := workload.Decode(b)
		if err != nil {
			return w
		}
		w = nw
	}
	return w
}

// firstSchemaError returns the top-level field of the first schema error
// of w, or "".
func firstSchemaError(name string, w *workload.Workload) string {
	cue, err := CUE([]*Result{{Name: name, Workload: w}}, "check")
	if err != nil {
		return ""
	}
	l, err := loader()
	if err != nil {
		return ""
	}
	_, err = l.Load([]load.Source{{Name: "import.cue", Data: cue}})
	var list diag.List
	if !errors.As(err, &list) || len(list) == 0 {
		return ""
	}
	prefix := (&workload.Source{Name: name}).Path("") + "."
	rest, ok := strings.CutPrefix(list[0].Path, prefix)
	if !ok {
		return ""
	}
	field, _, _ := strings.Cut(rest, ".")
	return field
}

var (
	loaderOnce sync.Once
	sharedLdr  *load.Loader
	loaderErr  error
)

// loader returns a Loader for schema checks; import runs one object at a
// time, as CUE's evaluator requires.
func loader() (*load.Loader, error) {
	loaderOnce.Do(func() { sharedLdr, loaderErr = load.NewLoader() })
	return sharedLdr, loaderErr
}

// FixName gives an object that has only generateName a fixed name: a
// workload is one object that GitOps tools track by name, where
// generateName would create a new one on every apply.
func FixName(obj runtime.Object) (runtime.Object, []string) {
	m, ok := obj.(metav1.Object)
	if !ok || m.GetName() != "" || m.GetGenerateName() == "" {
		return obj, nil
	}
	c := obj.DeepCopyObject()
	cm := c.(metav1.Object)
	name := strings.TrimRight(cm.GetGenerateName(), "-.")
	cm.SetName(name)
	cm.SetGenerateName("")
	return c, []string{fmt.Sprintf("generateName %q became the fixed name %q", m.GetGenerateName(), name)}
}

// Verify renders an imported workload and checks that it is semantically
// equal to the original object.
func Verify(r *Result, orig runtime.Object, p *workload.Profile) error {
	orig, _ = FixName(orig)
	gen, err := generators.Generate(r.Workload, &workload.Source{Name: r.Name}, p)
	if err != nil {
		return fmt.Errorf("the imported workload does not render: %w", err)
	}
	a, err := Canonical(gen[0].Obj)
	if err != nil {
		return err
	}
	b, err := Canonical(orig)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return fmt.Errorf("round trip differs:\n rendered %s\n original %s", ja, jb)
	}
	return nil
}

// mljobLabels are the labels render adds to every object; they are not
// part of what a user wrote.
var mljobLabels = []string{generators.LabelName, generators.LabelManagedBy, generators.LabelType}

// Canonical returns obj as JSON data after the API server's defaulting,
// without mljob's own labels and with volumes sorted by name (Kubernetes
// treats them as a set): the form in which two objects mean the same.
func Canonical(obj runtime.Object) (map[string]any, error) {
	c := obj.DeepCopyObject()
	switch o := c.(type) {
	case *batchv1.Job:
		batchdefaults.SetObjectDefaults_Job(o)
		canonicalMeta(&o.ObjectMeta)
		defaultNamespace(&o.ObjectMeta)
		canonicalTemplate(&o.Spec.Template)
	case *batchv1.CronJob:
		batchdefaults.SetObjectDefaults_CronJob(o)
		// The API server does not default a CronJob's job template, but
		// every Job made from it is: compare what those Jobs will be.
		j := &batchv1.Job{Spec: o.Spec.JobTemplate.Spec}
		batchdefaults.SetObjectDefaults_Job(j)
		o.Spec.JobTemplate.Spec = j.Spec
		canonicalMeta(&o.ObjectMeta)
		defaultNamespace(&o.ObjectMeta)
		canonicalMeta(&o.Spec.JobTemplate.ObjectMeta)
		canonicalTemplate(&o.Spec.JobTemplate.Spec.Template)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	delete(m, "status")
	return m, nil
}

// withoutOrderDirectives drops the $setElementOrder keys of a patch.
func withoutOrderDirectives(patch json.RawMessage) json.RawMessage {
	var m any
	if err := json.Unmarshal(patch, &m); err != nil {
		return patch
	}
	var strip func(v any)
	strip = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if strings.HasPrefix(k, "$setElementOrder/") {
					delete(t, k)
					continue
				}
				strip(e)
			}
		case []any:
			for _, e := range t {
				strip(e)
			}
		}
	}
	strip(m)
	b, err := json.Marshal(m)
	if err != nil {
		return patch
	}
	return b
}

// withoutMLJobLabels returns a copy of obj without the labels render adds.
func withoutMLJobLabels(obj runtime.Object) runtime.Object {
	c := obj.DeepCopyObject()
	switch o := c.(type) {
	case *batchv1.Job:
		canonicalMeta(&o.ObjectMeta)
		canonicalMeta(&o.Spec.Template.ObjectMeta)
	case *batchv1.CronJob:
		canonicalMeta(&o.ObjectMeta)
		canonicalMeta(&o.Spec.JobTemplate.ObjectMeta)
		canonicalMeta(&o.Spec.JobTemplate.Spec.Template.ObjectMeta)
	}
	return c
}

func canonicalMeta(m interface {
	GetLabels() map[string]string
	SetLabels(map[string]string)
}) {
	l := m.GetLabels()
	for _, k := range mljobLabels {
		delete(l, k)
	}
	if len(l) == 0 {
		m.SetLabels(nil)
	}
}

// defaultNamespace gives an object without namespace the one kubectl
// gives it on a default context.
func defaultNamespace(m *metav1.ObjectMeta) {
	if m.Namespace == "" {
		m.Namespace = "default"
	}
}

func canonicalTemplate(t *corev1.PodTemplateSpec) {
	canonicalMeta(&t.ObjectMeta)
	sort.SliceStable(t.Spec.Volumes, func(i, j int) bool { return t.Spec.Volumes[i].Name < t.Spec.Volumes[j].Name })
}

// diffPatch returns the strategic merge patch that turns the generated
// object into the original, both in canonical form (defaulted) or as
// written, and the changed paths.
func diffPatch(gen, orig runtime.Object, defaulted bool) (json.RawMessage, []string, error) {
	var ja, jb []byte
	if defaulted {
		a, err := Canonical(gen)
		if err != nil {
			return nil, nil, err
		}
		b, err := Canonical(orig)
		if err != nil {
			return nil, nil, err
		}
		ja, _ = json.Marshal(a)
		jb, _ = json.Marshal(b)
	} else {
		ja, _ = json.Marshal(withoutMLJobLabels(gen))
		jb, _ = json.Marshal(orig)
	}
	var schema any = &batchv1.Job{}
	if _, ok := orig.(*batchv1.CronJob); ok {
		schema = &batchv1.CronJob{}
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(ja, jb, schema)
	if err != nil {
		return nil, nil, fmt.Errorf("compute overrides: %w", err)
	}
	var pm map[string]any
	if err := json.Unmarshal(patch, &pm); err != nil {
		return nil, nil, err
	}
	var paths []string
	collectPaths(pm, "", &paths)
	sort.Strings(paths)
	return patch, paths, nil
}

func collectPaths(v any, prefix string, out *[]string) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		if prefix != "" {
			*out = append(*out, prefix)
		}
		return
	}
	for k, e := range m {
		if strings.HasPrefix(k, "$") {
			continue
		}
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		collectPaths(e, p, out)
	}
}

// liftJob lifts a Job spec and its pod template into a workload.
func liftJob(meta metaLike, t corev1.PodTemplateSpec, s batchv1.JobSpec, p *workload.Profile) *workload.Workload {
	w := &workload.Workload{}
	pod := t.Spec
	indexed := s.CompletionMode != nil && *s.CompletionMode == batchv1.IndexedCompletion
	main := mainContainer(pod.Containers, meta.GetLabels()[generators.LabelType])
	gpus, gpuResource := gpuCount(main)

	w.Type = meta.GetLabels()[generators.LabelType]
	switch w.Type {
	case workload.Training, workload.Inference, workload.Preprocess, workload.Task:
	default:
		hint := meta.GetName() + " " + t.Name
		if main != nil {
			hint += " " + main.Name
		}
		w.Type = guessType(hint, indexed, gpus > 0)
	}
	if c := main; c != nil {
		w.Image = c.Image
		if w.Image == "" {
			w.Image = "unknown"
		}
		if c.Name != generators.ContainerName(&workload.Workload{Type: w.Type}) {
			w.ContainerName = c.Name
		}
		w.Command, w.Args, w.WorkingDir = c.Command, c.Args, c.WorkingDir
		w.Env = liftEnv(c.Env)
		w.Resources = liftResources(c.Resources)
	}
	if gpus > 0 {
		w.GPU = liftGPU(gpus, gpuResource, pod, p)
		if w.GPU != nil && !hasShm(pod, main) {
			w.Shm = &workload.Shm{Enabled: false}
		}
	} else if hasShm(pod, main) {
		w.Shm = &workload.Shm{Enabled: true}
	}
	if w.Shm == nil || w.Shm.Enabled {
		if q := shmSize(pod); q != "" {
			w.Shm = &workload.Shm{Enabled: true, Size: workload.Quantity(q)}
		}
	}

	if s.BackoffLimitPerIndex != nil && indexed {
		w.RetriesPerIndex = s.BackoffLimitPerIndex
	} else if s.BackoffLimit != nil {
		w.Retries = s.BackoffLimit
	} else {
		w.Retries = ptr32(6) // the API's default
	}
	if s.ActiveDeadlineSeconds != nil {
		w.Timeout = duration(*s.ActiveDeadlineSeconds)
	}
	if s.TTLSecondsAfterFinished != nil {
		w.TTL = duration(int64(*s.TTLSecondsAfterFinished))
	}
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
		dropGeneratedEnv(w, "MLJOB_SHARDS", fmt.Sprint(*w.Shards))
	}
	liftSweep(w, meta, main, s)
	liftFailurePolicy(w, s.PodFailurePolicy, pod, p)
	if q := meta.GetLabels()[generators.LabelQueue]; q != "" {
		w.Queue = q
	}
	w.PodAnnotations = clean(t.Annotations)
	w.ServiceAccount = pod.ServiceAccountName
	if w.ServiceAccount == "" {
		w.ServiceAccount = pod.DeprecatedServiceAccount
	}
	w.PriorityClass = pod.PriorityClassName
	w.NodeSelector = clean(pod.NodeSelector)
	liftVolumes(w, pod, main)
	return w
}

type metaLike interface {
	GetName() string
	GetLabels() map[string]string
	GetAnnotations() map[string]string
}

// liftSweep recognises a sweep that mljob rendered: its grid annotation
// and start script. The grid's values come back in the order they first
// appear, which is the order they were written in.
func liftSweep(w *workload.Workload, meta metaLike, c *corev1.Container, s batchv1.JobSpec) {
	if c == nil || meta.GetLabels()[generators.LabelType] != workload.Sweep {
		return
	}
	if len(c.Command) != 4 || c.Command[0] != "/bin/sh" || c.Command[1] != "-c" || c.Command[3] != "mljob-sweep" {
		return
	}
	var grid []map[string]json.RawMessage
	if json.Unmarshal([]byte(meta.GetAnnotations()[generators.AnnotSweep]), &grid) != nil || len(grid) == 0 {
		return
	}
	sweep := map[string][]workload.Scalar{}
	seen := map[string]bool{}
	for _, point := range grid {
		for name, raw := range point {
			var sc workload.Scalar
			if sc.UnmarshalJSON(raw) != nil {
				return
			}
			if key := name + "\x00" + string(raw); !seen[key] {
				seen[key] = true
				sweep[name] = append(sweep[name], sc)
			}
		}
	}
	w.Type = workload.Sweep
	w.Sweep = sweep
	w.Command, w.Args = c.Args, nil
	w.Shards = nil
	if s.Parallelism != nil && s.Completions != nil && *s.Parallelism != *s.Completions {
		w.Parallelism = s.Parallelism
	} else {
		w.Parallelism = nil
	}
	if w.ContainerName == generators.ContainerName(&workload.Workload{Type: workload.Sweep}) {
		w.ContainerName = ""
	}
	dropGeneratedEnv(w, "MLJOB_SWEEP_SIZE", fmt.Sprint(len(grid)))
	dropGeneratedEnv(w, "MLJOB_SHARDS", fmt.Sprint(len(grid)))
}

// dropGeneratedEnv removes a variable that render adds by itself.
func dropGeneratedEnv(w *workload.Workload, name, value string) {
	if v, ok := w.Env[name]; ok && v.Value != nil && *v.Value == value {
		delete(w.Env, name)
		if len(w.Env) == 0 {
			w.Env = nil
		}
	}
}

func guessType(name string, indexed, gpu bool) string {
	n := strings.ToLower(name)
	switch {
	case indexed && containsAny(n, "etl", "prep", "feature", "token", "ingest", "transform", "export", "load"):
		return workload.Preprocess
	case indexed:
		return workload.Inference
	case gpu || containsAny(n, "train", "finetune", "fine-tune"):
		return workload.Training
	}
	return workload.Task
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// mainContainer picks the container the workload describes: the one named
// after the type, or the first.
func mainContainer(cs []corev1.Container, typ string) *corev1.Container {
	if len(cs) == 0 {
		return nil
	}
	want := generators.ContainerName(&workload.Workload{Type: typ})
	for i := range cs {
		if cs[i].Name == want {
			return &cs[i]
		}
	}
	return &cs[0]
}

func liftEnv(env []corev1.EnvVar) map[string]workload.EnvValue {
	out := map[string]workload.EnvValue{}
	for _, e := range env {
		switch {
		case e.ValueFrom == nil:
			v := e.Value
			out[e.Name] = workload.EnvValue{Value: &v}
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			out[e.Name] = workload.EnvValue{Secret: r.Name, Key: r.Key, Optional: r.Optional}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			out[e.Name] = workload.EnvValue{ConfigMap: r.Name, Key: r.Key, Optional: r.Optional}
		case e.ValueFrom.FieldRef != nil:
			out[e.Name] = workload.EnvValue{Field: e.ValueFrom.FieldRef.FieldPath}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func liftResources(r corev1.ResourceRequirements) *workload.Resources {
	out := &workload.Resources{}
	q := func(l corev1.ResourceList, n corev1.ResourceName) workload.Quantity {
		if v, ok := l[n]; ok {
			return workload.Quantity(v.String())
		}
		return ""
	}
	req := r.Requests
	if req == nil {
		req = r.Limits
	}
	out.CPU, out.Memory, out.EphemeralStorage = q(req, corev1.ResourceCPU), q(req, corev1.ResourceMemory), q(req, corev1.ResourceEphemeralStorage)
	lim := struct {
		CPU              workload.Quantity `json:"cpu,omitempty"`
		Memory           workload.Quantity `json:"memory,omitempty"`
		EphemeralStorage workload.Quantity `json:"ephemeralStorage,omitempty"`
	}{}
	diff := false
	for _, f := range []struct {
		n   corev1.ResourceName
		dst *workload.Quantity
	}{{corev1.ResourceCPU, &lim.CPU}, {corev1.ResourceMemory, &lim.Memory}, {corev1.ResourceEphemeralStorage, &lim.EphemeralStorage}} {
		l, okl := r.Limits[f.n]
		rq, okr := req[f.n]
		if okl && (!okr || l.Cmp(rq) != 0) {
			*f.dst = workload.Quantity(l.String())
			diff = true
		}
	}
	if diff {
		out.Limits = &lim
	}
	if out.CPU == "" && out.Memory == "" && out.EphemeralStorage == "" && out.Limits == nil {
		return nil
	}
	return out
}

// gpuCount returns the GPUs a container asks for and the resource name.
func gpuCount(c *corev1.Container) (int64, string) {
	if c == nil {
		return 0, ""
	}
	for _, l := range []corev1.ResourceList{c.Resources.Limits, c.Resources.Requests} {
		names := make([]string, 0, len(l))
		for n := range l {
			names = append(names, string(n))
		}
		sort.Strings(names)
		for _, n := range names {
			if n == "nvidia.com/gpu" || n == "amd.com/gpu" || strings.HasPrefix(n, "gpu.intel.com/") {
				q := l[corev1.ResourceName(n)]
				return q.Value(), n
			}
		}
	}
	return 0, ""
}

// liftGPU finds the profile GPU type whose node selection the pod uses.
func liftGPU(count int64, res string, pod corev1.PodSpec, p *workload.Profile) *workload.GPU {
	products := map[string][]string{}
	if a := pod.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			for _, e := range term.MatchExpressions {
				if e.Operator == corev1.NodeSelectorOpIn {
					products[e.Key] = e.Values
				}
			}
		}
	}
	names := make([]string, 0, len(p.GPUTypes))
	for n := range p.GPUTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := p.GPUTypes[n]
		if t.Resource != res {
			continue
		}
		if len(t.Products) > 0 && reflect.DeepEqual(products[t.ProductLabel], t.Products) {
			return &workload.GPU{Count: count, Type: n}
		}
		if len(t.Products) == 0 && len(t.NodeSelector) > 0 && subset(t.NodeSelector, pod.NodeSelector) {
			return &workload.GPU{Count: count, Type: n}
		}
	}
	if p.DefaultGPU.Resource == res {
		return &workload.GPU{Count: count}
	}
	return nil // an unknown kind of GPU: overrides carry it
}

func subset(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func hasShm(pod corev1.PodSpec, c *corev1.Container) bool {
	if c == nil {
		return false
	}
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/dev/shm" {
			for _, v := range pod.Volumes {
				if v.Name == m.Name && v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory {
					return true
				}
			}
		}
	}
	return false
}

func shmSize(pod corev1.PodSpec) string {
	for _, v := range pod.Volumes {
		if v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory && v.EmptyDir.SizeLimit != nil {
			return v.EmptyDir.SizeLimit.String()
		}
	}
	return ""
}

func liftFailurePolicy(w *workload.Workload, pfp *batchv1.PodFailurePolicy, pod corev1.PodSpec, p *workload.Profile) {
	if pfp == nil {
		return
	}
	ec := &workload.ExitCodes{}
	name := generators.ContainerName(w)
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
			for _, st := range p.Spot.Tolerations {
				if t == st {
					w.Spot = true
				}
			}
		}
	}
}

// liftVolumes lifts the main container's PVC and scratch volumes into
// datasets and outputs; other volumes stay in overrides.
func liftVolumes(w *workload.Workload, pod corev1.PodSpec, c *corev1.Container) {
	if c == nil {
		return
	}
	mounts := map[string][]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = append(mounts[m.Name], m)
	}
	usedElsewhere := map[string]bool{}
	for _, o := range append(append([]corev1.Container(nil), pod.InitContainers...), pod.Containers...) {
		if o.Name == c.Name {
			continue
		}
		for _, m := range o.VolumeMounts {
			usedElsewhere[m.Name] = true
		}
	}
	for _, v := range pod.Volumes {
		ms := mounts[v.Name]
		if len(ms) != 1 || usedElsewhere[v.Name] || ms[0].MountPropagation != nil || ms[0].SubPathExpr != "" {
			continue
		}
		m := ms[0]
		switch {
		case v.PersistentVolumeClaim != nil && m.ReadOnly && v.PersistentVolumeClaim.ReadOnly:
			if w.Datasets == nil {
				w.Datasets = map[string]workload.Dataset{}
			}
			w.Datasets[v.Name] = workload.Dataset{Claim: v.PersistentVolumeClaim.ClaimName, Path: m.MountPath, SubPath: m.SubPath, ReadOnly: true}
		case v.PersistentVolumeClaim != nil && !m.ReadOnly && !v.PersistentVolumeClaim.ReadOnly:
			if w.Outputs == nil {
				w.Outputs = map[string]workload.Output{}
			}
			w.Outputs[v.Name] = workload.Output{Claim: v.PersistentVolumeClaim.ClaimName, Path: m.MountPath, SubPath: m.SubPath}
		case v.Secret != nil && m.ReadOnly && m.SubPath == "" && plainProjection(v.Secret.Items, v.Secret.DefaultMode, v.Secret.Optional) &&
			v.Name == generators.VolumeName("secret-", v.Secret.SecretName):
			if w.SecretFiles == nil {
				w.SecretFiles = map[string]string{}
			}
			w.SecretFiles[v.Secret.SecretName] = m.MountPath
		case v.ConfigMap != nil && m.ReadOnly && m.SubPath == "" && plainProjection(v.ConfigMap.Items, v.ConfigMap.DefaultMode, v.ConfigMap.Optional) &&
			v.Name == generators.VolumeName("config-", v.ConfigMap.Name):
			if w.ConfigFiles == nil {
				w.ConfigFiles = map[string]string{}
			}
			w.ConfigFiles[v.ConfigMap.Name] = m.MountPath
		case v.EmptyDir != nil && v.EmptyDir.Medium == "" && !m.ReadOnly:
			if w.Outputs == nil {
				w.Outputs = map[string]workload.Output{}
			}
			o := workload.Output{Path: m.MountPath, SubPath: m.SubPath}
			if v.EmptyDir.SizeLimit != nil {
				o.Size = workload.Quantity(v.EmptyDir.SizeLimit.String())
			}
			w.Outputs[v.Name] = o
		}
	}
}

// plainProjection reports whether a Secret or ConfigMap volume mounts
// every key with the default mode, as secretFiles and configFiles do.
func plainProjection(items []corev1.KeyToPath, mode *int32, optional *bool) bool {
	return len(items) == 0 && (mode == nil || *mode == corev1.SecretVolumeSourceDefaultMode) && optional == nil
}

// common returns the entries two label maps share, without mljob's own.
func common(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		if bv, ok := b[k]; ok && bv == v {
			out[k] = v
		}
	}
	for _, k := range append(mljobLabels, generators.LabelQueue) {
		delete(out, k)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func clean(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != generators.AnnotSweep && k != "kubectl.kubernetes.io/last-applied-configuration" {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// duration writes seconds in the language's duration form.
func duration(secs int64) string {
	if secs == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		s    int64
		unit string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}} {
		if secs >= u.s {
			fmt.Fprintf(&b, "%d%s", secs/u.s, u.unit)
			secs %= u.s
		}
	}
	return b.String()
}

func ptr32(v int32) *int32 { return &v }
