package generators

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mljob/mljob/internal/workload"
)

// gpu adds the GPUs to the main container's limits (GPUs are extended
// resources: scheduled by limits). The nodes are selected, and their
// taints tolerated, in scheduling.go.
func (g *gen) gpu(c *corev1.Container) {
	w := g.w
	if w.GPU == nil {
		return
	}
	gt, ok := g.p.GPUType(w.GPU.Type)
	if !ok {
		return // the language check has said so
	}
	res := corev1.ResourceName(gt.Resource)
	c.Resources.Limits[res] = *resource.NewQuantity(w.GPU.Count, resource.DecimalSI)
	g.from(g.mainPath()+".resources.limits["+string(res)+"]", "gpu.count")
}

// gpuField is the workload field that GPU node selection comes from.
func (g *gen) gpuField() string {
	if g.w.GPU != nil && g.w.GPU.Type != "" {
		return "gpu.type"
	}
	return "gpu"
}

// gpuPlacement selects the GPU type's nodes: its node labels, its taints
// tolerated, and a required node affinity on its product label.
func (g *gen) gpuPlacement(pod *corev1.PodSpec, nodeSel map[string]string, tols []tolerationFrom) []tolerationFrom {
	w := g.w
	if w.GPU == nil {
		return tols
	}
	gt, ok := g.p.GPUType(w.GPU.Type)
	if !ok {
		return tols
	}
	field := g.gpuField()
	g.mergeSelector(nodeSel, gt.NodeSelector, field)
	tols = addTolerations(tols, field, gt.Tolerations)
	if len(gt.Products) > 0 {
		g.from(g.podPath+".affinity", field)
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
	return tols
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

// liftGPU lifts the main container's GPUs: the profile GPU type whose node
// selection the pod uses, or the default kind. An unknown kind of GPU is
// left to overrides.
func (l *lifter) liftGPU() {
	count, res := gpuCount(l.main)
	if count == 0 {
		return
	}
	pod, p := l.t.Spec, l.p
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
	for _, n := range slices.Sorted(maps.Keys(p.GPUTypes)) {
		t := p.GPUTypes[n]
		if t.Resource != res {
			continue
		}
		if len(t.Products) > 0 && reflect.DeepEqual(products[t.ProductLabel], t.Products) ||
			len(t.Products) == 0 && len(t.NodeSelector) > 0 && subset(t.NodeSelector, pod.NodeSelector) {
			l.w.GPU = &workload.GPU{Count: count, Type: n}
			return
		}
	}
	if p.DefaultGPU.Resource == res {
		l.w.GPU = &workload.GPU{Count: count}
	}
}

func subset(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
