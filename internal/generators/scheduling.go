package generators

import (
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/mljob/mljob/internal/workload"
)

// scheduling sets where and how the pods run: service account,
// PriorityClass, image pull secrets, the termination grace period, node
// selection and tolerations (the workload's, its GPU type's and spot's).
func (g *gen) scheduling(pod *corev1.PodSpec, c *corev1.Container) {
	w := g.w
	ps := g.podPath + "."
	pod.ServiceAccountName = w.ServiceAccount
	if w.ServiceAccount != "" {
		g.from(ps+"serviceAccountName", "serviceAccount")
	}
	pod.PriorityClassName = w.PriorityClass
	if w.PriorityClass != "" {
		g.from(ps+"priorityClassName", "priorityClass")
	}
	g.imagePullSecrets(pod)
	grace, field := w.TerminationGracePeriod, "terminationGracePeriod"
	if w.Checkpoint != nil {
		grace, field = w.CheckpointGrace()
	}
	if grace != "" {
		if s, ok := g.seconds(field, grace); ok {
			pod.TerminationGracePeriodSeconds = ptr.To(s)
			g.from(ps+"terminationGracePeriodSeconds", field)
		}
	}
	nodeSel := map[string]string{}
	g.mergeSelector(nodeSel, w.NodeSelector, "nodeSelector")
	var tols []tolerationFrom
	tols = g.gpuPlacement(pod, nodeSel, tols)
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
}

// imagePullSecrets are the profile's, then the workload's.
func (g *gen) imagePullSecrets(pod *corev1.PodSpec) {
	var names []string
	for _, n := range append(append([]string(nil), g.p.ImagePullSecrets...), g.w.ImagePullSecrets...) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for i, n := range names {
		pod.ImagePullSecrets = append(pod.ImagePullSecrets, corev1.LocalObjectReference{Name: n})
		if j := slices.Index(g.w.ImagePullSecrets, n); j >= 0 && !slices.Contains(g.p.ImagePullSecrets, n) {
			g.from(fmt.Sprintf("%s.imagePullSecrets[%d]", g.podPath, i), fmt.Sprintf("imagePullSecrets.%d", j))
		}
	}
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

func (g *gen) mergeSelector(dst, src map[string]string, field string) {
	if g.selectorField == nil {
		g.selectorField = map[string]string{}
	}
	for _, k := range slices.Sorted(maps.Keys(src)) {
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
		key := tolerationKey(t.Toleration)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, t)
	}
	return out
}

// liftScheduling lifts the service account, PriorityClass, image pull
// secrets (less the profile's), the termination grace period and the
// node selector and the tolerations that GPU and spot do not explain.
func (l *lifter) liftScheduling() {
	w, pod := l.w, l.t.Spec
	w.ServiceAccount = pod.ServiceAccountName
	if w.ServiceAccount == "" {
		w.ServiceAccount = pod.DeprecatedServiceAccount
	}
	w.PriorityClass = pod.PriorityClassName
	w.NodeSelector = clean(pod.NodeSelector)
	for _, s := range pod.ImagePullSecrets {
		if !slices.Contains(l.p.ImagePullSecrets, s.Name) {
			w.ImagePullSecrets = append(w.ImagePullSecrets, s.Name)
		}
	}
	explained := map[string]bool{}
	if w.GPU != nil {
		if gt, ok := l.p.GPUType(w.GPU.Type); ok {
			for _, t := range gt.Tolerations {
				explained[tolerationKey(t)] = true
			}
		}
	}
	if w.Spot {
		for _, t := range l.p.Spot.Tolerations {
			explained[tolerationKey(t)] = true
		}
	}
	for _, t := range pod.Tolerations {
		if !explained[tolerationKey(t)] {
			w.Tolerations = append(w.Tolerations, t)
		}
	}
	if t := pod.TerminationGracePeriodSeconds; t != nil && *t >= 0 {
		w.TerminationGracePeriod = workload.FormatDuration(*t)
	}
}

func tolerationKey(t corev1.Toleration) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%v", t.Key, t.Operator, t.Value, t.Effect, ptr.Deref(t.TolerationSeconds, -1))
}
