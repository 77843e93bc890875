//go:build unix

// Command hostile lints a corpus of hostile inputs with a real mljob and
// checks that each costs a bounded amount: at most 5 s and 512 MB of
// memory (the largest resident set of mljob and its CUE evaluator), with
// the exit status and message expected. On a busy machine (others'
// builds on the same cores) the wall clock may pass 5 s while mljob is
// waiting for a core: a case passes then if it took at most 5 s of CPU
// time and 15 s of wall clock. The corpus is
// scripts/hostile/testdata (small, readable cases) and inputs generated here (too
// large to keep in git). make test runs it:
//
//	go run ./scripts/hostile [-mljob PATH] [-v]
//
// Limits are measured, never asserted by unit tests: this is the place.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"
)

const (
	maxTime     = 5 * time.Second
	maxBusyWall = 15 * time.Second
	maxRSS      = 512 << 20
)

// testCase is one run of mljob.
type testCase struct {
	name  string
	args  []string // after "mljob"; {dir} is the corpus directory
	stdin string   // a file of the corpus fed to standard input
	code  int      // the exit status expected
	want  string   // a regular expression the output (stdout+stderr) matches
	deny  string   // a regular expression it must not match
}

func main() {
	bin := flag.String("mljob", "", "the mljob binary (default: build it)")
	verbose := flag.Bool("v", false, "print every case's output")
	flag.Parse()
	if err := run(*bin, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

func run(bin string, verbose bool) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "mljob-hostile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "mljob")
		build := exec.Command("go", "build", "-o", bin, "./cmd/mljob")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build mljob: %w", err)
		}
	}
	dir := filepath.Join(tmp, "corpus")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "scripts", "hostile", "testdata"))); err != nil {
		return err
	}
	if err := generate(dir); err != nil {
		return err
	}
	failed := 0
	fmt.Printf("%-44s %6s %6s %8s %4s\n", "case", "wall", "CPU", "max RSS", "exit")
	for _, c := range cases() {
		wall, cpu, rss, code, out, err := runCase(bin, dir, c)
		status := ""
		switch {
		case err != nil:
			status = "FAIL: " + err.Error()
		case wall > maxTime && (cpu > maxTime || wall > maxBusyWall):
			status = fmt.Sprintf("FAIL: took %v (%v of CPU), limit %v", wall.Round(time.Millisecond), cpu.Round(time.Millisecond), maxTime)
		case rss > maxRSS:
			status = fmt.Sprintf("FAIL: %d MB, limit %d MB", rss>>20, maxRSS>>20)
		case code != c.code:
			status = fmt.Sprintf("FAIL: exit %d, want %d", code, c.code)
		case !regexp.MustCompile(c.want).MatchString(out):
			status = fmt.Sprintf("FAIL: output does not match %q", c.want)
		case c.deny != "" && regexp.MustCompile(c.deny).MatchString(out):
			status = fmt.Sprintf("FAIL: output matches %q", c.deny)
		}
		if status == "" && wall > maxTime {
			status = "(a busy machine: within the CPU time)"
		}
		fmt.Printf("%-44s %5.2fs %5.2fs %5d MB %4d  %s\n", c.name, wall.Seconds(), cpu.Seconds(), rss>>20, code, status)
		if strings.HasPrefix(status, "FAIL") || verbose {
			fmt.Println(indent(out))
		}
		if strings.HasPrefix(status, "FAIL") {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d cases failed", failed)
	}
	return nil
}

// runCase runs mljob and measures it: the wall clock, the CPU time and
// the resident set, the largest of mljob and its children (the CUE
// evaluator), as wait4 reports them.
func runCase(bin, dir string, c testCase) (wall, cpu time.Duration, rss int64, code int, out string, err error) {
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "{dir}", dir)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if c.stdin != "" {
		f, err := os.Open(filepath.Join(dir, c.stdin))
		if err != nil {
			return 0, 0, 0, 0, "", err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return 0, 0, 0, 0, "", err
	}
	code, out = cmd.ProcessState.ExitCode(), buf.String()
	cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return wall, cpu, 0, code, out, fmt.Errorf("killed by %v", ws.Signal())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) * 1024 // KiB on Linux
		if runtime.GOOS == "darwin" {
			rss = int64(ru.Maxrss) // bytes
		}
	}
	if strings.Contains(out, "goroutine ") && strings.Contains(out, "runtime.") {
		return wall, cpu, rss, code, out, errors.New("a Go runtime dump")
	}
	return wall, cpu, rss, code, out, nil
}

func indent(s string) string {
	if len(s) > 2000 {
		s = s[:2000] + "\n..."
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find the module: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
