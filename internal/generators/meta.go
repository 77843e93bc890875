package generators

import (
	batchv1 "k8s.io/api/batch/v1"

	"github.com/mljob/mljob/internal/workload"
)

// labels are the labels of the Job and its pods: mljob's own and the
// workload's.
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

// kueueLabels adds the labels Kueue reads to a Job's labels: its
// LocalQueue and its WorkloadPriorityClass.
func (g *gen) kueueLabels(l map[string]string) {
	if g.w.Queue != "" {
		l[LabelQueue] = g.w.Queue
	}
	if g.w.Priority != "" {
		l[LabelPriorityClass] = g.w.Priority
	}
}

// recordKueue records the Kueue labels of the Job metadata at meta.
func (g *gen) recordKueue(meta string) {
	if g.w.Queue != "" {
		g.from(meta+".labels["+LabelQueue+"]", "queue")
	}
	if g.w.Priority != "" {
		g.from(meta+".labels["+LabelPriorityClass+"]", "priority")
	}
}

// suspend sets the Job spec's suspend: what the workload says, and always
// true with a queue: Kueue starts a queued Job by unsuspending it once
// the queue admits it. (A CronJob's own suspend is the CronJob's.)
func (g *gen) suspend(spec *batchv1.JobSpec, path string) {
	w := g.w
	switch {
	case w.Queue != "":
		spec.Suspend = ptrTo(true)
		g.from(path+".suspend", "queue")
	case w.Suspend != nil && w.Schedule == "":
		spec.Suspend = w.Suspend
		g.from(path+".suspend", "suspend")
	}
}

// liftMeta lifts labels, annotations, the namespace and Kueue's labels.
func (l *lifter) liftMeta() {
	w := l.w
	w.Annotations = clean(l.objMeta.GetAnnotations())
	w.PodAnnotations = clean(l.t.Annotations)
	w.Namespace = l.objMeta.GetNamespace()
	if w.Namespace == l.p.Namespace {
		w.Namespace = ""
	}
	labels := l.jobMeta.GetLabels()
	w.Queue = labels[LabelQueue]
	if w.Queue != "" {
		w.Priority = labels[LabelPriorityClass]
	}
	w.Labels = common(l.jobMeta.GetLabels(), l.t.Labels)
	if l.cron != nil {
		w.Labels = common(common(l.cron.Labels, l.jobMeta.GetLabels()), l.t.Labels)
	}
	if s := l.s.Suspend; s != nil && *s && l.cron == nil && w.Queue == "" {
		w.Suspend = s
	}
}

// common returns the entries two label maps share, without the ones
// mljob sets itself.
func common(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		if bv, ok := b[k]; ok && bv == v {
			out[k] = v
		}
	}
	for _, k := range append(MLJobLabels(), LabelQueue, LabelPriorityClass) {
		delete(out, k)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// MLJobLabels are the labels render adds to every object: they are not
// part of what a user wrote.
func MLJobLabels() []string { return []string{LabelName, LabelManagedBy, LabelType} }

// clean returns the annotations a user wrote: without mljob's sweep grid
// and kubectl's bookkeeping.
func clean(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != AnnotSweep && k != "kubectl.kubernetes.io/last-applied-configuration" {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// liftType reads the workload type: mljob's label, or a guess from the
// names and shape of the Job.
func (l *lifter) liftType() {
	typ := l.jobMeta.GetLabels()[LabelType]
	switch typ {
	case workload.Training, workload.Inference, workload.Preprocess, workload.Task:
		l.w.Type = typ
		return
	}
	hint := l.jobMeta.GetName() + " " + l.objMeta.GetName() + " " + l.t.Name
	if l.main != nil {
		hint += " " + l.main.Name
	}
	gpus, _ := gpuCount(l.main)
	l.w.Type = guessType(hint, l.indexed(), gpus > 0)
}

func ptrTo[T any](v T) *T { return &v }
