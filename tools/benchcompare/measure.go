package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// step is one process. Its arguments are relative to the output
// directory, where it runs.
type step struct {
	args []string
	// stdout is a file for the standard output; "" discards it.
	stdout string
	// ok are the exit codes of a run that worked (linters exit 1 on
	// findings); default 0.
	ok []int
}

// side is what one side of a comparison runs: steps one after another
// (a chain such as cue export → kubeconform → conftest). Its cost is the
// sum of its steps' costs; its peak memory the largest.
type side struct {
	steps []step
}

func (s side) key() string {
	var parts []string
	for _, st := range s.steps {
		parts = append(parts, strings.Join(st.args, " ")+" >"+st.stdout)
	}
	return strings.Join(parts, " ; ")
}

// sample is what one run of a side cost.
type sample struct {
	cpu  time.Duration // user + system, from the kernel's rusage
	wall time.Duration
	rss  int64 // peak resident set of the largest step, KiB
}

// measure runs s once in dir.
func measure(dir string, s side) (sample, error) {
	var total sample
	for _, st := range s.steps {
		one, err := runStep(dir, st)
		if err != nil {
			return sample{}, err
		}
		total.cpu += one.cpu
		total.wall += one.wall
		total.rss = max(total.rss, one.rss)
	}
	return total, nil
}

// timeBin reports the peak RSS of each step. The kernel's maxrss of a
// child that Go starts is no use: Go starts it with vfork, and the child
// inherits the high-water mark of the measuring process. GNU time forks
// from a process of a few MiB and reports its child's own peak.
const timeBin = "/usr/bin/time"

// wrapperCost is what running a step under timeBin adds to its CPU and
// wall time (calibrate sets it); it is subtracted from every step.
var wrapperCost sample

func runStep(dir string, st step) (sample, error) {
	rssFile, err := os.CreateTemp("", "benchcompare-rss-")
	if err != nil {
		return sample{}, err
	}
	rssFile.Close()
	defer os.Remove(rssFile.Name())
	args := append([]string{timeBin, "-f", "%M", "-o", rssFile.Name()}, st.args...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if st.stdout != "" {
		f, err := os.Create(dir + "/" + st.stdout)
		if err != nil {
			return sample{}, err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		return sample{}, fmt.Errorf("%s: %w", strings.Join(st.args, " "), err)
	}
	ok := st.ok
	if ok == nil {
		ok = []int{0}
	}
	if code := cmd.ProcessState.ExitCode(); !slices.Contains(ok, code) {
		msg := stderr.String()
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		return sample{}, fmt.Errorf("%s (in %s): exit status %d\n%s", strings.Join(st.args, " "), dir, code, msg)
	}
	// CPU from the kernel, in microseconds: time's own report has
	// hundredths of a second, too coarse for start-up. The rusage of the
	// time process includes its child's.
	ru, ok2 := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok2 {
		return sample{}, fmt.Errorf("no resource usage for %s", st.args[0])
	}
	b, err := os.ReadFile(rssFile.Name())
	if err != nil {
		return sample{}, err
	}
	// "Command exited with non-zero status N" comes first on failure.
	lines := strings.Fields(string(b))
	if len(lines) == 0 {
		return sample{}, fmt.Errorf("%s reported no peak RSS for %s", timeBin, st.args[0])
	}
	rss, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		return sample{}, fmt.Errorf("%s: peak RSS %q: %w", timeBin, b, err)
	}
	return sample{
		cpu:  max(0, time.Duration(ru.Utime.Nano()+ru.Stime.Nano())-wrapperCost.cpu),
		wall: max(0, wall-wrapperCost.wall),
		rss:  rss, // KiB
	}, nil
}

// calibrate measures what timeBin costs: the median of runs of
// `time true` less that of `true`, started the same way.
func calibrate(dir string) (sample, error) {
	if _, err := os.Stat(timeBin); err != nil {
		return sample{}, fmt.Errorf("%s is needed for peak memory (apt-get install time): %w", timeBin, err)
	}
	trueBin, err := exec.LookPath("true")
	if err != nil {
		return sample{}, err
	}
	const n = 21
	var wrapped, bare []sample
	for i := 0; i < n; i++ {
		s, err := runStep(dir, step{args: []string{trueBin}})
		if err != nil {
			return sample{}, err
		}
		wrapped = append(wrapped, s)
		cmd := exec.Command(trueBin)
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return sample{}, err
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		bare = append(bare, sample{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), wall: time.Since(start)})
	}
	med := func(xs []sample, f func(sample) time.Duration) time.Duration {
		ds := make([]time.Duration, len(xs))
		for i, x := range xs {
			ds[i] = f(x)
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	cpu := func(s sample) time.Duration { return s.cpu }
	wall := func(s sample) time.Duration { return s.wall }
	return sample{
		cpu:  max(0, med(wrapped, cpu)-med(bare, cpu)),
		wall: max(0, med(wrapped, wall)-med(bare, wall)),
	}, nil
}
