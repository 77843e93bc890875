// Package importer turns existing batch/v1 Job and CronJob objects into
// workloads of the mljob language.
//
// Import lifts what the language can say (generators.Lift: image,
// command, resources, GPUs, retries, schedule, shards, volumes, ...) into
// workload fields, leaves out what equals the defaults, renders that
// workload, and puts whatever still differs from the original into the
// workload's `overrides` (a strategic merge patch of what the original
// writes, never of what the API server would default). Where the
// original leaves a field that the profile has a default for (resources,
// retries, deadlines, TTL, CronJob limits) to the API server, the
// workload leaves it out too, so the profile's default applies: Result.Target
// is the original with those defaults, and Notes list them. Import checks
// that rendering the workload gives an object semantically equal to
// Target (equal after the API server's defaulting, with volumes compared
// as a set, plus mljob's own labels) before it returns.
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
	batchdefaults "k8s.io/kubernetes/pkg/apis/batch/v1"
	coredefaults "k8s.io/kubernetes/pkg/apis/core/v1"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/generators"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/workload"
)

// Result is one imported object.
type Result struct {
	Name     string
	Workload *workload.Workload
	// Notes say what import changed on purpose: a generateName made a
	// fixed name, a default of the profile now applies.
	Notes []string
	// Overridden lists the paths that `overrides` carries, for the user
	// to review.
	Overridden []string
	// Target is what the workload renders to (semantically): the original
	// object with the profile's defaults where it had none.
	Target runtime.Object
	// Service, when set, is the Service of a distributed Job that the
	// workload's `nodes` renders too: imported with the Job.
	Service *corev1.Service
}

// Object imports one Job or CronJob.
func Object(obj runtime.Object, p *workload.Profile) (*Result, error) {
	return Pair(obj, nil, p)
}

// Pair imports a Job and the Service its pods' subdomain names: the pair
// mljob renders for a workload with `nodes` becomes that workload (with
// Result.Service set) when rendering it gives both objects back; any
// other pair is imported as its Job alone, and the Service is not
// imported. svc may be nil.
func Pair(obj runtime.Object, svc *corev1.Service, p *workload.Profile) (*Result, error) {
	if svc != nil {
		r, err := object(obj, svc, p)
		if err == nil && r.Workload.Nodes != nil {
			return r, nil
		}
	}
	return object(obj, nil, p)
}

func object(obj runtime.Object, svc *corev1.Service, p *workload.Profile) (*Result, error) {
	if m, ok := obj.(metav1.Object); ok && m.GetName() == "" && m.GetGenerateName() == "" {
		return nil, fmt.Errorf("the %s has neither metadata.name nor metadata.generateName", obj.GetObjectKind().GroupVersionKind().Kind)
	}
	obj, notes := FixName(obj)
	name := obj.(metav1.Object).GetName()
	w, err := generators.LiftPair(obj, svc, p)
	if err != nil {
		return nil, err
	}
	if w.Nodes == nil {
		svc = nil
	}
	w = schemaCheck(name, w)
	src := &workload.Source{Name: name}
	w, err = generateCheck(w, src, p)
	if err != nil {
		return nil, err
	}
	w = Minimize(w, src, p)
	res, err := generators.Generate(w, src, p)
	if err != nil {
		return nil, err
	}
	gen := res.Objects[0].Obj
	target, defaulted := withDefaults(obj, gen)
	r := &Result{Name: name, Workload: w, Notes: append(notes, defaulted...), Target: target, Service: svc}
	var lastErr error
	for _, cand := range candidates(gen, target) {
		w.Overrides, r.Overridden = cand.patch, cand.paths
		if len(cand.paths) == 0 {
			w.Overrides = nil
		}
		if lastErr = Verify(r, p); lastErr == nil {
			return r, nil
		}

	}
	return nil, lastErr
}

// generateCheck drops the lifted fields the language refuses (a memory
// request of 100 bytes, say); overrides then carry them as they were. A
// workload that still does not render is cut to its basics.
func generateCheck(w *workload.Workload, src *workload.Source, p *workload.Profile) (*workload.Workload, error) {
	for range 10 {
		_, err := generators.Generate(w, src, p)
		if err == nil {
			return w, nil
		}
		var list diag.List
		field := ""
		if errors.As(err, &list) && len(list) > 0 {
			rest, _ := strings.CutPrefix(list[0].Path, src.Path("")+".")
			field, _, _ = strings.Cut(rest, ".")
		}
		nw, ok := dropField(w, field)
		if !ok || field == "type" || field == "image" {
			break
		}
		w = nw
	}
	// What was lifted does not pass the language's own checks (e.g. a
	// name too long): keep only the basics and let overrides carry the
	// rest.
	w = &workload.Workload{Type: w.Type, Image: w.Image, ContainerName: w.ContainerName, Namespace: w.Namespace}
	if _, err := generators.Generate(w, src, p); err != nil {
		return nil, err
	}
	return w, nil
}

// Minimize leaves out every field that renders to the same object as its
// default: a TTL equal to the profile's, retries equal to the profile's,
// resources equal to the profile's (or its GPU type's), an API default
// written out. The workload then says only what differs, and a change of
// the profile applies to it.
func Minimize(w *workload.Workload, src *workload.Source, p *workload.Profile) *workload.Workload {
	base, err := canonicalOf(w, src, p)
	if err != nil {
		return w
	}
	var m map[string]json.RawMessage
	b, _ := json.Marshal(w)
	if json.Unmarshal(b, &m) != nil {
		return w
	}
	var fields []string
	for k := range m {
		switch k {
		case "type", "image", "overrides":
			continue
		case "resources", "securityContext", "history", "checkpoint":
			var sub map[string]json.RawMessage
			if json.Unmarshal(m[k], &sub) == nil {
				for s := range sub {
					fields = append(fields, k+"."+s)
				}
			}
		}
		fields = append(fields, k)
	}
	sort.Strings(fields)
	for _, f := range fields {
		nw, ok := dropField(w, f)
		if !ok {
			continue
		}
		if c, err := canonicalOf(nw, src, p); err == nil && reflect.DeepEqual(c, base) {
			w = nw
		}
	}
	return w
}

func canonicalOf(w *workload.Workload, src *workload.Source, p *workload.Profile) (map[string]any, error) {
	res, err := generators.Generate(w, src, p)
	if err != nil {
		return nil, err
	}
	return Canonical(res.Objects[0].Obj)
}

// dropField returns w without the field at path ("ttl",
// "resources.cpu"); an object left empty goes too.
func dropField(w *workload.Workload, path string) (*workload.Workload, bool) {
	if path == "" {
		return nil, false
	}
	var m map[string]json.RawMessage
	b, _ := json.Marshal(w)
	if json.Unmarshal(b, &m) != nil {
		return nil, false
	}
	top, sub, nested := strings.Cut(path, ".")
	if _, ok := m[top]; !ok {
		return nil, false
	}
	if !nested {
		delete(m, top)
	} else {
		var inner map[string]json.RawMessage
		if json.Unmarshal(m[top], &inner) != nil {
			return nil, false
		}
		if _, ok := inner[sub]; !ok {
			return nil, false
		}
		delete(inner, sub)
		if len(inner) == 0 {
			delete(m, top)
		} else {
			m[top], _ = json.Marshal(inner)
		}
	}
	b, _ = json.Marshal(m)
	nw, err := workload.Decode(b)
	if err != nil {
		return nil, false
	}
	return nw, true
}

// schemaCheck drops the lifted fields the schema refuses (a service
// account "$SA" from a template, say); overrides then carry them as they
// were.
func schemaCheck(name string, w *workload.Workload) *workload.Workload {
	for range 10 {
		d := firstSchemaError(name, w)
		if d == "" || d == "type" || d == "image" {
			return w
		}
		nw, ok := dropField(w, d)
		if !ok {
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
	loaderMu.Lock()
	_, err = l.Load([]load.Source{{Name: "import.cue", Data: cue}})
	loaderMu.Unlock()
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
	loaderMu   sync.Mutex
	sharedLdr  *load.Loader
	loaderErr  error
)

// loader returns a Loader for schema checks; CUE's evaluator is used by
// one goroutine at a time.
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
// equal to its Target.
func Verify(r *Result, p *workload.Profile) error {
	res, err := generators.Generate(r.Workload, &workload.Source{Name: r.Name}, p)
	if err != nil {
		return fmt.Errorf("the imported workload does not render: %w", err)
	}
	want := []runtime.Object{r.Target}
	if r.Service != nil {
		want = append(want, r.Service)
	}
	if len(res.Objects) != len(want) {
		return fmt.Errorf("the imported workload renders %d objects, the original has %d", len(res.Objects), len(want))
	}
	for i, o := range want {
		a, err := Canonical(res.Objects[i].Obj)
		if err != nil {
			return err
		}
		b, err := Canonical(o)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(a, b) {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			return fmt.Errorf("round trip differs:\n rendered %s\n original %s", ja, jb)
		}
	}
	return nil
}

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
	case *corev1.Service:
		coredefaults.SetObjectDefaults_Service(o)
		canonicalMeta(&o.ObjectMeta)
		defaultNamespace(&o.ObjectMeta)
	}
	return toMap(c)
}

func toMap(obj any) (map[string]any, error) {
	b, err := json.Marshal(obj)
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
	for _, k := range generators.MLJobLabels() {
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

// canonicalTemplate puts in order what Kubernetes treats as a set:
// volumes (by name), tolerations, and each container's volume mounts (the
// container runtime sorts them by path before mounting).
func canonicalTemplate(t *corev1.PodTemplateSpec) {
	canonicalMeta(&t.ObjectMeta)
	sort.SliceStable(t.Spec.Volumes, func(i, j int) bool { return t.Spec.Volumes[i].Name < t.Spec.Volumes[j].Name })
	sort.SliceStable(t.Spec.Tolerations, func(i, j int) bool {
		return tolerationKey(t.Spec.Tolerations[i]) < tolerationKey(t.Spec.Tolerations[j])
	})
	for _, cs := range [][]corev1.Container{t.Spec.InitContainers, t.Spec.Containers} {
		for i := range cs {
			m := cs[i].VolumeMounts
			sort.SliceStable(m, func(a, b int) bool { return m[a].MountPath < m[b].MountPath })
			// The API server gives each pod's containers a request equal
			// to the limit where there is none (SetDefaults_Pod).
			r := &cs[i].Resources
			for n, q := range r.Limits {
				if _, ok := r.Requests[n]; !ok {
					if r.Requests == nil {
						r.Requests = corev1.ResourceList{}
					}
					r.Requests[n] = q.DeepCopy()
				}
			}
		}
	}
}

func tolerationKey(t corev1.Toleration) string {
	secs := int64(-1)
	if t.TolerationSeconds != nil {
		secs = *t.TolerationSeconds
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%d", t.Key, t.Operator, t.Value, t.Effect, secs)
}
