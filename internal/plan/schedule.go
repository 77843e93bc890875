package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/kubernetes/pkg/util/parsers"
)

// maxRuns bounds the runs of one CronJob that are planned (an
// "@every 1s" over a month would be millions).
const maxRuns = 100_000

// cronJob is a CronJob's schedule as the CronJob controller reads it.
type cronJob struct {
	sched cron.Schedule
	// loc is the zone runs are computed in: spec.timeZone, or the
	// controller's.
	loc    *time.Location
	policy batchv1.ConcurrencyPolicy
	// hold is the longest a run holds its pods (activeDeadlineSeconds);
	// 0 when unbounded.
	hold time.Duration
	// every is set for "@every DURATION" schedules, whose start times
	// depend on when the CronJob was created.
	every      bool
	everyDelay time.Duration
	// never is set when the schedule names no date that exists.
	never bool
	// controllerZone is set when the CronJob has no timeZone.
	controllerZone bool
}

type fieldError struct{ path, msg string }

// newCronJob parses a CronJob's schedule as kube-controller-manager does:
// formatSchedule's "TZ=<timeZone> <schedule>", then the cron library's
// standard parser (five fields and @hourly-style descriptors).
func newCronJob(cj *batchv1.CronJob, controller *time.Location) (*cronJob, *fieldError) {
	c := &cronJob{loc: controller, policy: cj.Spec.ConcurrencyPolicy, controllerZone: cj.Spec.TimeZone == nil}
	if c.policy == "" {
		c.policy = batchv1.AllowConcurrent // the API default
	}
	if d := cj.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; d != nil && *d > 0 {
		c.hold = time.Duration(*d) * time.Second
	}
	spec := cj.Spec.Schedule
	if strings.Contains(spec, "TZ") {
		// The API server refuses it on create (the controller reads it
		// only on CronJobs made before 1.27): the message is the server's.
		return nil, &fieldError{"spec.schedule", fmt.Sprintf("%q: cannot use TZ or CRON_TZ in schedule, use timeZone field instead", spec)}
	}
	if tz := cj.Spec.TimeZone; tz != nil {
		loc, err := time.LoadLocation(*tz)
		if err != nil || *tz == "" || strings.EqualFold(*tz, "Local") {
			return nil, &fieldError{"spec.timeZone", fmt.Sprintf("unknown time zone %q (want an IANA name such as \"Europe/Berlin\")", *tz)}
		}
		c.loc = loc
		spec = fmt.Sprintf("TZ=%s %s", *tz, spec)
	}
	sched, err := parsers.ParseCronScheduleWithPanicRecovery(spec)
	if err != nil {
		return nil, &fieldError{"spec.schedule", fmt.Sprintf("%q: %v", cj.Spec.Schedule, err)}
	}
	c.sched = sched
	if e, ok := sched.(cron.ConstantDelaySchedule); ok {
		c.every, c.everyDelay = true, e.Delay
	} else if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		c.never = true // e.g. "0 0 30 2 *": Next finds nothing in five years
	}
	return c, nil
}

// next is the first run after t. A CronJob without a timeZone runs at
// the controller's local time: its schedule has no zone, and the cron
// library reads it in the zone of the time it is given (the controller's
// clock).
func (c *cronJob) next(t time.Time) time.Time {
	if c.controllerZone {
		t = t.In(c.loc)
	}
	return c.sched.Next(t)
}

// runs are the start times in [start, end); an "@every" schedule runs
// every delay from anchor. Of more than maxRuns, the first ones are kept,
// or the last ones when last is set; capped says so.
func (c *cronJob) runs(start, end, anchor time.Time, last bool) (out []time.Time, capped bool) {
	if c.never {
		return nil, false
	}
	n := 0 // runs seen; out is a ring of the last maxRuns when last
	add := func(t time.Time) bool {
		switch {
		case n < maxRuns:
			out = append(out, t)
		case !last:
			capped = true
			return false
		default:
			capped = true
			out[n%maxRuns] = t
		}
		n++
		return true
	}
	if c.every {
		t := anchor
		if t.After(start) {
			t = t.Add(-((t.Sub(start) + c.everyDelay - 1) / c.everyDelay) * c.everyDelay)
		}
		for ; t.Before(end); t = t.Add(c.everyDelay) {
			if !t.Before(start) && !add(t) {
				break
			}
		}
	} else {
		// Next gives times after the one it is given, from the next
		// whole second: start itself is a run when the schedule names it.
		for t := c.next(start.Add(-time.Second)); !t.IsZero() && t.Before(end); t = c.next(t) {
			if !add(t) {
				break
			}
		}
	}
	if capped && last {
		k := n % maxRuns
		out = append(out[k:], out[:k]...)
	}
	return out, capped
}

// interval is a time a CronJob's runs hold their GPUs.
type interval struct{ start, end time.Time }

// holds are the intervals in which cron's runs hold their GPUs: each run
// from its start until its activeDeadlineSeconds (the Job controller
// then ends it); all of [from, to) when a run is not bounded. Runs of a
// CronJob that forbids or replaces concurrent runs never hold GPUs
// together: their intervals are merged.
func (c *cronJob) holds(runs []time.Time, from, to time.Time) []interval {
	if c.hold == 0 {
		return []interval{{start: from, end: to}}
	}
	var out []interval
	for _, t := range runs {
		out = append(out, interval{start: t, end: t.Add(c.hold)})
	}
	if c.policy == batchv1.AllowConcurrent {
		return out
	}
	merged := out[:0]
	for _, iv := range out {
		if n := len(merged); n > 0 && !iv.start.After(merged[n-1].end) {
			if iv.end.After(merged[n-1].end) {
				merged[n-1].end = iv.end
			}
			continue
		}
		merged = append(merged, iv)
	}
	return merged
}

// event is an interval's start or end.
type event struct {
	at    time.Time
	delta int64 // GPUs
	cron  int
	runs  int // +1 at the start, -1 at the end
}

// schedule fills in the hours of the window: the GPUs CronJob runs start
// and hold, and where CronJobs collide.
func (p *Plan) schedule(opts Options) {
	n := int(opts.Window / time.Hour)
	var crons []*Workload
	types := map[string]bool{}
	for i := range p.Workloads {
		w := &p.Workloads[i]
		if w.cron == nil || w.Suspended || w.cron.never {
			continue
		}
		crons = append(crons, w)
		for _, g := range w.GPUs {
			types[g.Type] = true
		}
	}
	p.ScheduleTypes = slices.Sorted(maps.Keys(types))
	p.Hours = make([]Hour, n)
	for i := range p.Hours {
		h := &p.Hours[i]
		h.Start = p.From.Add(time.Duration(i) * time.Hour).In(opts.TimeZone)
		h.GPUs = map[string]HourGPUs{}
		for _, t := range p.ScheduleTypes {
			h.GPUs[t] = HourGPUs{}
		}
		h.Starts = []Start{}
	}

	// Starts: runs in the window, by hour.
	starting := make([]map[string]map[int]bool, n) // hour → type → crons starting GPUs of it
	events := map[string][]event{}
	for ci, w := range crons {
		c := w.cron
		lookback := c.hold
		if lookback > MaxLookback {
			lookback = MaxLookback
		}
		// Runs before the window still hold GPUs in it until their
		// deadline; the latest ones are those that matter.
		runs, _ := c.runs(p.From.Add(-lookback), p.From, p.From, true)
		inWindow, capped := c.runs(p.From, p.To, p.From, false)
		runs = append(runs, inWindow...)
		if capped {
			w.note("spec.schedule", "more than %d runs in the window: the first %d are planned", maxRuns, maxRuns)
		}
		byHour := map[int]*Start{}
		for _, t := range runs {
			if t.Before(p.From) {
				continue
			}
			w.Schedule.Runs++
			hi := int(t.Sub(p.From) / time.Hour)
			s := byHour[hi]
			if s == nil {
				s = &Start{Namespace: w.Namespace, Name: w.Name, First: t.In(opts.TimeZone), Local: t.In(c.loc), TimeZone: c.loc.String()}
				byHour[hi] = s
			}
			s.Runs++
			for _, g := range w.GPUs {
				if g.AtPeak == 0 {
					continue // parallelism 0
				}
				if s.GPUs == nil {
					s.GPUs = map[string]int64{}
				}
				s.GPUs[g.Type] += g.AtPeak
				hg := p.Hours[hi].GPUs[g.Type]
				hg.Starting += g.AtPeak
				p.Hours[hi].GPUs[g.Type] = hg
				if starting[hi] == nil {
					starting[hi] = map[string]map[int]bool{}
				}
				if starting[hi][g.Type] == nil {
					starting[hi][g.Type] = map[int]bool{}
				}
				starting[hi][g.Type][ci] = true
			}
		}
		for hi, s := range byHour {
			p.Hours[hi].Starts = append(p.Hours[hi].Starts, *s)
		}
		if len(w.GPUs) == 0 {
			continue
		}
		ivs := c.holds(runs, p.From, p.To)
		if most := mostAtOnce(ivs); most > 1 {
			w.note("spec.concurrencyPolicy", "concurrencyPolicy Allow: runs last up to %s, so up to %d of them may hold GPUs at once", duration(int64(c.hold/time.Second)), most)
		}
		for _, iv := range ivs {
			for _, g := range w.GPUs {
				if g.AtPeak == 0 {
					continue
				}
				events[g.Type] = append(events[g.Type],
					event{at: iv.start, delta: g.AtPeak, cron: ci, runs: 1},
					event{at: iv.end, delta: -g.AtPeak, cron: ci, runs: -1})
			}
		}
	}
	for i := range p.Hours {
		sort.Slice(p.Hours[i].Starts, func(a, b int) bool {
			x, y := p.Hours[i].Starts[a], p.Hours[i].Starts[b]
			if !x.First.Equal(y.First) {
				return x.First.Before(y.First)
			}
			if x.Namespace != y.Namespace {
				return x.Namespace < y.Namespace
			}
			return x.Name < y.Name
		})
	}

	// Held: the most GPUs held at one instant of each hour, by type.
	for _, typ := range p.ScheduleTypes {
		held := sweep(events[typ], p.From, n, len(crons))
		for hi, h := range held {
			hg := p.Hours[hi].GPUs[typ]
			hg.Held = h.most
			p.Hours[hi].GPUs[typ] = hg
			c := Collision{Hour: p.Hours[hi].Start, Type: typ, Starting: hg.Starting, Held: hg.Held}
			who := map[int]bool{}
			if s := starting[hi][typ]; len(s) > 1 {
				c.Starts = true
				for ci := range s {
					who[ci] = true
				}
			}
			if len(h.together) > 1 {
				c.Overlap = true
				for ci := range h.together {
					who[ci] = true
				}
			}
			if capa, ok := opts.Capacity[typ]; ok {
				c.Capacity = &capa
				if hg.Held > capa {
					c.OverCapacity = true
					for ci := range h.atMost {
						who[ci] = true
					}
				}
			}
			if !c.Starts && !c.Overlap && !c.OverCapacity {
				continue
			}
			c.CronJobs = []string{}
			for ci := range who {
				c.CronJobs = append(c.CronJobs, crons[ci].Key())
				for _, g := range crons[ci].GPUs {
					if g.Type == typ && g.AtPeak > c.MostOne {
						c.MostOne = g.AtPeak
					}
				}
			}
			sort.Strings(c.CronJobs)
			p.Collisions = append(p.Collisions, c)
		}
	}
	sort.SliceStable(p.Collisions, func(i, j int) bool {
		a, b := p.Collisions[i], p.Collisions[j]
		if !a.Hour.Equal(b.Hour) {
			return a.Hour.Before(b.Hour)
		}
		return a.Type < b.Type
	})
}

// hourHeld is what the sweep found in one hour.
type hourHeld struct {
	most int64
	// atMost are the CronJobs holding GPUs at the instant of most;
	// together those holding GPUs at an instant when two or more do.
	atMost, together map[int]bool
}

// sweep walks the events of one GPU type in time order and returns, for
// each of the n hours from from, the most GPUs held at one instant of it.
// An interval holds GPUs from its start up to, not including, its end: a
// run that ends as another starts does not overlap it.
func sweep(evs []event, from time.Time, n, crons int) []hourHeld {
	// Events at one instant are applied together (see apply): their
	// order among themselves does not matter.
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	out := make([]hourHeld, n)
	active := make([]int, crons) // runs of each CronJob holding GPUs
	var level int64
	i := 0
	apply := func(until time.Time, strict bool) bool {
		// Applies every event at the next instant, if it is before until
		// (or at it, when not strict).
		if i >= len(evs) || evs[i].at.After(until) || strict && evs[i].at.Equal(until) {
			return false
		}
		at := evs[i].at
		for i < len(evs) && evs[i].at.Equal(at) {
			level += evs[i].delta
			active[evs[i].cron] += evs[i].runs
			i++
		}
		return true
	}
	snapshot := func(h *hourHeld) {
		var now []int
		for ci, a := range active {
			if a > 0 {
				now = append(now, ci)
			}
		}
		if level > h.most || h.atMost == nil && level > 0 {
			h.most = level
			h.atMost = map[int]bool{}
			for _, ci := range now {
				h.atMost[ci] = true
			}
		}
		if len(now) > 1 {
			if h.together == nil {
				h.together = map[int]bool{}
			}
			for _, ci := range now {
				h.together[ci] = true
			}
		}
	}
	for hi := range out {
		hs := from.Add(time.Duration(hi) * time.Hour)
		he := hs.Add(time.Hour)
		for apply(hs, false) {
		}
		h := &out[hi]
		snapshot(h)
		for apply(he, true) {
			snapshot(h)
		}
	}
	return out
}

// mostAtOnce is the most intervals that overlap at one instant.
func mostAtOnce(ivs []interval) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, iv := range ivs {
		edges = append(edges, edge{iv.start, 1}, edge{iv.end, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta
	})
	most, n := 0, 0
	for _, e := range edges {
		n += e.delta
		if n > most {
			most = n
		}
	}
	return most
}
