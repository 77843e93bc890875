package generators

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mljob/mljob/internal/workload"
)

// resources builds the main container's requests and limits. A request
// the workload leaves out comes from the profile: per GPU for GPU
// workloads whose GPU type says how much CPU and memory a GPU needs, else
// the profile's `resources`. Limits equal requests unless set.
func (g *gen) resources() corev1.ResourceRequirements {
	w := g.w
	r := w.Resources
	if r == nil {
		r = &workload.Resources{}
	}
	req := corev1.ResourceList{}
	lim := corev1.ResourceList{}
	defCPU, defMem := g.defaultResources()
	g.setQuantity(req, corev1.ResourceCPU, r.CPU, defCPU)
	g.setQuantity(req, corev1.ResourceMemory, r.Memory, defMem)
	g.setQuantity(req, corev1.ResourceEphemeralStorage, r.EphemeralStorage, nil)
	for name, q := range req {
		lim[name] = q.DeepCopy()
	}
	if l := r.Limits; l != nil {
		g.setQuantity(lim, corev1.ResourceCPU, l.CPU, nil)
		g.setQuantity(lim, corev1.ResourceMemory, l.Memory, nil)
		g.setQuantity(lim, corev1.ResourceEphemeralStorage, l.EphemeralStorage, nil)
		for _, f := range resourceFields {
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
	g.recordResources()
	return corev1.ResourceRequirements{Requests: req, Limits: lim}
}

var resourceFields = []struct {
	name  corev1.ResourceName
	field string
}{{corev1.ResourceCPU, "cpu"}, {corev1.ResourceMemory, "memory"}, {corev1.ResourceEphemeralStorage, "ephemeralStorage"}}

// defaultResources returns the CPU and memory requests of a workload that
// sets none: its GPU type's per GPU times the GPUs, or the profile's.
func (g *gen) defaultResources() (cpu, mem *resource.Quantity) {
	parse := func(q workload.Quantity) *resource.Quantity {
		v, err := resource.ParseQuantity(string(q))
		if err != nil {
			return nil
		}
		return &v
	}
	cpu, mem = parse(g.p.Resources.CPU), parse(g.p.Resources.Memory)
	if g.w.GPU == nil {
		return cpu, mem
	}
	t, ok := g.p.GPUType(g.w.GPU.Type)
	if !ok || t.PerGPU == nil {
		return cpu, mem
	}
	n := g.w.GPU.Count
	if q := parse(t.PerGPU.CPU); q != nil {
		cpu = resource.NewMilliQuantity(q.MilliValue()*n, resource.DecimalSI)
	}
	if q := parse(t.PerGPU.Memory); q != nil {
		mem = resource.NewQuantity(q.Value()*n, q.Format)
	}
	return cpu, mem
}

// setQuantity sets l[name] to v, or to def when v is empty. Sizes the
// language check refuses are left out: it has said why, and comparing
// them (a limit below the request) would only say it again.
func (g *gen) setQuantity(l corev1.ResourceList, name corev1.ResourceName, v workload.Quantity, def *resource.Quantity) {
	if v == "" {
		if def != nil {
			l[name] = def.DeepCopy()
		}
		return
	}
	if name != corev1.ResourceCPU && workload.CheckSize(v) != "" {
		return
	}
	if q, err := resource.ParseQuantity(string(v)); err == nil {
		l[name] = q
	}
}

func (g *gen) recordResources() {
	r := g.w.Resources
	if r == nil {
		return
	}
	cp := g.mainPath() + "."
	g.from(cp+"resources", "resources")
	type quantity struct {
		name  corev1.ResourceName
		field string
		set   bool
	}
	quantities := func(cpu, memory, ephemeral workload.Quantity) []quantity {
		return []quantity{
			{corev1.ResourceCPU, "cpu", cpu != ""},
			{corev1.ResourceMemory, "memory", memory != ""},
			{corev1.ResourceEphemeralStorage, "ephemeralStorage", ephemeral != ""},
		}
	}
	for _, q := range quantities(r.CPU, r.Memory, r.EphemeralStorage) {
		if q.set {
			g.from(cp+"resources.requests["+string(q.name)+"]", "resources."+q.field)
			g.from(cp+"resources.limits["+string(q.name)+"]", "resources."+q.field)
		}
	}
	if l := r.Limits; l != nil {
		for _, q := range quantities(l.CPU, l.Memory, l.EphemeralStorage) {
			if q.set {
				g.from(cp+"resources.limits["+string(q.name)+"]", "resources.limits."+q.field)
			}
		}
	}
}

// liftResources lifts the main container's CPU, memory and ephemeral
// storage; what it leaves out is left to the profile.
func (l *lifter) liftResources() {
	if l.main == nil {
		return
	}
	r := l.main.Resources
	out := &workload.Resources{}
	q := func(rl corev1.ResourceList, n corev1.ResourceName) workload.Quantity {
		if v, ok := rl[n]; ok {
			return workload.Quantity(v.String())
		}
		return ""
	}
	// A request left out is the limit, as the API server defaults it.
	req := corev1.ResourceList{}
	for n, v := range r.Limits {
		req[n] = v
	}
	for n, v := range r.Requests {
		req[n] = v
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
		lq, okl := r.Limits[f.n]
		rq := req[f.n]
		if okl && lq.Cmp(rq) != 0 {
			*f.dst = workload.Quantity(lq.String())
			diff = true
		}
	}
	if diff {
		out.Limits = &lim
	}
	if out.CPU == "" && out.Memory == "" && out.EphemeralStorage == "" && out.Limits == nil {
		return
	}
	l.w.Resources = out
}
