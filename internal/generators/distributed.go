package generators

import (
	"fmt"
	"math"
	"reflect"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/mljob/mljob/internal/workload"
)

// Labels of the pods of a Job that Kubernetes sets: the Job's name (the
// API server, from the Job's selector) and an Indexed Job's index (the
// Job controller).
const (
	LabelJobName = "batch.kubernetes.io/job-name"
	// LabelCompletionIndex is also an annotation of the same name.
	LabelCompletionIndex = indexLabel
)

// RendezvousPortName names the rendezvous port of a distributed
// workload's container and Service.
const RendezvousPortName = "rendezvous"

// Kueue's pod template annotations of Topology Aware Scheduling.
const (
	AnnotRequiredTopology  = "kueue.x-k8s.io/podset-required-topology"
	AnnotPreferredTopology = "kueue.x-k8s.io/podset-preferred-topology"
)

// distributed makes the Job of a `nodes` workload a group that trains
// together: an Indexed Job of `nodes` pods that all run at once (a rank
// that waits for a free slot would hold up the rendezvous for ever) and
// succeeds as soon as rank 0 does (the others are then stopped), with the
// rendezvous environment on its main container. Retries and pod
// replacement are set by retries and replacementPolicy.
func (g *gen) distributed(spec *batchv1.JobSpec, main *corev1.Container) {
	w := g.w
	js := g.jobPath + "."
	n := *w.Nodes
	spec.Completions = ptr.To(n)
	spec.Parallelism = ptr.To(n)
	spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("0")}}}
	for _, f := range []string{"completions", "parallelism", "completionMode", "successPolicy"} {
		g.from(js+f, "nodes")
	}
	main.Env = append(RendezvousEnv(w), main.Env...)
}

// RendezvousEnv is the environment every pod of a distributed workload
// gets, in this order (a $(NAME) sees only the variables before it):
// the Job's name and the pod's index from the downward API (the Job
// controller adds JOB_COMPLETION_INDEX at the end of env, too late for
// $(NAME)), the group's shape, MASTER_ADDR built from the Job's name (so
// that a kustomize namePrefix, which renames the Job and its Service
// alike, keeps it right), and the launcher's variables.
func RendezvousEnv(w *workload.Workload) []corev1.EnvVar {
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	lit := func(name string, v any) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: fmt.Sprint(v)} }
	ref := func(name, to string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: "$(" + to + ")"} }
	env := []corev1.EnvVar{
		field(workload.EnvJobName, "metadata.labels['"+LabelJobName+"']"),
		field(workload.EnvNodeRank, "metadata.labels['"+LabelCompletionIndex+"']"),
		lit(workload.EnvNNodes, *w.Nodes),
		lit(workload.EnvNProcPerNode, w.ProcsPerNode()),
		lit(workload.EnvWorldSize, w.WorldSize()),
		// Pod 0 of the Job, in the Service named after the Job.
		lit(workload.EnvMasterAddr, "$("+workload.EnvJobName+")-0.$("+workload.EnvJobName+")"),
		lit(workload.EnvMasterPort, w.Port()),
	}
	switch w.LauncherName() {
	case workload.LauncherNone:
		env = append(env, ref(workload.EnvRank, workload.EnvNodeRank), lit(workload.EnvLocalRank, 0))
	default:
		for _, p := range workload.TorchrunEnv {
			env = append(env, ref(p[0], p[1]))
		}
	}
	return env
}

// rendezvousField is the workload field a variable of RendezvousEnv comes
// from, or "" for none of them.
func (g *gen) rendezvousField(name string) string {
	w := g.w
	switch {
	case !w.Distributed():
		return ""
	case name == workload.EnvMasterPort && w.MasterPort != nil:
		return "masterPort"
	case w.Launcher != "" && (name == workload.EnvRank || name == workload.EnvLocalRank || name == workload.EnvWorldSize || len(name) > 4 && name[:4] == "PET_"):
		return "launcher"
	}
	for _, n := range workload.RendezvousEnvNames(w.LauncherName()) {
		if n == name {
			return "nodes"
		}
	}
	return ""
}

// groupRetries is backoffLimit for retries: a failure of one pod of a
// distributed group usually fails every rank (their collectives fail or
// time out), so each counts.
func (g *gen) groupRetries(retries int32) int32 {
	if !g.w.Distributed() {
		return retries
	}
	return int32(min(int64(retries)*int64(*g.w.Nodes), math.MaxInt32))
}

// distributedPod gives the pods of a distributed workload their DNS
// names (<job>-<i>.<service>: the Service is named after the Job) and the
// main container its rendezvous port.
func (g *gen) distributedPod(pod *corev1.PodSpec, c *corev1.Container) {
	w := g.w
	if !w.Distributed() {
		return
	}
	pod.Subdomain = g.src.Name
	g.from(g.podPath+".subdomain", "nodes")
	c.Ports = append(c.Ports, corev1.ContainerPort{Name: RendezvousPortName, ContainerPort: w.Port()})
	field := "nodes"
	if w.MasterPort != nil {
		field = "masterPort"
	}
	g.from(fmt.Sprintf("%s.ports[%d]", g.mainPath(), len(c.Ports)-1), field)
}

// service is the headless Service of a distributed workload: it gives
// every pod of the Job a DNS name, <job>-<i>.<service>, as soon as the
// pod has an address (publishNotReadyAddresses: ranks look each other up
// before any is ready).
func (g *gen) service(ns string) Object {
	w := g.w
	prov := Provenance{"spec": "nodes"}
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: g.src.Name, Namespace: ns, Labels: g.labels()},
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 map[string]string{LabelJobName: g.src.Name},
			PublishNotReadyAddresses: true,
			Ports: []corev1.ServicePort{{
				Name: RendezvousPortName, Port: w.Port(), TargetPort: intstr.FromString(RendezvousPortName),
			}},
		},
	}
	if w.MasterPort != nil {
		prov["spec.ports[0]"] = "masterPort"
	}
	if w.Namespace != "" {
		prov["metadata.namespace"] = "namespace"
	}
	if len(w.Labels) > 0 {
		prov["metadata.labels"] = "labels"
		for k := range w.Labels {
			prov["metadata.labels["+k+"]"] = "labels." + k
		}
	}
	return Object{Obj: svc, Source: g.src, Fields: prov}
}

// liftDistributed recognises the group mljob renders for `nodes`: an
// Indexed Job whose pods all run at once, succeed with rank 0, are
// replaced only once stopped and live in the subdomain of its Service,
// which is the one mljob writes, with the rendezvous environment first in
// env. Anything else stays a plain Job.
func (l *lifter) liftDistributed() {
	w, s, c := l.w, l.s, l.main
	if l.cron != nil || l.svc == nil || c == nil || !l.indexed() || s.Completions == nil || s.Parallelism == nil ||
		*s.Completions != *s.Parallelism || *s.Completions < 2 {
		return
	}
	name := l.jobMeta.GetName()
	if l.t.Spec.Subdomain != name || !IsRendezvousService(l.svc, name) {
		return
	}
	if sp := s.SuccessPolicy; sp == nil || len(sp.Rules) != 1 || ptr.Deref(sp.Rules[0].SucceededIndexes, "") != "0" || sp.Rules[0].SucceededCount != nil {
		return
	}
	if ptr.Deref(s.PodReplacementPolicy, "") != batchv1.Failed || s.BackoffLimitPerIndex != nil {
		return
	}
	probe := &workload.Workload{Type: workload.Training, Nodes: s.Completions, GPU: w.GPU}
	port := l.svc.Spec.Ports[0].Port
	if port != workload.DefaultMasterPort {
		probe.MasterPort = ptr.To(port)
	}
	if len(c.Ports) != 1 || c.Ports[0] != (corev1.ContainerPort{Name: RendezvousPortName, ContainerPort: port}) {
		return
	}
	found := false
	for _, launcher := range []string{"", workload.LauncherNone} {
		probe.Launcher = launcher
		block := RendezvousEnv(probe)
		env := c.Env
		if len(env) > 0 && env[0].Name == "JOB_COMPLETION_INDEX" {
			env = env[1:]
		}
		if len(env) >= len(block) && reflect.DeepEqual(env[:len(block)], block) {
			found = true
			break
		}
	}
	if !found {
		return
	}
	w.Type = workload.Training
	if w.ContainerName == workload.TypeContainerName(workload.Training) {
		w.ContainerName = ""
	}
	w.Nodes, w.Launcher, w.MasterPort = probe.Nodes, probe.Launcher, probe.MasterPort
	for _, n := range workload.RendezvousEnvNames(w.LauncherName()) {
		w.Env = w.Env.Without(n)
	}
	w.Shards, w.Parallelism, w.Completions, w.SuccessPolicy = nil, nil, nil, nil
	w.RetriesPerIndex, w.MaxFailedIndexes = nil, nil
	w.PodReplacementPolicy = ""
	w.Retries = nil
	if b := s.BackoffLimit; b != nil && *b%*probe.Nodes == 0 {
		w.Retries = ptr.To(*b / *probe.Nodes)
	}
}

// IsRendezvousService reports whether svc is the Service mljob renders
// for the distributed Job job: headless, publishing pods before they are
// ready, selecting the Job's pods by name, with one port.
func IsRendezvousService(svc *corev1.Service, job string) bool {
	sp := svc.Spec
	return svc.Name == job && sp.ClusterIP == corev1.ClusterIPNone && sp.PublishNotReadyAddresses &&
		reflect.DeepEqual(sp.Selector, map[string]string{LabelJobName: job}) &&
		len(sp.Ports) == 1 && sp.Ports[0].Name == RendezvousPortName
}

// topology adds Kueue's topology annotation to the pod template.
func (g *gen) topology(annotations map[string]string, meta string) {
	t := g.w.Topology
	if t == nil {
		return
	}
	key, v, field := AnnotRequiredTopology, t.Required, "topology.required"
	if v == "" {
		key, v, field = AnnotPreferredTopology, t.Preferred, "topology.preferred"
	}
	annotations[key] = v
	g.from(meta+".annotations["+key+"]", field)
}

// liftTopology lifts Kueue's topology annotation of a queued Job.
func (l *lifter) liftTopology() {
	w := l.w
	if w.Queue == "" {
		return
	}
	a := l.t.Annotations
	req, hasReq := a[AnnotRequiredTopology]
	pref, hasPref := a[AnnotPreferredTopology]
	switch {
	case hasReq && !hasPref && req != "":
		w.Topology = &workload.Topology{Required: req}
		delete(w.PodAnnotations, AnnotRequiredTopology)
	case hasPref && !hasReq && pref != "":
		w.Topology = &workload.Topology{Preferred: pref}
		delete(w.PodAnnotations, AnnotPreferredTopology)
	}
	if len(w.PodAnnotations) == 0 {
		w.PodAnnotations = nil
	}
}
