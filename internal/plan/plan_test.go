package plan

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/workload"
)

// Test objects are built by options on a one-container Job.

type option func(*batchv1.JobSpec)

func gpus(n int64) corev1.ResourceList {
	return corev1.ResourceList{"nvidia.com/gpu": *resource.NewQuantity(n, resource.DecimalSI)}
}

func mainGPUs(n int64) option {
	return func(s *batchv1.JobSpec) { s.Template.Spec.Containers[0].Resources.Limits = gpus(n) }
}

func products(values ...string) option {
	return func(s *batchv1.JobSpec) {
		s.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "nvidia.com/gpu.product", Operator: corev1.NodeSelectorOpIn, Values: values}},
			}}},
		}}
	}
}

func parallel(parallelism, completions int32, indexed bool) option {
	return func(s *batchv1.JobSpec) {
		s.Parallelism = ptr.To(parallelism)
		if completions > 0 {
			s.Completions = ptr.To(completions)
		}
		if indexed {
			s.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		}
	}
}

func deadline(d time.Duration) option {
	return func(s *batchv1.JobSpec) { s.ActiveDeadlineSeconds = ptr.To(int64(d / time.Second)) }
}

func jobSpec(opts ...option) batchv1.JobSpec {
	s := batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Containers:    []corev1.Container{{Name: "main", Image: "x:1"}},
	}}}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func job(name string, opts ...option) *batchv1.Job {
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ml"}, Spec: jobSpec(opts...)}
}

func newCron(name, schedule, zone string, policy batchv1.ConcurrencyPolicy, opts ...option) *batchv1.CronJob {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ml"}, Spec: batchv1.CronJobSpec{
		Schedule:          schedule,
		ConcurrencyPolicy: policy,
		JobTemplate:       batchv1.JobTemplateSpec{Spec: jobSpec(opts...)},
	}}
	if zone != "" {
		cj.Spec.TimeZone = ptr.To(zone)
	}
	return cj
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func compute(t *testing.T, opts Options, objs ...any) *Plan {
	t.Helper()
	var in []Input
	for _, o := range objs {
		switch o := o.(type) {
		case *batchv1.Job:
			in = append(in, Input{Obj: o})
		case *batchv1.CronJob:
			in = append(in, Input{Obj: o})
		case Input:
			in = append(in, o)
		default:
			t.Fatalf("%T", o)
		}
	}
	p, errs := Compute(in, opts)
	if errs != nil {
		t.Fatal(errs)
	}
	return p
}

func workloadNamed(t *testing.T, p *Plan, name string) Workload {
	t.Helper()
	for _, w := range p.Workloads {
		if w.Name == name {
			return w
		}
	}
	t.Fatalf("no workload %s", name)
	return Workload{}
}

// peak is a workload's pods at peak and its GPUs, as "type perPod atPeak".
func peak(t *testing.T, p *Plan, name string) (int32, []string) {
	w := workloadNamed(t, p, name)
	var out []string
	for _, g := range w.GPUs {
		out = append(out, fmt.Sprintf("%s %d %d", g.Type, g.PerPod, g.AtPeak))
	}
	return w.PodsAtPeak, out
}

func TestPodsAtPeak(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []option
		pods int32
		gpus []string
	}{
		{"single", []option{mainGPUs(2)}, 1, []string{"any 2 2"}},
		{"no-gpu", nil, 1, nil},
		// An Indexed Job (shards) runs parallelism pods at once, not
		// completions.
		{"indexed-fewer-at-once", []option{mainGPUs(1), parallel(3, 10, true)}, 3, []string{"any 1 3"}},
		// parallelism above completions: no more pods than completions.
		{"capped-by-completions", []option{mainGPUs(4), parallel(8, 2, true)}, 2, []string{"any 4 8"}},
		// A work queue: no completions, parallelism pods.
		{"work-queue", []option{mainGPUs(1), parallel(5, 0, false)}, 5, []string{"any 1 5"}},
		// A sweep: one index per trial, two at a time.
		{"sweep", []option{mainGPUs(1), parallel(2, 4, true), products("Tesla-T4")}, 2, []string{"Tesla-T4 1 2"}},
		// A multi-node training: parallelism = completions = nodes.
		{"multi-node", []option{mainGPUs(8), parallel(4, 4, true)}, 4, []string{"any 8 32"}},
		{"paused", []option{mainGPUs(8), parallel(0, 4, true)}, 0, []string{"any 8 0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := compute(t, Options{}, job(c.name, c.opts...))
			pods, got := peak(t, p, c.name)
			if pods != c.pods || !reflect.DeepEqual(got, c.gpus) {
				t.Errorf("pods %d, GPUs %q; want %d, %q", pods, got, c.pods, c.gpus)
			}
		})
	}
}

func initContainer(name string, n int64, sidecar bool) option {
	return func(s *batchv1.JobSpec) {
		c := corev1.Container{Name: name, Image: "x:1", Resources: corev1.ResourceRequirements{Limits: gpus(n)}}
		if sidecar {
			c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
		}
		s.Template.Spec.InitContainers = append(s.Template.Spec.InitContainers, c)
	}
}

func container(name string, res corev1.ResourceList) option {
	return func(s *batchv1.JobSpec) {
		s.Template.Spec.Containers = append(s.Template.Spec.Containers, corev1.Container{Name: name, Image: "x:1", Resources: corev1.ResourceRequirements{Limits: res}})
	}
}

// TestGPUsPerPod checks the pod's effective GPUs, as the scheduler counts
// them: containers and sidecars add up; an init container runs alone
// (with the sidecars started before it), so the pod needs the larger of
// the two phases.
func TestGPUsPerPod(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []option
		want int64
	}{
		{"two-containers", []option{mainGPUs(2), container("side", gpus(1))}, 3},
		{"sidecar-adds", []option{mainGPUs(2), initContainer("sidecar", 1, true)}, 3},
		{"init-larger", []option{mainGPUs(1), initContainer("warmup", 4, false)}, 4},
		{"init-smaller", []option{mainGPUs(2), initContainer("warmup", 1, false)}, 2},
		// The init container runs beside the sidecar started before it:
		// 1 + 2 = 3 while it runs, 1 + 1 after.
		{"sidecar-then-init", []option{mainGPUs(1), initContainer("sidecar", 1, true), initContainer("warmup", 2, false)}, 3},
		// A sidecar started after the init container does not run beside it.
		{"init-then-sidecar", []option{mainGPUs(1), initContainer("warmup", 2, false), initContainer("sidecar", 1, true)}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := compute(t, Options{}, job(c.name, c.opts...))
			if _, got := peak(t, p, c.name); !reflect.DeepEqual(got, []string{fmt.Sprintf("any %d %d", c.want, c.want)}) {
				t.Errorf("GPUs %q, want %d per pod", got, c.want)
			}
		})
	}
}

func TestGPUResources(t *testing.T) {
	res := func(name string, n int64) corev1.ResourceList {
		return corev1.ResourceList{corev1.ResourceName(name): *resource.NewQuantity(n, resource.DecimalSI)}
	}
	// Requests equal to limits count once.
	both := job("both", mainGPUs(2))
	both.Spec.Template.Spec.Containers[0].Resources.Requests = gpus(2)
	p := compute(t, Options{ExtraGPUResources: []string{"habana.ai/gaudi"}},
		both,
		job("amd", container("c", res("amd.com/gpu", 2))),
		job("mig", container("c", res("nvidia.com/mig-1g.5gb", 7)), products("NVIDIA-A100-SXM4-40GB")),
		job("intel-shares", container("c", res("gpu.intel.com/i915", 1)), container("d", res("gpu.intel.com/millicores", 500))),
		job("gaudi", container("c", res("habana.ai/gaudi", 8))),
		job("not-gpu", container("c", res("example.com/fpga", 1))),
	)
	for name, want := range map[string][]string{
		"both":         {"any 2 2"},
		"amd":          {"amd.com/gpu 2 2"},
		"mig":          {"nvidia.com/mig-1g.5gb:NVIDIA-A100-SXM4-40GB 7 7"},
		"intel-shares": {"gpu.intel.com/i915 1 1"},
		"gaudi":        {"habana.ai/gaudi 8 8"},
		"not-gpu":      nil,
	} {
		if _, got := peak(t, p, name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: GPUs %q, want %q", name, got, want)
		}
	}
}

// testProfile has GPU types as the built-in profile does: a100's
// products include a100-80gb's.
func testProfile() *workload.Profile {
	p := &workload.Profile{
		DefaultGPU: workload.GPUType{Resource: "nvidia.com/gpu", NodeSelector: map[string]string{"nvidia.com/gpu.present": "true"}},
		GPUTypes: map[string]workload.GPUType{
			"a100":      {Resource: "nvidia.com/gpu", Products: []string{"NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-SXM4-80GB"}},
			"a100-80gb": {Resource: "nvidia.com/gpu", Products: []string{"NVIDIA-A100-SXM4-80GB"}},
			"pool-b":    {Resource: "nvidia.com/gpu", NodeSelector: map[string]string{"pool": "b"}},
			"gke-t4":    {Resource: "nvidia.com/gpu", ProductLabel: "cloud.google.com/gke-accelerator", Products: []string{"nvidia-tesla-t4"}},
		},
	}
	return p
}

func TestGPUType(t *testing.T) {
	nodeSelector := func(kv ...string) option {
		return func(s *batchv1.JobSpec) {
			s.Template.Spec.NodeSelector = map[string]string{}
			for i := 0; i < len(kv); i += 2 {
				s.Template.Spec.NodeSelector[kv[i]] = kv[i+1]
			}
		}
	}
	for _, c := range []struct {
		name    string
		opts    []option
		profile bool
		want    string
	}{
		{"a100", []option{products("NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-SXM4-40GB")}, true, "a100"},
		{"a100-80gb", []option{products("NVIDIA-A100-SXM4-80GB")}, true, "a100-80gb"},
		{"pool", []option{nodeSelector("pool", "b", "zone", "x")}, true, "pool-b"},
		{"gke", []option{nodeSelector("cloud.google.com/gke-accelerator", "nvidia-tesla-t4")}, true, "gke-t4"},
		{"default-gpu", []option{nodeSelector("nvidia.com/gpu.present", "true")}, true, "any"},
		// Products no profile type has: the products.
		{"unknown-products", []option{products("NVIDIA-H100-NVL", "NVIDIA-H100-80GB-HBM3")}, true, "NVIDIA-H100-80GB-HBM3,NVIDIA-H100-NVL"},
		// Without a profile, the product label's values.
		{"no-profile", []option{products("NVIDIA-A100-SXM4-80GB")}, false, "NVIDIA-A100-SXM4-80GB"},
		{"no-profile-selector", []option{nodeSelector("nvidia.com/gpu.product", "NVIDIA-L4")}, false, "NVIDIA-L4"},
		{"no-profile-gke", []option{nodeSelector("cloud.google.com/gke-accelerator", "nvidia-l4")}, false, "nvidia-l4"},
		// nodeSelector and affinity together: both must hold.
		{"both", []option{products("NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-SXM4-40GB"), nodeSelector("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-80GB")}, true, "a100-80gb"},
		{"unconstrained", nil, true, "any"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Obj: job(c.name, append([]option{mainGPUs(1)}, c.opts...)...)}
			if c.profile {
				in.Profile = testProfile()
			}
			p := compute(t, Options{}, in)
			if _, got := peak(t, p, c.name); !reflect.DeepEqual(got, []string{c.want + " 1 1"}) {
				t.Errorf("GPUs %q, want type %s", got, c.want)
			}
		})
	}
	// Terms are ORed: one without a product constraint allows any GPU.
	j := job("or", mainGPUs(1), products("NVIDIA-L4"))
	terms := &j.Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	*terms = append(*terms, corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "pool", Operator: corev1.NodeSelectorOpExists}}})
	if _, got := peak(t, compute(t, Options{}, j), "or"); !reflect.DeepEqual(got, []string{"any 1 1"}) {
		t.Errorf("ORed terms: GPUs %q, want any", got)
	}
}

// starts are the hours (UTC, "01-02 15:04") where some CronJob starts,
// with who: "ml/a ml/b".
func starts(p *Plan) map[string]string {
	out := map[string]string{}
	for _, h := range p.Hours {
		var who []string
		for _, s := range h.Starts {
			w := s.Name
			if s.Runs > 1 {
				w += fmt.Sprintf("×%d", s.Runs)
			}
			who = append(who, w)
		}
		if len(who) > 0 {
			out[h.Start.UTC().Format("01-02 15:04")] = strings.Join(who, " ")
		}
	}
	return out
}

// collisions are the collisions as "01-02 15:04 type kinds gpus".
func collisions(p *Plan) []string {
	var out []string
	for _, c := range p.Collisions {
		var kinds []string
		for _, k := range []struct {
			on   bool
			name string
		}{{c.Starts, "starts"}, {c.Overlap, "overlap"}, {c.OverCapacity, "capacity"}} {
			if k.on {
				kinds = append(kinds, k.name)
			}
		}
		out = append(out, fmt.Sprintf("%s %s %s %d/%d %s", c.Hour.UTC().Format("01-02 15:04"), c.Type, strings.Join(kinds, ","), c.Starting, c.Held, strings.Join(c.CronJobs, " ")))
	}
	return out
}

// The Done-when case: a CronJob at 02:00 in Berlin and one at 20:00 in New
// York start their GPUs in the same UTC hour: 01:00 in winter (CET is
// UTC+1, EST UTC-5), 00:00 in summer; between the US change (8 March 2026)
// and the European one (29 March 2026) they are an hour apart.
func TestTwoTimeZones(t *testing.T) {
	berlin := newCron("berlin", "0 2 * * *", "Europe/Berlin", batchv1.ForbidConcurrent, mainGPUs(8), products("NVIDIA-H100-80GB-HBM3"), deadline(30*time.Minute))
	newYork := newCron("new-york", "0 20 * * *", "America/New_York", batchv1.ForbidConcurrent, mainGPUs(4), parallel(2, 2, true), products("NVIDIA-H100-80GB-HBM3"), deadline(30*time.Minute))
	for _, c := range []struct {
		name, from string
		window     time.Duration
		starts     map[string]string
		collisions []string
	}{
		{"winter", "2026-01-10T00:00:00Z", 24 * time.Hour,
			map[string]string{"01-10 01:00": "berlin new-york"},
			[]string{"01-10 01:00 NVIDIA-H100-80GB-HBM3 starts,overlap 16/16 ml/berlin ml/new-york"}},
		{"summer", "2026-07-10T00:00:00Z", 24 * time.Hour,
			map[string]string{"07-10 00:00": "berlin new-york"},
			[]string{"07-10 00:00 NVIDIA-H100-80GB-HBM3 starts,overlap 16/16 ml/berlin ml/new-york"}},
		// The US moves to EDT on Sunday 8 March at 02:00: New York's
		// 20:00 of 7 March is still EST (01:00 UTC on the 8th), that of
		// the 8th is EDT (00:00 UTC on the 9th), an hour before Berlin.
		{"us-dst", "2026-03-07T00:00:00Z", 72 * time.Hour,
			map[string]string{
				"03-07 01:00": "berlin new-york",
				"03-08 01:00": "berlin new-york",
				"03-09 00:00": "new-york", "03-09 01:00": "berlin",
			},
			[]string{
				"03-07 01:00 NVIDIA-H100-80GB-HBM3 starts,overlap 16/16 ml/berlin ml/new-york",
				"03-08 01:00 NVIDIA-H100-80GB-HBM3 starts,overlap 16/16 ml/berlin ml/new-york",
			}},
		// Europe moves to CEST on Sunday 29 March: 02:00 does not exist
		// in Berlin that day, and the CronJob controller's cron library
		// skips the day; from the 30th Berlin's 02:00 is 00:00 UTC again,
		// with New York's 20:00 EDT.
		{"eu-dst", "2026-03-28T00:00:00Z", 72 * time.Hour,
			map[string]string{
				"03-28 00:00": "new-york", "03-28 01:00": "berlin",
				"03-29 00:00": "new-york",
				"03-30 00:00": "berlin new-york",
			},
			[]string{"03-30 00:00 NVIDIA-H100-80GB-HBM3 starts,overlap 16/16 ml/berlin ml/new-york"}},
		// Europe back to CET on 25 October: 02:00 happens twice in
		// Berlin and the CronJob runs twice (kubernetes/kubernetes#121594),
		// at 00:00 and 01:00 UTC; New York is still on EDT (00:00 UTC).
		{"eu-fall-back", "2026-10-24T00:00:00Z", 48 * time.Hour,
			map[string]string{
				"10-24 00:00": "berlin new-york",
				"10-25 00:00": "berlin new-york", "10-25 01:00": "berlin",
			},
			[]string{
				"10-24 00:00 NVIDIA-H100-80GB-HBM3 starts,overlap 16/16 ml/berlin ml/new-york",
				"10-25 00:00 NVIDIA-H100-80GB-HBM3 starts,overlap 16/16 ml/berlin ml/new-york",
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := compute(t, Options{From: mustTime(t, c.from), Window: c.window}, berlin, newYork)
			if got := starts(p); !reflect.DeepEqual(got, c.starts) {
				t.Errorf("starts:\n got %v\nwant %v", got, c.starts)
			}
			if got := collisions(p); !reflect.DeepEqual(got, c.collisions) {
				t.Errorf("collisions:\n got %q\nwant %q", got, c.collisions)
			}
		})
	}
}

// TestHeld checks that runs hold their GPUs until their
// activeDeadlineSeconds: two CronJobs whose starts are an hour apart
// still hold GPUs together, and a run from before the window holds GPUs
// in its first hours.
func TestHeld(t *testing.T) {
	from := mustTime(t, "2026-03-10T00:00:00Z")
	berlin := newCron("berlin", "0 2 * * *", "Europe/Berlin", batchv1.ForbidConcurrent, mainGPUs(8), deadline(3*time.Hour))
	newYork := newCron("new-york", "0 20 * * *", "America/New_York", batchv1.ForbidConcurrent, mainGPUs(8), deadline(3*time.Hour))
	late := newCron("late", "0 23 * * *", "Etc/UTC", batchv1.ForbidConcurrent, mainGPUs(2), deadline(6*time.Hour))
	p := compute(t, Options{From: from, Window: 6 * time.Hour}, berlin, newYork, late)
	var held []string
	for _, h := range p.Hours {
		held = append(held, fmt.Sprintf("%d/%d", h.GPUs["any"].Starting, h.GPUs["any"].Held))
	}
	// 00:00 New York starts (8) beside late's run of 23:00 (2); 01:00
	// Berlin starts (8 more); New York ends at 03:00, late at 05:00,
	// Berlin at 04:00.
	want := []string{"8/10", "8/18", "0/18", "0/10", "0/2", "0/0"}
	if !reflect.DeepEqual(held, want) {
		t.Errorf("starting/held by hour = %q, want %q", held, want)
	}
	if got, want := collisions(p), []string{
		"03-10 00:00 any overlap 8/10 ml/late ml/new-york",
		"03-10 01:00 any overlap 8/18 ml/berlin ml/late ml/new-york",
		"03-10 02:00 any overlap 0/18 ml/berlin ml/late ml/new-york",
		"03-10 03:00 any overlap 0/10 ml/berlin ml/late",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("collisions:\n got %q\nwant %q", got, want)
	}
	// Capacity: 16 GPUs are not enough at 01:00 and 02:00.
	p = compute(t, Options{From: from, Window: 6 * time.Hour, Capacity: map[string]int64{"any": 16}}, berlin, newYork, late)
	if !p.OverCapacity {
		t.Error("not over capacity")
	}
	var over []string
	for _, c := range p.Collisions {
		if c.OverCapacity {
			over = append(over, c.Hour.UTC().Format("15:04")+" "+strings.Join(c.CronJobs, " "))
		}
	}
	if want := []string{"01:00 ml/berlin ml/late ml/new-york", "02:00 ml/berlin ml/late ml/new-york"}; !reflect.DeepEqual(over, want) {
		t.Errorf("over capacity: %q, want %q", over, want)
	}
	if p.Totals[0].CronJobsHeld != 18 {
		t.Errorf("totals: %+v", p.Totals)
	}
}

// TestConcurrency: runs every 30 minutes lasting up to 2 hours hold 4
// runs' GPUs at once when the CronJob allows concurrent runs, one run's
// when it forbids or replaces them.
func TestConcurrency(t *testing.T) {
	from := mustTime(t, "2026-05-01T12:00:00Z")
	for _, c := range []struct {
		policy batchv1.ConcurrencyPolicy
		held   int64
		note   bool
	}{
		{batchv1.AllowConcurrent, 4, true},
		{"", 4, true}, // the API default is Allow
		{batchv1.ForbidConcurrent, 1, false},
		{batchv1.ReplaceConcurrent, 1, false},
	} {
		cj := newCron("c", "*/30 * * * *", "Etc/UTC", c.policy, mainGPUs(1), deadline(2*time.Hour))
		p := compute(t, Options{From: from, Window: 3 * time.Hour}, cj)
		for _, h := range p.Hours {
			if g := h.GPUs["any"]; g.Held != c.held || g.Starting != 2 {
				t.Errorf("%q: %s: %+v, want 2 starting, %d held", c.policy, h.Start.Format("15:04"), g, c.held)
			}
		}
		w := p.Workloads[0]
		if hasNote := strings.Contains(notesText(w), "up to 4 of them"); hasNote != c.note {
			t.Errorf("%q: notes %q", c.policy, w.Notes)
		}
		if w.Schedule.Runs != 6 {
			t.Errorf("%q: %d runs, want 6", c.policy, w.Schedule.Runs)
		}
		// One CronJob alone never collides.
		if len(p.Collisions) != 0 {
			t.Errorf("%q: collisions %q", c.policy, collisions(p))
		}
	}
}

func TestUnbounded(t *testing.T) {
	from := mustTime(t, "2026-05-01T00:00:00Z")
	cj := newCron("weekly", "0 3 * * 0", "Etc/UTC", batchv1.ForbidConcurrent, mainGPUs(2))
	p := compute(t, Options{From: from, Window: 24 * time.Hour}, cj)
	for _, h := range p.Hours {
		if g := h.GPUs["any"]; g.Held != 2 || g.Starting != 0 {
			t.Fatalf("%s: %+v, want held 2 all the time", h.Start.Format("15:04"), g)
		}
	}
	if w := p.Workloads[0]; w.Schedule.Runs != 0 || !strings.Contains(notesText(w), "no activeDeadlineSeconds") {
		t.Errorf("%+v", w)
	}
}

func TestMacros(t *testing.T) {
	from := mustTime(t, "2026-05-01T00:00:00Z")
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	p := compute(t, Options{From: from, Window: 24 * time.Hour, TimeZone: kolkata},
		newCron("hourly", "@hourly", "Asia/Kolkata", batchv1.ForbidConcurrent, mainGPUs(1), deadline(time.Hour)),
		newCron("daily", "@daily", "America/New_York", batchv1.ForbidConcurrent, mainGPUs(1), deadline(time.Hour)),
		newCron("every", "@every 90m", "", batchv1.ForbidConcurrent, deadline(time.Hour)),
	)
	// Hours are whole hours in Kolkata (UTC+05:30): the window starts at
	// 05:00 IST, 23:30 UTC of the day before.
	if got := p.From.Format(time.RFC3339); got != "2026-05-01T05:00:00+05:30" {
		t.Errorf("from %s", got)
	}
	if len(p.Hours) != 24 {
		t.Fatalf("%d hours", len(p.Hours))
	}
	for _, h := range p.Hours {
		var hourly *Start
		for i, s := range h.Starts {
			if s.Name == "hourly" {
				hourly = &h.Starts[i]
			}
		}
		if hourly == nil || hourly.Runs != 1 || hourly.Local.Minute() != 0 || !hourly.First.Equal(h.Start) {
			t.Errorf("%s: @hourly %+v", h.Start, hourly)
		}
	}
	// @daily in New York (EDT, UTC-4) is 04:00 UTC, 09:30 in Kolkata.
	if w := workloadNamed(t, p, "daily"); w.Schedule.Runs != 1 {
		t.Errorf("@daily: %d runs", w.Schedule.Runs)
	}
	for _, h := range p.Hours {
		for _, s := range h.Starts {
			if s.Name == "daily" && s.First.Format("15:04") != "09:30" {
				t.Errorf("@daily starts at %s", s.First.Format(time.RFC3339))
			}
		}
	}
	// @every 90m: 16 runs in 24 hours, counted from the window's start.
	if w := workloadNamed(t, p, "every"); w.Schedule.Runs != 16 || !strings.Contains(w.Notes[len(w.Notes)-1].Message, "@every") {
		t.Errorf("@every: %d runs, notes %q", w.Schedule.Runs, w.Notes)
	}
}

func TestControllerTimeZone(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	cj := newCron("no-zone", "0 9 * * *", "", batchv1.ForbidConcurrent, mainGPUs(1), deadline(time.Hour))
	p := compute(t, Options{From: mustTime(t, "2026-05-01T00:00:00Z"), ControllerTimeZone: tokyo}, cj)
	if got := starts(p); !reflect.DeepEqual(got, map[string]string{"05-01 00:00": "no-zone"}) {
		t.Errorf("starts %v, want 09:00 Tokyo = 00:00 UTC", got)
	}
	w := p.Workloads[0]
	if !w.Schedule.Defaulted || w.Schedule.TimeZone != "Asia/Tokyo" || !strings.Contains(w.Notes[0].Message, "planned as Asia/Tokyo") {
		t.Errorf("%+v %q", w.Schedule, w.Notes)
	}
}

func TestSuspendedAndNever(t *testing.T) {
	from := mustTime(t, "2026-05-01T00:00:00Z")
	off := newCron("off", "0 2 * * *", "Etc/UTC", batchv1.ForbidConcurrent, mainGPUs(8), deadline(time.Hour))
	off.Spec.Suspend = ptr.To(true)
	never := newCron("never", "0 0 30 2 *", "Etc/UTC", batchv1.ForbidConcurrent, mainGPUs(8))
	on := newCron("on", "0 2 * * *", "Etc/UTC", batchv1.ForbidConcurrent, mainGPUs(8), deadline(time.Hour))
	p := compute(t, Options{From: from}, off, never, on)
	if got := starts(p); !reflect.DeepEqual(got, map[string]string{"05-01 02:00": "on"}) {
		t.Errorf("starts %v", got)
	}
	if len(p.Collisions) != 0 {
		t.Errorf("collisions %q", collisions(p))
	}
	if w := workloadNamed(t, p, "off"); !w.Suspended || !strings.Contains(w.Notes[0].Message, "suspended") {
		t.Errorf("%+v", w)
	}
	if w := workloadNamed(t, p, "never"); !strings.Contains(notesText(w), "never fires") {
		t.Errorf("%+v", w)
	}
	if g := p.Hours[5].GPUs["any"]; g.Held != 0 {
		t.Errorf("a schedule that never fires holds %d GPUs", g.Held)
	}
	// A CronJob with parallelism 0 starts runs of no pods: no collision.
	paused := newCron("paused", "0 2 * * *", "Etc/UTC", batchv1.ForbidConcurrent, mainGPUs(8), parallel(0, 1, false), deadline(time.Hour))
	p = compute(t, Options{From: from}, on, paused)
	if len(p.Collisions) != 0 || p.Hours[2].GPUs["any"].Starting != 8 {
		t.Errorf("collisions %q, hour 2 %+v", collisions(p), p.Hours[2].GPUs)
	}
}

func TestKueueNote(t *testing.T) {
	j := job("queued", mainGPUs(8))
	j.Labels = map[string]string{QueueLabel: "team-a"}
	j.Spec.Suspend = ptr.To(true)
	p := compute(t, Options{}, j)
	if w := p.Workloads[0]; len(w.Notes) != 1 || !strings.Contains(w.Notes[0].Message, "Kueue (queue team-a)") {
		t.Errorf("notes %q", w.Notes)
	}
}

func TestProblems(t *testing.T) {
	pos := func(path string) diag.Pos {
		return diag.Pos{File: "cj.yaml", Line: map[string]int{"spec.schedule": 7, "spec.timeZone": 8}[path]}
	}
	for _, c := range []struct {
		schedule, zone, want string
	}{
		{"TZ=Europe/Berlin 0 2 * * *", "", `cj.yaml:7: CronJob c: spec.schedule: "TZ=Europe/Berlin 0 2 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`},
		{"CRON_TZ=UTC 0 2 * * *", "", `cj.yaml:7: CronJob c: spec.schedule: "CRON_TZ=UTC 0 2 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`},
		{"0 2 * * *", "Europe/Berlim", `cj.yaml:8: CronJob c: spec.timeZone: unknown time zone "Europe/Berlim" (want an IANA name such as "Europe/Berlin")`},
		{"0 25 * * *", "", `cj.yaml:7: CronJob c: spec.schedule: "0 25 * * *": end of range (25) above maximum (23): 25`},
		{"@fortnightly", "", `cj.yaml:7: CronJob c: spec.schedule: "@fortnightly": unrecognized descriptor: @fortnightly`},
	} {
		_, errs := Compute([]Input{{Obj: newCron("c", c.schedule, c.zone, ""), PosOf: pos}}, Options{})
		if errs.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.schedule, errs, c.want)
		}
	}
}

func TestWindowAndFrom(t *testing.T) {
	p := compute(t, Options{From: mustTime(t, "2026-05-01T10:42:13Z"), Window: 7 * 24 * time.Hour})
	if got := p.From.Format(time.RFC3339) + " " + p.To.Format(time.RFC3339); got != "2026-05-01T10:00:00Z 2026-05-08T10:00:00Z" || len(p.Hours) != 168 {
		t.Errorf("%s, %d hours", got, len(p.Hours))
	}
	// Hours in a zone with DST: the repeated hour is two rows.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	p = compute(t, Options{From: mustTime(t, "2026-10-25T00:00:00+02:00"), Window: 4 * time.Hour, TimeZone: berlin})
	var labels []string
	for _, h := range p.Hours {
		labels = append(labels, hourLabel(h.Start))
	}
	if want := []string{"2026-10-25 00:00 CEST", "2026-10-25 01:00 CEST", "2026-10-25 02:00 CEST", "2026-10-25 02:00 CET"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("hours %q, want %q", labels, want)
	}
}

func notesText(w Workload) string {
	var out []string
	for _, n := range w.Notes {
		out = append(out, n.Message)
	}
	return strings.Join(out, "\n")
}

// TestBackToBack: a run that ends as the next starts does not overlap
// it, even when runs may overlap (Allow).
func TestBackToBack(t *testing.T) {
	cj := newCron("hourly", "@hourly", "Etc/UTC", batchv1.AllowConcurrent, mainGPUs(4), deadline(time.Hour))
	p := compute(t, Options{From: mustTime(t, "2026-05-01T00:00:00Z"), Window: 3 * time.Hour}, cj)
	for _, h := range p.Hours {
		if g := h.GPUs["any"]; g.Held != 4 || g.Starting != 4 {
			t.Errorf("%s: %+v, want 4 starting and 4 held", h.Start.Format("15:04"), g)
		}
	}
	if notes := notesText(p.Workloads[0]); notes != "" {
		t.Errorf("notes %q", notes)
	}
	// Two CronJobs: one ends at 02:30 as the other starts.
	a := newCron("a", "30 2 * * *", "Etc/UTC", batchv1.ForbidConcurrent, mainGPUs(4), deadline(time.Hour))
	b := newCron("b", "30 1 * * *", "Etc/UTC", batchv1.ForbidConcurrent, mainGPUs(4), deadline(time.Hour))
	p = compute(t, Options{From: mustTime(t, "2026-05-01T00:00:00Z"), Window: 4 * time.Hour}, a, b)
	var held []int64
	for _, h := range p.Hours {
		held = append(held, h.GPUs["any"].Held)
	}
	if !reflect.DeepEqual(held, []int64{0, 4, 4, 4}) || len(p.Collisions) != 0 {
		t.Errorf("held %v, collisions %q; want 0 4 4 4 and none", held, collisions(p))
	}
}

// TestManyRuns: an "@every 1s" CronJob has millions of runs in a week;
// the first are planned, with a note, and runs before the window that
// still hold GPUs are the latest ones.
func TestManyRuns(t *testing.T) {
	cj := newCron("busy", "@every 1s", "Etc/UTC", batchv1.AllowConcurrent, mainGPUs(1), deadline(2*time.Second))
	p := compute(t, Options{From: mustTime(t, "2026-05-01T00:00:00Z"), Window: 7 * 24 * time.Hour}, cj)
	w := p.Workloads[0]
	if w.Schedule.Runs != maxRuns || !strings.Contains(notesText(w), "more than 100000 runs in the window") {
		t.Errorf("%d runs, notes %q", w.Schedule.Runs, notesText(w))
	}
	// Two runs at once (each lasts 2 s) from the first instant: the run
	// of the second before the window is counted.
	if g := p.Hours[0].GPUs["any"]; g.Held != 2 || g.Starting != 3600 {
		t.Errorf("first hour %+v, want 3600 starting, 2 held", g)
	}
}

func TestRunsKeepsLast(t *testing.T) {
	c, err := newCronJob(newCron("busy", "@every 1s", "Etc/UTC", ""), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	end := mustTime(t, "2026-05-01T00:00:00Z")
	runs, capped := c.runs(end.Add(-2*maxRuns*time.Second-500*time.Millisecond), end, end, true)
	if !capped || len(runs) != maxRuns || !runs[0].Equal(end.Add(-maxRuns*time.Second)) || !runs[len(runs)-1].Equal(end.Add(-time.Second)) {
		t.Fatalf("capped %v, %d runs from %s to %s", capped, len(runs), runs[0], runs[len(runs)-1])
	}
	for i := 1; i < len(runs); i++ {
		if !runs[i].After(runs[i-1]) {
			t.Fatalf("runs out of order at %d", i)
		}
	}
}
