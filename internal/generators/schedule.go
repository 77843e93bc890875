package generators

import (
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/mljob/mljob/internal/workload"
)

// cronJob wraps the Job spec of a scheduled workload in a CronJob: runs
// never overlap unless `concurrency` says so, late runs are skipped after
// the starting deadline, and a few finished Jobs are kept.
func (g *gen) cronJob(ns string, labels map[string]string, jobMeta metav1.ObjectMeta, spec batchv1.JobSpec) runtime.Object {
	w := g.w
	cj := &batchv1.CronJob{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        g.src.Name,
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
	g.suspend(&cj.Spec.JobTemplate.Spec, "spec.jobTemplate.spec")
	g.from("spec.schedule", "schedule")
	if w.Suspend != nil {
		g.from("spec.suspend", "suspend")
	}
	g.fromMap("spec.jobTemplate.metadata.labels", "labels", w.Labels)
	g.recordKueue("spec.jobTemplate.metadata")
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

// liftSchedule lifts a CronJob's own fields. What the CronJob leaves to
// the API server's defaults is left out, so the profile's apply.
func (l *lifter) liftSchedule() {
	if l.cron == nil {
		return
	}
	w, s := l.w, l.cron.Spec
	w.Schedule = s.Schedule
	if s.TimeZone != nil {
		w.TimeZone = *s.TimeZone
	}
	w.Concurrency = string(s.ConcurrencyPolicy)
	if s.StartingDeadlineSeconds != nil {
		w.StartingDeadline = workload.FormatDuration(*s.StartingDeadlineSeconds)
	}
	if s.SuccessfulJobsHistoryLimit != nil || s.FailedJobsHistoryLimit != nil {
		w.History = &workload.History{Successful: s.SuccessfulJobsHistoryLimit, Failed: s.FailedJobsHistoryLimit}
	}
	w.Suspend = s.Suspend
}
