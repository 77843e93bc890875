package generators

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mljob/mljob/internal/workload"
)

// Lift lifts what the language can say of a Job or CronJob into a
// workload: the inverse of Generate, feature by feature. Fields the
// object leaves to the API server's defaults are left out, so that the
// profile's defaults apply; what the workload cannot say is for the
// caller to carry in `overrides`.
func Lift(obj runtime.Object, p *workload.Profile) (*workload.Workload, error) {
	return LiftPair(obj, nil, p)
}

// LiftPair is Lift for a Job and the Service its pods' subdomain names:
// the pair mljob renders for `nodes` lifts to nodes. svc may be nil.
func LiftPair(obj runtime.Object, svc *corev1.Service, p *workload.Profile) (*workload.Workload, error) {
	l := &lifter{w: &workload.Workload{}, p: p, svc: svc}
	switch o := obj.(type) {
	case *batchv1.Job:
		l.objMeta, l.jobMeta, l.t, l.s = &o.ObjectMeta, &o.ObjectMeta, o.Spec.Template, o.Spec
	case *batchv1.CronJob:
		t := &o.Spec.JobTemplate
		l.objMeta, l.jobMeta, l.t, l.s, l.cron = &o.ObjectMeta, &t.ObjectMeta, t.Spec.Template, t.Spec, o
	default:
		return nil, fmt.Errorf("cannot import a %T", obj)
	}
	l.main = mainContainer(l.t.Spec.Containers, l.jobMeta.GetLabels()[LabelType])
	l.liftType()
	l.liftContainer()
	l.liftEnv()
	l.liftResources()
	l.liftGPU()
	l.liftShm()
	l.liftRetries()
	l.liftDeadlines()
	l.liftCompletions()
	l.liftSweep()
	l.liftFailurePolicy()
	l.liftReplacementPolicy()
	l.liftDistributed()
	l.liftMeta()
	l.liftTopology()
	l.liftScheduling()
	l.liftSecurity()
	l.liftVolumes()
	l.liftCheckpoint()
	l.liftSchedule()
	return l.w, nil
}

// lifter holds the object being lifted: objMeta is the object's own
// metadata, jobMeta the Job's (a CronJob's job template's), t the pod
// template and s the Job spec.
type lifter struct {
	w       *workload.Workload
	p       *workload.Profile
	objMeta metav1.Object
	jobMeta metav1.Object
	t       corev1.PodTemplateSpec
	s       batchv1.JobSpec
	cron    *batchv1.CronJob
	main    *corev1.Container
	// svc is the Service named by the pods' subdomain, if any.
	svc *corev1.Service
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
