package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRenderKillSafe kills a real `mljob render -o` of thousands of
// workloads at random moments, most of them while it writes and switches
// the files, and checks after every kill that the output directory holds
// exactly the old set of generated files or exactly the new one, the
// user's file untouched, with at most one staging directory left, which
// the next render removes.
func TestRenderKillSafe(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the kill test renders thousands of workloads 30 times")
	}
	const workloads, trials = 2000, 30
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin", "mljob")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.MkdirAll(filepath.Dir(bin), 0o755))
	must(t, os.Symlink(self, bin))

	// Two versions of a project: every file changes between them, some
	// files go and some come.
	projects := map[string]string{}
	for _, v := range []string{"a", "b"} {
		dir := filepath.Join(tmp, "proj-"+v)
		must(t, os.MkdirAll(dir, 0o755))
		var b strings.Builder
		b.WriteString("workloads: {\n")
		for i := range workloads {
			if (v == "a" && i%10 == 0) || (v == "b" && i%10 == 5) {
				continue
			}
			fmt.Fprintf(&b, "\t\"w%04d\": {type: \"task\", image: \"ghcr.io/acme/x:%s\"}\n", i, v)
		}
		b.WriteString("}\n")
		must(t, os.WriteFile(filepath.Join(dir, "w.cue"), []byte(b.String()), 0o644))
		projects[v] = dir
	}
	render := func(proj, out string) *exec.Cmd {
		cmd := exec.Command(bin, "render", proj, "-o", out)
		cmd.Dir = tmp
		return cmd
	}
	sets := map[string]map[string]string{}
	var full time.Duration
	for _, v := range []string{"a", "b"} {
		out := filepath.Join(tmp, "want-"+v)
		start := time.Now()
		if b, err := render(projects[v], out).CombinedOutput(); err != nil {
			t.Fatalf("render %s: %v\n%s", v, err, b)
		}
		full = max(full, time.Since(start))
		sets[v] = generatedFiles(t, out)
	}
	if n := len(sets["a"]); n < 1000 {
		t.Fatalf("only %d files", n)
	}

	out := filepath.Join(tmp, "out")
	must(t, os.MkdirAll(out, 0o755))
	must(t, os.WriteFile(filepath.Join(out, "README.md"), []byte("mine\n"), 0o644))
	if b, err := render(projects["a"], out).CombinedOutput(); err != nil {
		t.Fatalf("render: %v\n%s", err, b)
	}
	current := "a"
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 14))
	outcomes := map[string]int{}
	signals := []syscall.Signal{syscall.SIGKILL, syscall.SIGKILL, syscall.SIGKILL, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT}
	for trial := range trials {
		next := map[string]string{"a": "b", "b": "a"}[current]
		sig := signals[trial%len(signals)]
		cmd := render(projects[next], out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		must(t, cmd.Start())
		// Most kills land while the files are written and switched: wait
		// for the staging directory, then a random moment. Some land
		// earlier or after the end.
		var at string
		if trial%5 == 0 {
			d := time.Duration(rng.Int64N(int64(full)))
			time.Sleep(d)
			at = fmt.Sprintf("%v after start", d.Round(time.Millisecond))
		} else {
			waitStaging(out, 2*full)
			d := time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
			time.Sleep(d)
			at = fmt.Sprintf("%v after staging began", d.Round(time.Millisecond))
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()

		got := generatedFiles(t, out)
		state := ""
		for _, v := range []string{"a", "b"} {
			if reflect.DeepEqual(got, sets[v]) {
				state = v
			}
		}
		if state == "" {
			t.Fatalf("trial %d (%v %s): the directory is a mix of the old and new sets (%d files; %v)\n%s", trial, sig, at, len(got), err, stderr.String())
		}
		if b, err := os.ReadFile(filepath.Join(out, "README.md")); err != nil || string(b) != "mine\n" {
			t.Fatalf("trial %d: README.md: %q %v", trial, b, err)
		}
		left := staging(t, out)
		if len(left) > 1 {
			t.Fatalf("trial %d: %d staging directories: %v", trial, len(left), left)
		}
		if len(left) == 1 && outcomes["checked"] < 3 {
			// --check reports it; the next render removes it.
			outcomes["checked"]++
			check := render(projects[state], out)
			check.Args = append(check.Args, "--check")
			b, err := check.CombinedOutput()
			if err == nil || !strings.Contains(string(b), "leftover: ") {
				t.Fatalf("trial %d: render --check with %v left: %v\n%s", trial, left, err, b)
			}
		}
		kind := map[bool]string{true: "new", false: "old"}[state == next]
		outcomes[fmt.Sprintf("%v: %s set", sig, kind)]++
		outcomes[fmt.Sprintf("staging left: %d", len(left))]++
		current = state
	}
	if b, err := render(projects["b"], out).CombinedOutput(); err != nil {
		t.Fatalf("render after the kills: %v\n%s", err, b)
	}
	if got := generatedFiles(t, out); !reflect.DeepEqual(got, sets["b"]) {
		t.Errorf("after a full render: %d files, not the new set", len(got))
	}
	if left := staging(t, out); len(left) > 0 {
		t.Errorf("a full render left %v", left)
	}
	t.Logf("%d trials: %v", trials, outcomes)
}

// generatedFiles returns the files of dir with mljob's header.
func generatedFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(b, []byte("# Code generated by mljob.")) {
			out[e.Name()] = string(b)
		}
	}
	return out
}

// staging lists the staging directories in and beside dir.
func staging(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, d := range []string{dir, filepath.Dir(dir)} {
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".mljob-") || strings.HasPrefix(e.Name(), "."+filepath.Base(dir)+".mljob-") {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	return out
}

// waitStaging waits until a render starts writing into dir, at most d.
func waitStaging(dir string, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".mljob-staging-") {
				return
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
}
