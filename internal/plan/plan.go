// Package plan is mljob's capacity view: from Jobs and CronJobs (typed
// objects, rendered from workloads or read from manifests) it works out
// the GPUs each one holds at peak and, for CronJobs, the GPUs that start
// and are held hour by hour, and where CronJobs collide.
//
// Everything comes from the objects, as the Kubernetes controllers will
// read them: pods at peak from parallelism and completions, GPUs per pod
// from the pod's effective requests (the scheduler's sum over containers
// and sidecars, and maximum over init containers), the GPU type from the
// pod's node selection, and run times from the CronJob controller's own
// cron parser in the CronJob's timeZone.
package plan

import (
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/workload"
)

// Input is one object to plan.
type Input struct {
	// Obj is a *batchv1.Job or a *batchv1.CronJob.
	Obj runtime.Object
	// Profile is the profile of the object's project: GPU types are
	// named after its gpuTypes. Nil for manifests.
	Profile *workload.Profile
	// PosOf, when set, says where the field at a Kubernetes field path
	// was written ("" for the object): notes and problems name it.
	PosOf func(path string) diag.Pos
}

// Options says over which hours, and how, to plan.
type Options struct {
	// From is the first hour of the schedule, truncated to the hour in
	// TimeZone; zero means now.
	From time.Time
	// Window is how long the schedule covers, in whole hours: default
	// DefaultWindow, at most MaxWindow.
	Window time.Duration
	// TimeZone is the zone hours are shown in (default UTC).
	TimeZone *time.Location
	// ControllerTimeZone is kube-controller-manager's time zone, which
	// CronJobs without spec.timeZone run in (default UTC).
	ControllerTimeZone *time.Location
	// Capacity is the GPUs of each type the cluster has; hours that hold
	// more are over capacity.
	Capacity map[string]int64
	// ExtraGPUResources are more resource names that count as GPUs (the
	// rules' extraGPUResources parameter).
	ExtraGPUResources []string
}

const (
	// DefaultWindow is the schedule's default length.
	DefaultWindow = 24 * time.Hour
	// MaxWindow is the longest schedule.
	MaxWindow = 31 * 24 * time.Hour
	// MaxLookback is how long before From runs are still counted as
	// holding GPUs: runs that started earlier are not, whatever their
	// activeDeadlineSeconds.
	MaxLookback = 35 * 24 * time.Hour
)

// Plan is the capacity view. Its JSON is `mljob plan --format json`
// (docs/plan.md).
type Plan struct {
	// From and To bound the schedule, in TimeZone.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// TimeZone is the zone hours are shown in; ControllerTimeZone the
	// one CronJobs without a timeZone are planned in.
	TimeZone           string `json:"timeZone"`
	ControllerTimeZone string `json:"controllerTimeZone"`
	// GPUTypes are the GPU types of the workloads and of Capacity,
	// sorted.
	GPUTypes []string `json:"gpuTypes"`
	// Workloads are the Jobs and CronJobs, by kind, namespace and name.
	Workloads []Workload `json:"workloads"`
	// Totals are per GPU type, in GPUTypes order.
	Totals []Total `json:"totals"`
	// ScheduleTypes are the GPU types of the CronJobs that are not
	// suspended: the keys of each hour's GPUs.
	ScheduleTypes []string `json:"scheduleTypes"`
	// Hours are every hour from From to To.
	Hours []Hour `json:"hours"`
	// Collisions are the hours where CronJobs meet on a GPU type, by
	// hour and type.
	Collisions []Collision `json:"collisions"`
	// OverCapacity is true when an hour or a workload needs more GPUs of
	// a type than its Capacity.
	OverCapacity bool `json:"overCapacity"`
}

// Workload is one Job or CronJob.
type Workload struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Source is where the object was written (file:line:col).
	Source string `json:"source,omitempty"`
	// PodsAtPeak is the most pods a run has at once: parallelism (1 when
	// unset), at most completions.
	PodsAtPeak int32 `json:"podsAtPeak"`
	// Completions and CompletionMode are the Job's, as written.
	Completions    *int32 `json:"completions,omitempty"`
	CompletionMode string `json:"completionMode,omitempty"`
	// GPUs are per GPU type, sorted by type; empty for a workload
	// without GPUs.
	GPUs []GPUs `json:"gpus"`
	// MaxRunSeconds is the Job's activeDeadlineSeconds: the longest a
	// run holds its GPUs. Null when unbounded.
	MaxRunSeconds *int64 `json:"maxRunSeconds"`
	// Suspended is spec.suspend: of the CronJob (no run starts) or the
	// Job (no pod runs until it is resumed, by Kueue for instance).
	Suspended bool `json:"suspended"`
	// Schedule is set for CronJobs.
	Schedule *Schedule `json:"schedule,omitempty"`
	// Notes say what the numbers leave out or assume.
	Notes []Note `json:"notes,omitempty"`

	cron *cronJob
	pos  func(string) diag.Pos
}

// Note is something the plan of a workload assumes or leaves out.
type Note struct {
	// Pos is where the field it is about was written (file:line:col).
	Pos     string `json:"pos,omitempty"`
	Message string `json:"message"`
}

// note adds a note about the field at path.
func (w *Workload) note(path, format string, args ...any) {
	w.Notes = append(w.Notes, Note{Pos: w.pos(path).String(), Message: fmt.Sprintf(format, args...)})
}

// Key is namespace/name.
func (w *Workload) Key() string { return w.Namespace + "/" + w.Name }

// GPUs are a workload's GPUs of one type.
type GPUs struct {
	Type string `json:"type"`
	// Resources are the resource names counted, sorted.
	Resources []string `json:"resources"`
	// PerPod is the pod's effective request; AtPeak PerPod × PodsAtPeak.
	PerPod int64 `json:"perPod"`
	AtPeak int64 `json:"atPeak"`
}

// Schedule is a CronJob's schedule.
type Schedule struct {
	Cron string `json:"cron"`
	// TimeZone is spec.timeZone, or the controller's when it has none
	// (Defaulted).
	TimeZone          string `json:"timeZone"`
	Defaulted         bool   `json:"timeZoneDefaulted,omitempty"`
	ConcurrencyPolicy string `json:"concurrencyPolicy"`
	// Runs is the number of runs that start in the window (0 when
	// suspended).
	Runs int `json:"runs"`
}

// Total is one GPU type over the workloads.
type Total struct {
	Type string `json:"type"`
	// JobsAtPeak is the sum of the Jobs' GPUs at peak: all of them
	// running at once.
	JobsAtPeak int64 `json:"jobsAtPeak"`
	// CronJobsHeld is the most GPUs CronJob runs hold at once in any
	// hour of the window.
	CronJobsHeld int64 `json:"cronJobsHeld"`
	// Capacity is Options.Capacity's, if given.
	Capacity *int64 `json:"capacity,omitempty"`
}

// Hour is one hour of the schedule.
type Hour struct {
	Start time.Time `json:"start"`
	// GPUs are by GPU type, one entry for each of ScheduleTypes.
	GPUs map[string]HourGPUs `json:"gpus"`
	// Starts are the CronJobs with runs that start in the hour, GPUs or
	// not, by first start.
	Starts []Start `json:"starts"`
}

// HourGPUs are one GPU type in one hour.
type HourGPUs struct {
	// Starting is the GPUs of the runs that start in the hour.
	Starting int64 `json:"starting"`
	// Held is the most GPUs CronJob runs hold at one instant of the
	// hour: runs count from their start until their activeDeadlineSeconds
	// (all the time without one), those started before the window too.
	Held int64 `json:"held"`
}

// Start is a CronJob's runs in one hour.
type Start struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Runs is how many runs start in the hour; First the first of them,
	// in the plan's zone, and Local the same instant in the CronJob's
	// zone.
	Runs     int       `json:"runs"`
	First    time.Time `json:"first"`
	Local    time.Time `json:"local"`
	TimeZone string    `json:"timeZone"`
	// GPUs are the GPUs the runs start, by type.
	GPUs map[string]int64 `json:"gpus,omitempty"`
}

// Collision is an hour where CronJobs meet on one GPU type.
type Collision struct {
	Hour time.Time `json:"hour"`
	Type string    `json:"type"`
	// Starts: runs of two or more CronJobs start in the hour. Overlap:
	// two or more hold GPUs at one instant of it. OverCapacity: the GPUs
	// held are more than the capacity.
	Starts       bool `json:"starts"`
	Overlap      bool `json:"overlap"`
	OverCapacity bool `json:"overCapacity"`
	// Starting and Held are the hour's; MostOne is the most one of
	// CronJobs needs (its GPUs at peak); Capacity the type's, if given.
	Starting int64  `json:"starting"`
	Held     int64  `json:"held"`
	MostOne  int64  `json:"mostOne"`
	Capacity *int64 `json:"capacity,omitempty"`
	// CronJobs are those that start or hold GPUs of the type together
	// in the hour (namespace/name), sorted.
	CronJobs []string `json:"cronJobs"`
}

// Compute plans the objects. Objects it cannot plan (a schedule the
// CronJob controller cannot parse, an unknown time zone) are problems,
// at the field's position; the plan is then nil.
func Compute(in []Input, opts Options) (*Plan, diag.List) {
	opts = opts.withDefaults()
	from := hourStart(opts.From, opts.TimeZone)
	p := &Plan{
		From:               from,
		To:                 from.Add(opts.Window),
		TimeZone:           opts.TimeZone.String(),
		ControllerTimeZone: opts.ControllerTimeZone.String(),
		GPUTypes:           []string{},
		Workloads:          []Workload{},
		Totals:             []Total{},
		ScheduleTypes:      []string{},
		Hours:              []Hour{},
		Collisions:         []Collision{},
	}
	var errs diag.List
	for _, i := range in {
		w, err := analyze(i, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.Workloads = append(p.Workloads, w)
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	sort.SliceStable(p.Workloads, func(i, j int) bool {
		a, b := &p.Workloads[i], &p.Workloads[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	p.schedule(opts)
	p.totals(opts)
	return p, nil
}

func (o Options) withDefaults() Options {
	if o.TimeZone == nil {
		o.TimeZone = time.UTC
	}
	if o.ControllerTimeZone == nil {
		o.ControllerTimeZone = time.UTC
	}
	if o.From.IsZero() {
		o.From = time.Now()
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	o.Window = o.Window.Truncate(time.Hour)
	if o.Window < time.Hour {
		o.Window = time.Hour
	}
	if o.Window > MaxWindow {
		o.Window = MaxWindow
	}
	return o
}

// hourStart is the start of t's hour in loc (zones half an hour off UTC
// included).
func hourStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return t.Add(-time.Duration(t.Minute())*time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
}

// totals sums each GPU type and checks capacities.
func (p *Plan) totals(opts Options) {
	byType := map[string]*Total{}
	total := func(typ string) *Total {
		t := byType[typ]
		if t == nil {
			t = &Total{Type: typ}
			if c, ok := opts.Capacity[typ]; ok {
				t.Capacity = &c
			}
			byType[typ] = t
		}
		return t
	}
	for i := range p.Workloads {
		w := &p.Workloads[i]
		for _, g := range w.GPUs {
			t := total(g.Type)
			if w.Kind == "Job" {
				t.JobsAtPeak += g.AtPeak
			}
			if t.Capacity != nil && g.AtPeak > *t.Capacity {
				p.OverCapacity = true
				w.note("", "needs %d %s GPUs at peak, more than the capacity (%d): its pods cannot all run at once", g.AtPeak, g.Type, *t.Capacity)
			}
		}
	}
	for typ := range opts.Capacity {
		total(typ)
	}
	for _, h := range p.Hours {
		for typ, g := range h.GPUs {
			if t := total(typ); g.Held > t.CronJobsHeld {
				t.CronJobsHeld = g.Held
			}
		}
	}
	for typ := range byType {
		p.GPUTypes = append(p.GPUTypes, typ)
	}
	sort.Strings(p.GPUTypes)
	for _, typ := range p.GPUTypes {
		p.Totals = append(p.Totals, *byType[typ])
	}
	for _, c := range p.Collisions {
		if c.OverCapacity {
			p.OverCapacity = true
		}
	}
}
