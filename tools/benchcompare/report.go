package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

type runOptions struct {
	out, mljob, peers string
	rounds            int
	large             bool
	only              string
}

// measureAll checks the peers, then runs every operation's two sides in
// rounds: A B in odd rounds, B A in even ones, so that a trend in the
// machine's load (other builds) falls on both sides alike. A side shared by
// several rows (mljob lint of 1,000 CUE workloads) is run once a round.
func measureAll(o runOptions) error {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	c := commands{
		mljob:       abs(o.mljob),
		cue:         abs(filepath.Join(o.peers, "cue")),
		kubeconform: abs(filepath.Join(o.peers, "kubeconform")),
		conftest:    abs(filepath.Join(o.peers, "conftest")),
		out:         o.out,
	}
	if err := os.MkdirAll(filepath.Join(o.out, tmpDir), 0o755); err != nil {
		return err
	}
	all, err := operations(c)
	if err != nil {
		return err
	}
	var ops []op
	for _, p := range all {
		if (p.large && !o.large) || !strings.Contains(p.name+" vs "+p.peer, o.only) {
			continue
		}
		ops = append(ops, p)
	}
	if len(ops) == 0 {
		return fmt.Errorf("no operation matches -only %q", o.only)
	}

	fmt.Printf("mljob bench-compare: %d rounds, %s, GOMAXPROCS=%d, %d CPUs\n", o.rounds, time.Now().UTC().Format("2006-01-02"), runtime.GOMAXPROCS(0), runtime.NumCPU())
	if wrapperCost, err = calibrate(o.out); err != nil {
		return err
	}
	fmt.Printf("load average at start: %s\n", loadAvg())
	fmt.Printf("each command runs under %s for its peak RSS; its cost (%.1f ms CPU, %.1f ms wall) is subtracted\n",
		timeBin, float64(wrapperCost.cpu.Microseconds())/1000, float64(wrapperCost.wall.Microseconds())/1000)
	for _, v := range versions(c) {
		fmt.Println(v)
	}
	fmt.Println()
	if o.only == "" {
		if err := checkPeers(c); err != nil {
			return err
		}
		fmt.Println()
	}

	// Untimed set-up (the output directory that --check compares with),
	// and one run of each small command so that binaries and corpora are
	// in the page cache.
	warm := map[string]bool{}
	for _, p := range ops {
		if p.setup != nil {
			if _, err := measure(o.out, *p.setup); err != nil {
				return err
			}
		}
		for _, s := range []side{p.mljob, p.other} {
			if !p.large && !warm[s.key()] {
				warm[s.key()] = true
				if _, err := measure(o.out, s); err != nil {
					return err
				}
			}
		}
	}

	results := make([]map[string]sample, o.rounds)
	for r := range results {
		start := time.Now()
		results[r] = map[string]sample{}
		for _, p := range ops {
			sides := []side{p.mljob, p.other}
			if r%2 == 1 {
				sides[0], sides[1] = sides[1], sides[0]
			}
			for _, s := range sides {
				if _, done := results[r][s.key()]; done {
					continue
				}
				smp, err := measure(o.out, s)
				if err != nil {
					return err
				}
				results[r][s.key()] = smp
				logf("round %d/%d: %.2fs cpu %.2fs wall %4d MiB  %s", r+1, o.rounds, smp.cpu.Seconds(), smp.wall.Seconds(), smp.rss/1024, shortKey(s))
			}
		}
		logf("round %d/%d done in %.0fs", r+1, o.rounds, time.Since(start).Seconds())
	}

	fmt.Printf("load average at end: %s\n\n", loadAvg())
	printTables(os.Stdout, ops, results, o.rounds)
	fmt.Printf("\n## commands (in %s)\n\n", o.out)
	seen := map[string]bool{}
	for _, p := range ops {
		for _, s := range []side{p.mljob, p.other} {
			if k := shortKey(s); !seen[k] {
				seen[k] = true
				fmt.Println("  " + k)
			}
		}
	}
	return nil
}

// shortKey is a side's command lines, binaries without their directory
// and long lists of .cue files as DIR/*.cue.
func shortKey(s side) string {
	var parts []string
	for _, st := range s.steps {
		args := []string{filepath.Base(st.args[0])}
		for i := 1; i < len(st.args); i++ {
			a := st.args[i]
			dir := filepath.Dir(a)
			j := i
			for j+1 < len(st.args) && strings.HasSuffix(st.args[j+1], ".cue") && filepath.Dir(st.args[j+1]) == dir {
				j++
			}
			if strings.HasSuffix(a, ".cue") && j-i >= 2 {
				args = append(args, dir+"/*.cue")
				i = j
				continue
			}
			args = append(args, a)
		}
		line := strings.Join(args, " ")
		if st.stdout != "" {
			line += " > " + st.stdout
		}
		parts = append(parts, line)
	}
	return strings.Join(parts, "; ")
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func versions(c commands) []string {
	var out []string
	for _, v := range []struct {
		name string
		args []string
	}{
		{"mljob", []string{c.mljob, "version"}},
		{"cue", []string{c.cue, "version"}},
		{"kubeconform", []string{c.kubeconform, "-v"}},
		{"conftest", []string{c.conftest, "--version"}},
	} {
		b, _ := exec.Command(v.args[0], v.args[1:]...).Output()
		line := strings.Join(strings.Fields(strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)[0]), " ")
		if mod := moduleVersion(v.args[0]); mod != "" {
			line += " (" + mod + ")"
		}
		out = append(out, fmt.Sprintf("  %-12s %s", v.name+":", line))
	}
	return out
}

// moduleVersion is the module and Go version a binary was built from
// (go version -m), which kubeconform and conftest do not print.
func moduleVersion(bin string) string {
	b, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return ""
	}
	var goVer, mod string
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if i == 0 && len(f) >= 2 {
			goVer = f[len(f)-1]
		}
		if len(f) >= 3 && f[0] == "mod" {
			mod = f[1] + "@" + f[2]
		}
	}
	return strings.TrimSpace(mod + " " + goVer)
}

type metric struct {
	title string
	get   func(sample) float64
}

func printTables(w io.Writer, ops []op, results []map[string]sample, rounds int) {
	for _, m := range []metric{
		{"CPU seconds (user+sys)", func(s sample) float64 { return s.cpu.Seconds() }},
		{"wall seconds", func(s sample) float64 { return s.wall.Seconds() }},
	} {
		fmt.Fprintf(w, "## %s, min–max of %d rounds; ratio = mljob / peer, paired by round; verdict on the median ratio\n\n", m.title, rounds)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "operation\tpeer\tmljob\tpeer\tratio\ttarget\tverdict")
		for _, p := range ops {
			var a, b, ratio []float64
			for _, res := range results {
				x, y := m.get(res[p.mljob.key()]), m.get(res[p.other.key()])
				a, b = append(a, x), append(b, y)
				if y > 0 {
					ratio = append(ratio, x/y)
				}
			}
			target, verdict := "–", "(info)"
			if p.target > 0 {
				target = fmt.Sprintf("≤ %g", p.target)
				verdict = "met"
				if len(ratio) == 0 || median(ratio) > p.target {
					verdict = "NOT met"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.name, p.peer, span(a, secs), span(b, secs), span(ratio, ratioFmt), target, verdict)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "## peak RSS (MiB), min–max of %d rounds; verdict: the largest at most %d MiB\n\n", rounds, rssLimitMiB)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tpeer\tmljob\tpeer\ttarget\tverdict")
	for _, p := range ops {
		var a, b []float64
		for _, res := range results {
			a = append(a, float64(res[p.mljob.key()].rss)/1024)
			b = append(b, float64(res[p.other.key()].rss)/1024)
		}
		target, verdict := "–", "(info)"
		if p.rss {
			target = fmt.Sprintf("≤ %d", rssLimitMiB)
			verdict = "met"
			if slices.Max(a) > rssLimitMiB {
				verdict = "NOT met"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.name, p.peer, span(a, mib), span(b, mib), target, verdict)
	}
	tw.Flush()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func span(xs []float64, f func(float64) string) string {
	if len(xs) == 0 {
		return "–"
	}
	lo, hi := slices.Min(xs), slices.Max(xs)
	if f(lo) == f(hi) {
		return f(lo)
	}
	return f(lo) + "–" + f(hi)
}

func secs(s float64) string {
	switch {
	case s < 0.1:
		return fmt.Sprintf("%.3f", s)
	case s < 10:
		return fmt.Sprintf("%.2f", s)
	}
	return fmt.Sprintf("%.1f", s)
}

func ratioFmt(r float64) string {
	if r < 10 {
		return fmt.Sprintf("%.2f", r)
	}
	return fmt.Sprintf("%.1f", r)
}

func mib(m float64) string { return fmt.Sprintf("%.0f", m) }
