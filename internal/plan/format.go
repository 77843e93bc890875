package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Format is an output format of the plan.
type Format struct {
	Name        string
	Description string
	Write       func(w io.Writer, p *Plan) error
}

// Formats are the output formats, sorted by name.
var Formats = []Format{
	{"json", "the plan as JSON, see docs/plan.md", WriteJSON},
	{"text", "tables for people", WriteText},
}

// GetFormat returns the format called name.
func GetFormat(name string) (Format, bool) {
	for _, f := range Formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// FormatNames are the formats' names.
func FormatNames() []string {
	var out []string
	for _, f := range Formats {
		out = append(out, f.Name)
	}
	return out
}

// WriteJSON writes the plan as indented JSON.
func WriteJSON(w io.Writer, p *Plan) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// hourLabel names an hour in the plan's zone, with the zone's
// abbreviation: the hour a DST change repeats reads twice, once per
// abbreviation.
func hourLabel(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }

// WriteText writes the plan as tables: the workloads, the GPU types, the
// CronJobs, the schedule hour by hour, the collisions and the notes.
func WriteText(out io.Writer, p *Plan) error {
	var b strings.Builder
	if len(p.Workloads) == 0 {
		b.WriteString("No Job or CronJob to plan.\n")
		_, err := io.WriteString(out, b.String())
		return err
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAMESPACE/NAME\tGPU TYPE\tGPUS/POD\tPODS AT PEAK\tGPUS AT PEAK\tMAX RUN")
	for _, w := range p.Workloads {
		run := "none"
		if w.MaxRunSeconds != nil {
			run = duration(*w.MaxRunSeconds)
		}
		if len(w.GPUs) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t-\t0\t%d\t0\t%s\n", w.Kind, w.Key(), w.PodsAtPeak, run)
		}
		for _, g := range w.GPUs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", w.Kind, w.Key(), g.Type, g.PerPod, w.PodsAtPeak, g.AtPeak, run)
		}
	}
	tw.Flush()

	if len(p.Totals) > 0 {
		b.WriteString("\n")
		fmt.Fprintln(tw, "GPU TYPE\tJOBS AT PEAK\tCRONJOBS HELD AT MOST\tCAPACITY")
		for _, t := range p.Totals {
			capa := "-"
			if t.Capacity != nil {
				capa = strconv.FormatInt(*t.Capacity, 10)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", t.Type, t.JobsAtPeak, t.CronJobsHeld, capa)
		}
		tw.Flush()
	}

	var crons []Workload
	for _, w := range p.Workloads {
		if w.Schedule != nil {
			crons = append(crons, w)
		}
	}
	b.WriteString("\n")
	if len(crons) == 0 {
		b.WriteString("No CronJob: nothing is scheduled.\n")
	} else {
		writeSchedule(&b, p, crons)
	}

	if len(p.Collisions) > 0 {
		b.WriteString("\nCOLLISIONS\n")
		for _, line := range collisionLines(p.Collisions) {
			b.WriteString(line + "\n")
		}
	}

	var notes []string
	for _, w := range p.Workloads {
		for _, n := range w.Notes {
			where := ""
			if n.Pos != "" {
				where = n.Pos + ": "
			}
			notes = append(notes, fmt.Sprintf("%s%s %s: %s", where, w.Kind, w.Key(), n.Message))
		}
	}
	if len(notes) > 0 {
		b.WriteString("\nNOTES\n")
		for _, n := range notes {
			b.WriteString(n + "\n")
		}
	}
	_, err := io.WriteString(out, trimLines(b.String()))
	return err
}

// trimLines drops the blanks tabwriter pads the last cells of rows with.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

func writeSchedule(b *strings.Builder, p *Plan, crons []Workload) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CRONJOB\tSCHEDULE\tTIME ZONE\tCONCURRENCY\tRUNS")
	for _, w := range crons {
		s := w.Schedule
		zone := s.TimeZone
		if s.Defaulted {
			zone += " (controller's)"
		}
		runs := strconv.Itoa(s.Runs)
		if w.Suspended {
			runs = "suspended"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", w.Key(), s.Cron, zone, s.ConcurrencyPolicy, runs)
	}
	tw.Flush()

	fmt.Fprintf(b, "\nSCHEDULE: the %s from %s, hours in %s\n", windowWords(p.To.Sub(p.From)), hourLabel(p.From), p.TimeZone)
	marks := map[string]map[int64]Collision{} // type → hour → collision
	for _, c := range p.Collisions {
		if marks[c.Type] == nil {
			marks[c.Type] = map[int64]Collision{}
		}
		marks[c.Type][c.Hour.Unix()] = c
	}
	head := []string{"HOUR"}
	for _, t := range p.ScheduleTypes {
		head = append(head, t+" START", t+" HELD")
	}
	head = append(head, "STARTING")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, h := range p.Hours {
		row := []string{hourLabel(h.Start)}
		for _, t := range p.ScheduleTypes {
			g := h.GPUs[t]
			c, hit := marks[t][h.Start.Unix()]
			row = append(row, cell(g.Starting, hit && c.Starts), cell(g.Held, hit && (c.Overlap || c.OverCapacity)))
		}
		var starts []string
		for _, s := range h.Starts {
			starts = append(starts, startWords(s))
		}
		row = append(row, strings.Join(starts, ", "))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	if len(p.ScheduleTypes) > 0 {
		b.WriteString("\nSTART: GPUs of the runs scheduled to start in the hour (concurrencyPolicy\n" +
			"Forbid skips a run while the previous one still runs). HELD: the most GPUs\n" +
			"CronJob runs hold at one instant of the hour, each run from its start until\n" +
			"its activeDeadlineSeconds (MAX RUN; all the time when it has none), runs\n" +
			"started before the window included. !: a collision, listed below.\n")
	}
}

func cell(n int64, mark bool) string {
	s := "-"
	if n > 0 {
		s = strconv.FormatInt(n, 10)
	}
	if mark {
		s += "!"
	}
	return s
}

// startWords says a CronJob's runs in an hour: its name, how many runs
// when more than one, and the first one's time where it runs, with the
// zone when its clock is not the plan's.
func startWords(s Start) string {
	out := s.Namespace + "/" + s.Name
	if s.Runs > 1 {
		out += fmt.Sprintf(" ×%d from", s.Runs)
	}
	out += " " + s.Local.Format("15:04")
	if s.Local.Format("MST -0700") != s.First.Format("MST -0700") {
		out += " " + s.TimeZone
	}
	return out
}

func windowWords(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if days := int(d / (24 * time.Hour)); days > 1 {
			return fmt.Sprintf("%d days", days)
		}
		return "24 hours"
	}
	return fmt.Sprintf("%d hours", int(d/time.Hour))
}

// collisionLines says the collisions, one line per run of consecutive
// hours with the same collision.
func collisionLines(cs []Collision) []string {
	byType := map[string][]Collision{}
	for _, c := range cs {
		byType[c.Type] = append(byType[c.Type], c)
	}
	type line struct {
		start time.Time
		typ   string
		text  string
	}
	var lines []line
	for typ, list := range byType {
		for i := 0; i < len(list); {
			j := i + 1
			for j < len(list) && list[j].Hour.Equal(list[j-1].Hour.Add(time.Hour)) && sameCollision(list[i], list[j]) {
				j++
			}
			c := list[i]
			lines = append(lines, line{c.Hour, typ, fmt.Sprintf("%s  %s: %s", hourRange(c.Hour, list[j-1].Hour.Add(time.Hour)), typ, collisionWords(c))})
			i = j
		}
	}
	sort.Slice(lines, func(i, j int) bool {
		if !lines[i].start.Equal(lines[j].start) {
			return lines[i].start.Before(lines[j].start)
		}
		return lines[i].typ < lines[j].typ
	})
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out
}

func sameCollision(a, b Collision) bool {
	return a.Starts == b.Starts && a.Overlap == b.Overlap && a.OverCapacity == b.OverCapacity &&
		a.Starting == b.Starting && a.Held == b.Held && a.MostOne == b.MostOne &&
		strings.Join(a.CronJobs, ",") == strings.Join(b.CronJobs, ",")
}

func hourRange(start, end time.Time) string {
	if end.Sub(start) == time.Hour {
		return hourLabel(start)
	}
	if start.Format("2006-01-02 MST") == end.Format("2006-01-02 MST") {
		return start.Format("2006-01-02 15:04") + "–" + end.Format("15:04 MST")
	}
	return hourLabel(start) + " – " + hourLabel(end)
}

func collisionWords(c Collision) string {
	var what []string
	if c.Starts {
		what = append(what, fmt.Sprintf("start %d GPUs in the hour", c.Starting))
	}
	if c.Overlap || c.OverCapacity {
		what = append(what, fmt.Sprintf("hold %d at once", c.Held))
	}
	s := strings.Join(c.CronJobs, ", ") + " " + strings.Join(what, " and ")
	if c.OverCapacity {
		return s + fmt.Sprintf(", more than the capacity (%d)", *c.Capacity)
	}
	return s + fmt.Sprintf(" (one alone needs at most %d)", c.MostOne)
}
