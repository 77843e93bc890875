// Command hostile lints a corpus of hostile inputs with a real mljob and
// checks that each costs a bounded amount: at most 5 s of wall clock and
// 512 MB of memory (the largest resident set of mljob and its CUE
// evaluator), with the exit status and message expected. The corpus is
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
	maxWall = 5 * time.Second
	maxRSS  = 512 << 20
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
	fmt.Printf("%-44s %6s %8s %4s\n", "case", "wall", "max RSS", "exit")
	for _, c := range cases() {
		wall, rss, code, out, err := runCase(bin, dir, c)
		status := ""
		switch {
		case err != nil:
			status = "FAIL: " + err.Error()
		case wall > maxWall:
			status = fmt.Sprintf("FAIL: took %v, limit %v", wall.Round(time.Millisecond), maxWall)
		case rss > maxRSS:
			status = fmt.Sprintf("FAIL: %d MB, limit %d MB", rss>>20, maxRSS>>20)
		case code != c.code:
			status = fmt.Sprintf("FAIL: exit %d, want %d", code, c.code)
		case !regexp.MustCompile(c.want).MatchString(out):
			status = fmt.Sprintf("FAIL: output does not match %q", c.want)
		case c.deny != "" && regexp.MustCompile(c.deny).MatchString(out):
			status = fmt.Sprintf("FAIL: output matches %q", c.deny)
		}
		fmt.Printf("%-44s %5.2fs %5d MB %4d  %s\n", c.name, wall.Seconds(), rss>>20, code, status)
		if status != "" || verbose {
			fmt.Println(indent(out))
		}
		if status != "" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d cases failed", failed)
	}
	return nil
}

// runCase runs mljob and measures it. The resident set is the largest of
// mljob and its children (the CUE evaluator), as wait4 reports it.
func runCase(bin, dir string, c testCase) (time.Duration, int64, int, string, error) {
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "{dir}", dir)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if c.stdin != "" {
		f, err := os.Open(filepath.Join(dir, c.stdin))
		if err != nil {
			return 0, 0, 0, "", err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return 0, 0, 0, "", err
	}
	code := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return wall, 0, code, out.String(), fmt.Errorf("killed by %v", ws.Signal())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) * 1024 // KiB on Linux
		if runtime.GOOS == "darwin" {
			rss = int64(ru.Maxrss) // bytes
		}
	}
	text := out.String()
	if strings.Contains(text, "goroutine ") && strings.Contains(text, "runtime.") {
		return wall, rss, code, text, errors.New("a Go runtime dump")
	}
	return wall, rss, code, text, nil
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
