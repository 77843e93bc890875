// Package generators turns checked workloads into typed Kubernetes
// batch/v1 Job and CronJob objects.
//
// Generation is pure: a workload and the platform profile in, an object
// out. Everything the CUE schema cannot say (rules across fields, quantities,
// GPU types of the profile) is checked here and reported against the
// workload's own file and field.
package generators

import (
	"fmt"
	"sort"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/workload"
)

// Labels and annotations mljob sets.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelType      = "mljob.dev/type"
	LabelQueue     = "kueue.x-k8s.io/queue-name"
	AnnotSweep     = "mljob.dev/sweep"
	ManagedBy      = "mljob"

	// MaxSweepPoints bounds a sweep grid: every point is an index of one
	// Job and a line of its start script.
	MaxSweepPoints = 1000
)

// Object is a generated object and the workload it came from.
type Object struct {
	// Obj is a typed object: a *batchv1.Job or a *batchv1.CronJob.
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

// Kind returns "Job" or "CronJob".
func (o Object) Kind() string { return o.Obj.GetObjectKind().GroupVersionKind().Kind }

// ContainerName is the name of the main container of a workload: its
// containerName, or one after its type. It is what `overrides` and
// exit-code rules refer to.
func ContainerName(w *workload.Workload) string {
	if w.ContainerName != "" {
		return w.ContainerName
	}
	return typeContainerName(w.Type)
}

func typeContainerName(typ string) string {
	if typ == workload.Sweep {
		return "trial"
	}
	if typ == workload.Training {
		return "trainer"
	}
	return typ
}

// Generate builds the objects of one workload: its Job or CronJob first.
// Problems are returned as a diag.List.
func Generate(w *workload.Workload, src *workload.Source, p *workload.Profile) ([]Object, error) {
	g := &gen{w: w, src: src, p: p, prov: Provenance{}}
	g.jobPath, g.podPath = "spec", "spec.template.spec"
	if w.Schedule != "" {
		g.jobPath, g.podPath = "spec.jobTemplate.spec", "spec.jobTemplate.spec.template.spec"
	}
	obj := g.object()
	if err := g.errs.Err(); err != nil {
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
	return []Object{{Obj: obj, Source: src, Fields: g.prov}}, nil
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
// workload field; set is false to record nothing (a default).
func (g *gen) from(path, field string) {
	g.prov.set(path, field)
}

func (g *gen) errorf(field, format string, args ...any) {
	g.errs = append(g.errs, g.src.Errorf(field, format, args...))
}

func (g *gen) object() runtime.Object {
	w := g.w
	g.checkShape()
	name := g.src.Name
	ns := w.Namespace
	if ns == "" {
		ns = g.p.Namespace
	}
	labels := g.labels()
	jobMeta := metav1.ObjectMeta{Labels: copyMap(labels), Annotations: copyMap(w.Annotations)}
	if w.Queue != "" {
		jobMeta.Labels[LabelQueue] = w.Queue
	}
	spec := g.jobSpec(labels, &jobMeta)
	if w.Namespace != "" {
		g.from("metadata.namespace", "namespace")
	}
	g.fromMap("metadata.labels", "labels", w.Labels)
	g.fromMap("metadata.annotations", "annotations", w.Annotations)
	if w.Queue != "" {
		g.from("metadata.labels["+LabelQueue+"]", "queue")
	}

	if w.Schedule == "" {
		jobMeta.Name, jobMeta.Namespace = name, ns
		if w.Suspend != nil {
			spec.Suspend = w.Suspend
			g.from("spec.suspend", "suspend")
		}
		return &batchv1.Job{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
			ObjectMeta: jobMeta,
			Spec:       spec,
		}
	}
	cj := &batchv1.CronJob{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   ns,
			Labels:      copyMap(labels),
			Annotations: copyMap(w.Annotations),
		},
		Spec: batchv1.CronJobSpec{
			Schedule:          w.Schedule,
			ConcurrencyPolicy: batchv1.ForbidConcurrent,
			Suspend:           w.Suspend,
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: jobMeta.Labels, Annotations: withoutKeys(jobMeta.Annotations, w.Annotations)},
				Spec:       spec,
			},
			SuccessfulJobsHistoryLimit: ptr.To(g.p.History.Successful),
			FailedJobsHistoryLimit:     ptr.To(g.p.History.Failed),
		},
	}
	g.from("spec.schedule", "schedule")
	if w.Suspend != nil {
		g.from("spec.suspend", "suspend")
	}
	g.fromMap("spec.jobTemplate.metadata.labels", "labels", w.Labels)
	if w.Queue != "" {
		g.from("spec.jobTemplate.metadata.labels["+LabelQueue+"]", "queue")
	}
	if w.TimeZone != "" {
		cj.Spec.TimeZone = ptr.To(w.TimeZone)
		g.from("spec.timeZone", "timeZone")
	}
	if w.Concurrency != "" {
		cj.Spec.ConcurrencyPolicy = batchv1.ConcurrencyPolicy(w.Concurrency)
		g.from("spec.concurrencyPolicy", "concurrency")
	}
	deadline, field := pick(w.StartingDeadline, "startingDeadline", g.p.StartingDeadline)
	if s, ok := g.seconds(field, deadline); ok {
		cj.Spec.StartingDeadlineSeconds = &s
		g.fromField("spec.startingDeadlineSeconds", field)
	}
	if h := w.History; h != nil {
		if h.Successful != nil {
			cj.Spec.SuccessfulJobsHistoryLimit = h.Successful
			g.from("spec.successfulJobsHistoryLimit", "history.successful")
		}
		if h.Failed != nil {
			cj.Spec.FailedJobsHistoryLimit = h.Failed
			g.from("spec.failedJobsHistoryLimit", "history.failed")
		}
	}
	return cj
}

// checkShape checks the rules between fields that the schema leaves open.
func (g *gen) checkShape() {
	w := g.w
	name := g.src.Name
	maxLen := 63
	if w.Schedule != "" {
		// The CronJob controller appends an 11-character suffix to Job
		// names, and Job names become label values (63 at most).
		maxLen = 52
	}
	if !isDNSLabel(name) {
		g.errorf("", "invalid workload name %q: use lower-case letters, digits and '-', starting and ending with a letter or digit", name)
	} else if len(name) > maxLen {
		kind := "Job"
		if w.Schedule != "" {
			kind = "CronJob"
		}
		g.errorf("", "name is %d characters; a %s name may have at most %d", len(name), kind, maxLen)
	}
	indexed := w.Shards != nil || w.Type == workload.Sweep
	if w.Shards != nil && w.Type != workload.Inference && w.Type != workload.Preprocess {
		g.errorf("shards", "shards is for inference and preprocess workloads, not %s", w.Type)
	}
	if w.Completions != nil && w.Type != workload.Task {
		g.errorf("completions", "completions is for task workloads; use shards for inference and preprocess")
	}
	if w.Parallelism != nil && w.Type == workload.Training {
		g.errorf("parallelism", "a training workload runs one pod; parallelism is for sharded, sweep and task workloads")
	}
	if w.Parallelism != nil && !indexed && w.Type != workload.Task {
		g.errorf("parallelism", "parallelism needs shards")
	}
	if w.Type == workload.Sweep {
		if len(w.Sweep) == 0 {
			g.errorf("sweep", "a sweep workload needs a sweep grid, e.g. sweep: {lr: [0.1, 0.01]}")
		}
		if len(w.Command) == 0 {
			g.errorf("command", "a sweep needs command: its parameters are added to the command line")
		}
	} else if w.Sweep != nil {
		g.errorf("sweep", "sweep is for workloads of type sweep, not %s", w.Type)
	}
	if w.RetriesPerIndex != nil && !indexed {
		g.errorf("retriesPerIndex", "retriesPerIndex needs an indexed workload (shards or sweep)")
	}
	if w.RetriesPerIndex != nil && w.Retries != nil {
		g.errorf("retries", "set retries or retriesPerIndex, not both")
	}
	if ec := w.ExitCodes; ec != nil && len(ec.FailIndex) > 0 && w.RetriesPerIndex == nil {
		g.errorf("exitCodes.failIndex", "failIndex needs retriesPerIndex")
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
				g.errorf(f.name, "%s needs schedule", f.name)
			}
		}
	}
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

func (g *gen) labels() map[string]string {
	l := map[string]string{
		LabelName:      g.src.Name,
		LabelManagedBy: ManagedBy,
		LabelType:      g.w.Type,
	}
	for k, v := range g.w.Labels {
		l[k] = v
	}
	return l
}

func (g *gen) jobSpec(labels map[string]string, jobMeta *metav1.ObjectMeta) batchv1.JobSpec {
	w := g.w
	pod := g.podSpec()
	spec := batchv1.JobSpec{
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: copyMap(labels), Annotations: copyMap(w.PodAnnotations)},
			Spec:       pod,
		},
	}
	tmeta := ParentPath(g.podPath) + ".metadata"
	g.fromMap(tmeta+".labels", "labels", w.Labels)
	g.fromMap(tmeta+".annotations", "podAnnotations", w.PodAnnotations)
	js := g.jobPath + "."
	if w.RetriesPerIndex != nil {
		spec.BackoffLimitPerIndex = w.RetriesPerIndex
		g.from(js+"backoffLimitPerIndex", "retriesPerIndex")
	} else if w.Retries != nil {
		spec.BackoffLimit = w.Retries
		g.from(js+"backoffLimit", "retries")
	} else {
		spec.BackoffLimit = ptr.To(g.p.Retries)
	}
	if d, field := pick(w.Timeout, "timeout", g.p.Timeout); d != "" {
		if s, ok := g.seconds(field, d); ok && s == 0 {
			g.errorf(field, "a timeout of %s would fail the Job as soon as it starts; leave timeout out for none", d)
		} else if ok {
			spec.ActiveDeadlineSeconds = &s
			g.fromField(js+"activeDeadlineSeconds", field)
		}
	}
	if d, field := pick(w.TTL, "ttl", g.p.TTL); d != "" {
		if s, ok := g.seconds(field, d); ok {
			if s > 1<<31-1 {
				g.errorf(field, "%s is too long", d)
			}
			spec.TTLSecondsAfterFinished = ptr.To(int32(s))
			g.fromField(js+"ttlSecondsAfterFinished", field)
		}
	}
	switch {
	case w.Type == workload.Sweep && len(w.Sweep) > 0:
		n := g.sweep(&spec.Template.Spec.Containers[0], jobMeta)
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
		addEnv(&spec.Template.Spec.Containers[0], corev1.EnvVar{Name: "MLJOB_SHARDS", Value: fmt.Sprint(*w.Shards)})
		for _, f := range []string{"completions", "completionMode", "parallelism"} {
			g.from(js+f, "shards")
		}
	case w.Completions != nil:
		spec.Completions = w.Completions
		spec.Parallelism = w.Completions
		g.from(js+"completions", "completions")
		g.from(js+"parallelism", "completions")
	}
	if w.Parallelism != nil {
		spec.Parallelism = w.Parallelism
		g.from(js+"parallelism", "parallelism")
	}
	spec.PodFailurePolicy = g.podFailurePolicy()
	// The container's fields are recorded once its env is final.
	g.recordContainer(&spec.Template.Spec.Containers[0])
	return spec
}

// pick returns the workload's value of field, or the profile's default
// (reported against the workload itself).
func pick(v, field, def string) (string, string) {
	if v != "" {
		return v, field
	}
	return def, ""
}

func (g *gen) podFailurePolicy() *batchv1.PodFailurePolicy {
	w := g.w
	var rules []batchv1.PodFailurePolicyRule
	name := ContainerName(w)
	if ec := w.ExitCodes; ec != nil {
		seen := map[int32]string{}
		add := func(field string, action batchv1.PodFailurePolicyAction, codes []int32) {
			if len(codes) == 0 {
				return
			}
			vals := make([]int32, 0, len(codes))
			for _, c := range codes {
				if prev, ok := seen[c]; ok {
					if prev != field {
						g.errorf("exitCodes."+field, "exit code %d is also in %s", c, prev)
					}
					continue
				}
				seen[c] = field
				vals = append(vals, c)
			}
			sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
			if len(vals) == 0 {
				return
			}
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

func (g *gen) podSpec() corev1.PodSpec {
	w := g.w
	c := corev1.Container{
		Name:       ContainerName(w),
		Image:      g.image(),
		Command:    w.Command,
		Args:       w.Args,
		WorkingDir: w.WorkingDir,
		Env:        g.env(),
		Resources:  g.resources(),
	}
	pod := corev1.PodSpec{
		RestartPolicy:      corev1.RestartPolicyNever,
		ServiceAccountName: w.ServiceAccount,
		PriorityClassName:  w.PriorityClass,
	}
	ps := g.podPath + "."
	if w.ServiceAccount != "" {
		g.from(ps+"serviceAccountName", "serviceAccount")
	}
	if w.PriorityClass != "" {
		g.from(ps+"priorityClassName", "priorityClass")
	}
	nodeSel := map[string]string{}
	g.mergeSelector(nodeSel, w.NodeSelector, "nodeSelector")
	var tols []tolerationFrom
	gpuField := "gpu"
	if w.GPU != nil && w.GPU.Type != "" {
		gpuField = "gpu.type"
	}
	if w.GPU != nil {
		gt, ok := g.gpuType()
		if ok {
			res := corev1.ResourceName(gt.Resource)
			c.Resources.Limits[res] = *resource.NewQuantity(w.GPU.Count, resource.DecimalSI)
			g.from(g.podPath+".containers[0].resources.limits["+string(res)+"]", "gpu.count")
			g.mergeSelector(nodeSel, gt.NodeSelector, gpuField)
			tols = addTolerations(tols, gpuField, gt.Tolerations)
			if len(gt.Products) > 0 {
				g.from(ps+"affinity", gpuField)
				label := gt.ProductLabel
				if label == "" {
					label = "nvidia.com/gpu.product"
				}
				pod.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
						NodeSelectorTerms: []corev1.NodeSelectorTerm{{
							MatchExpressions: []corev1.NodeSelectorRequirement{{
								Key:      label,
								Operator: corev1.NodeSelectorOpIn,
								Values:   append([]string(nil), gt.Products...),
							}},
						}},
					},
				}}
			}
		}
	}
	if w.Spot {
		g.mergeSelector(nodeSel, g.p.Spot.NodeSelector, "spot")
		tols = addTolerations(tols, "spot", g.p.Spot.Tolerations)
	}
	for i, t := range w.Tolerations {
		tols = append(tols, tolerationFrom{t, fmt.Sprintf("tolerations.%d", i)})
	}
	for i, t := range dedupTolerations(tols) {
		pod.Tolerations = append(pod.Tolerations, t.Toleration)
		g.from(fmt.Sprintf("%stolerations[%d]", ps, i), t.field)
	}
	if len(nodeSel) > 0 {
		pod.NodeSelector = nodeSel
		for k := range nodeSel {
			g.from(ps+"nodeSelector["+k+"]", g.selectorField[k])
		}
	}
	var memLimit *resource.Quantity
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		memLimit = &q
	}
	pod.Volumes, c.VolumeMounts = g.volumes(memLimit)
	pod.Containers = []corev1.Container{c}
	return pod
}

// tolerationFrom is a toleration and the workload field it came from.
type tolerationFrom struct {
	corev1.Toleration
	field string
}

func addTolerations(tols []tolerationFrom, field string, add []corev1.Toleration) []tolerationFrom {
	for _, t := range add {
		tols = append(tols, tolerationFrom{t, field})
	}
	return tols
}

// recordContainer records where the fields of the main container c came
// from.
func (g *gen) recordContainer(c *corev1.Container) {
	w := g.w
	cp := g.podPath + ".containers[0]."
	if w.ContainerName != "" {
		g.from(cp+"name", "containerName")
	}
	g.from(cp+"image", "image")
	if len(w.Command) > 0 {
		g.from(cp+"command", "command")
	}
	if len(w.Args) > 0 {
		g.from(cp+"args", "args")
	}
	if w.Type == workload.Sweep {
		g.from(cp+"command", "sweep")
		g.from(cp+"args", "sweep")
	}
	if w.WorkingDir != "" {
		g.from(cp+"workingDir", "workingDir")
	}
	if w.Shm != nil {
		// What is mounted at /dev/shm, or that nothing is.
		g.from(cp+"volumeMounts", "shm")
	}
	for i, e := range c.Env {
		if _, ok := w.Env[e.Name]; ok {
			g.from(fmt.Sprintf("%senv[%d]", cp, i), "env."+e.Name)
		}
	}
	if r := w.Resources; r != nil {
		g.from(cp+"resources", "resources")
		for _, q := range []struct {
			name  corev1.ResourceName
			field string
			set   bool
		}{
			{corev1.ResourceCPU, "cpu", r.CPU != ""},
			{corev1.ResourceMemory, "memory", r.Memory != ""},
			{corev1.ResourceEphemeralStorage, "ephemeralStorage", r.EphemeralStorage != ""},
		} {
			if q.set {
				g.from(cp+"resources.requests["+string(q.name)+"]", "resources."+q.field)
				g.from(cp+"resources.limits["+string(q.name)+"]", "resources."+q.field)
			}
		}
		if l := r.Limits; l != nil {
			for _, q := range []struct {
				name  corev1.ResourceName
				field string
				set   bool
			}{
				{corev1.ResourceCPU, "cpu", l.CPU != ""},
				{corev1.ResourceMemory, "memory", l.Memory != ""},
				{corev1.ResourceEphemeralStorage, "ephemeralStorage", l.EphemeralStorage != ""},
			} {
				if q.set {
					g.from(cp+"resources.limits["+string(q.name)+"]", "resources.limits."+q.field)
				}
			}
		}
	}
}

func (g *gen) gpuType() (workload.GPUType, bool) {
	t := g.w.GPU.Type
	if t == "" {
		return g.p.DefaultGPU, true
	}
	gt, ok := g.p.GPUTypes[t]
	if !ok {
		known := make([]string, 0, len(g.p.GPUTypes))
		for k := range g.p.GPUTypes {
			known = append(known, k)
		}
		sort.Strings(known)
		g.errorf("gpu.type", "unknown GPU type %q; the profile knows %s", t, strings.Join(known, ", "))
	}
	return gt, ok
}

func (g *gen) mergeSelector(dst, src map[string]string, field string) {
	if g.selectorField == nil {
		g.selectorField = map[string]string{}
	}
	for _, k := range sortedKeys(src) {
		if old, ok := dst[k]; ok && old != src[k] {
			g.errorf(field, "node label %s=%s conflicts with %s=%s selected elsewhere", k, src[k], k, old)
			continue
		}
		dst[k] = src[k]
		if _, ok := g.selectorField[k]; !ok {
			if field == "nodeSelector" {
				g.selectorField[k] = "nodeSelector." + k
			} else {
				g.selectorField[k] = field
			}
		}
	}
}

func dedupTolerations(tols []tolerationFrom) []tolerationFrom {
	var out []tolerationFrom
	seen := map[string]bool{}
	for _, t := range tols {
		key := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%v", t.Key, t.Operator, t.Value, t.Effect, ptr.Deref(t.TolerationSeconds, -1))
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, t)
	}
	return out
}

func (g *gen) image() string {
	img := g.w.Image
	if g.p.Registry == "" || hasRegistryHost(img) {
		return img
	}
	return strings.TrimSuffix(g.p.Registry, "/") + "/" + img
}

// hasRegistryHost reports whether an image reference names its registry,
// as Docker reads it: a first path element with '.' or ':' or "localhost".
func hasRegistryHost(img string) bool {
	first, _, ok := strings.Cut(img, "/")
	if !ok {
		return false
	}
	return strings.ContainsAny(first, ".:") || first == "localhost"
}

func (g *gen) env() []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, k := range sortedKeys(g.w.Env) {
		v := g.w.Env[k]
		e := corev1.EnvVar{Name: k}
		switch {
		case v.Value != nil:
			e.Value = *v.Value
		case v.Secret != "":
			e.ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: v.Secret}, Key: v.Key, Optional: v.Optional}}
		case v.ConfigMap != "":
			e.ValueFrom = &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: v.ConfigMap}, Key: v.Key, Optional: v.Optional}}
		case v.Field != "":
			e.ValueFrom = &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: v.Field}}
		}
		env = append(env, e)
	}
	return env
}

// addEnv adds e unless the user set a variable of that name.
func addEnv(c *corev1.Container, e corev1.EnvVar) {
	for _, old := range c.Env {
		if old.Name == e.Name {
			return
		}
	}
	c.Env = append(c.Env, e)
	sort.SliceStable(c.Env, func(i, j int) bool { return c.Env[i].Name < c.Env[j].Name })
}

func (g *gen) resources() corev1.ResourceRequirements {
	r := g.w.Resources
	if r == nil {
		r = &workload.Resources{}
	}
	cpu, mem := r.CPU, r.Memory
	if cpu == "" {
		cpu = g.p.Resources.CPU
	}
	if mem == "" {
		mem = g.p.Resources.Memory
	}
	req := corev1.ResourceList{}
	lim := corev1.ResourceList{}
	g.setQuantity(req, corev1.ResourceCPU, cpu, "resources.cpu")
	g.setQuantity(req, corev1.ResourceMemory, mem, "resources.memory")
	g.setQuantity(req, corev1.ResourceEphemeralStorage, r.EphemeralStorage, "resources.ephemeralStorage")
	for name, q := range req {
		lim[name] = q.DeepCopy()
	}
	if l := r.Limits; l != nil {
		g.setQuantity(lim, corev1.ResourceCPU, l.CPU, "resources.limits.cpu")
		g.setQuantity(lim, corev1.ResourceMemory, l.Memory, "resources.limits.memory")
		g.setQuantity(lim, corev1.ResourceEphemeralStorage, l.EphemeralStorage, "resources.limits.ephemeralStorage")
		for _, f := range []struct {
			name  corev1.ResourceName
			field string
		}{{corev1.ResourceCPU, "cpu"}, {corev1.ResourceMemory, "memory"}, {corev1.ResourceEphemeralStorage, "ephemeralStorage"}} {
			rq, okr := req[f.name]
			lq, okl := lim[f.name]
			if okr && okl && lq.Cmp(rq) < 0 {
				g.errorf("resources.limits."+f.field, "limit %s is below the request %s", lq.String(), rq.String())
			}
			if !okr && okl {
				req[f.name] = lq.DeepCopy()
			}
		}
	}
	return corev1.ResourceRequirements{Requests: req, Limits: lim}
}

func (g *gen) setQuantity(l corev1.ResourceList, name corev1.ResourceName, v workload.Quantity, field string) {
	if v == "" {
		return
	}
	q, err := resource.ParseQuantity(string(v))
	if err != nil {
		g.errorf(field, "invalid quantity %q", string(v))
		return
	}
	if q.Sign() <= 0 {
		g.errorf(field, "%s must be more than 0", string(v))
		return
	}
	l[name] = q
}

// seconds converts a duration of the language ("90m", "2d6h") to seconds.
func (g *gen) seconds(field, d string) (int64, bool) {
	s, err := ParseDuration(d)
	if err != nil {
		g.errorf(field, "%v", err)
		return 0, false
	}
	return s, true
}

// ParseDuration parses "1d2h3m4s" (each part optional, in that order) into
// seconds.
func ParseDuration(d string) (int64, error) {
	if d == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total int64
	rest := d
	for _, u := range []struct {
		suffix byte
		secs   int64
	}{{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}} {
		i := strings.IndexByte(rest, u.suffix)
		if i < 0 {
			continue
		}
		var n int64
		if i == 0 {
			return 0, fmt.Errorf("invalid duration %q", d)
		}
		for _, c := range rest[:i] {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("invalid duration %q (use d, h, m and s, e.g. 1h30m)", d)
			}
			n = n*10 + int64(c-'0')
			if n > 1<<40 {
				return 0, fmt.Errorf("duration %q is too long", d)
			}
		}
		total += n * u.secs
		rest = rest[i+1:]
	}
	if rest != "" {
		return 0, fmt.Errorf("invalid duration %q (use d, h, m and s, e.g. 1h30m)", d)
	}
	return total, nil
}

// isDNSLabel reports whether s is made of DNS label characters (length
// is checked apart, to say so in the message).
func isDNSLabel(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
