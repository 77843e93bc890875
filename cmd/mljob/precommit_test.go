package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mljob/mljob/cmd/mljob/cli"
	"github.com/mljob/mljob/internal/scaffold"
)

// The test binary doubles as the mljob on PATH that the -system hooks run.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "mljob" {
		os.Exit(cli.Main())
	}
	os.Exit(m.Run())
}

// TestPreCommitHooks runs the hooks of .pre-commit-hooks.yaml with the real
// pre-commit, as a user's repository runs them: git commit in a throw-away
// repository whose .pre-commit-config.yaml points at a snapshot of this
// working tree (committed files and new ones alike). pre-commit builds
// mljob with go install, from the module and build caches of this machine.
//
// make test installs pre-commit when it is missing. Without it, the test
// fails under CI and is skipped elsewhere, saying so.
func TestPreCommitHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the pre-commit test builds mljob in pre-commit's environment")
	}
	if _, err := exec.LookPath("pre-commit"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pre-commit is not installed; make test installs it (apt-get install pre-commit)")
		}
		t.Skip("pre-commit is not installed; make test installs it (apt-get install pre-commit)")
	}
	tmp := t.TempDir()
	env := hookEnv(t, tmp)
	hooks, rev := snapshot(t, repoRoot(t), filepath.Join(tmp, "mljob"), env)

	// The -system hooks find mljob on PATH: this test binary, under that
	// name. The golang hooks must not: pre-commit puts its own build
	// first on PATH, and the snapshot is what it builds.
	bin := filepath.Join(tmp, "bin")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.MkdirAll(bin, 0o755))
	must(t, os.Symlink(self, filepath.Join(bin, "mljob")))
	withMljob := append(env[:len(env):len(env)], "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	repo := filepath.Join(tmp, "repo")
	write(t, repo, map[string]string{
		// train.cue needs profile.cue: the GPU type is the profile's.
		// Linted alone it would fail, so this shows that a changed .cue
		// file is linted with its whole directory.
		"workloads/profile.cue": `profile: gpuTypes: "pool-l4": {
	resource: "nvidia.com/gpu"
	nodeSelector: "cloud.google.com/gke-accelerator": "nvidia-l4"
}
`,
		"workloads/train.cue": `workloads: train: {
	type:    "training"
	image:   "ghcr.io/acme/train:1.0.0"
	command: ["python", "train.py"]
	resources: {cpu: "4", memory: "16Gi"}
	gpu: {count: 1, type: "pool-l4"}
	timeout: "2h"
}
`,
		"workloads/nightly.cue": `workloads: nightly: {
	type:     "preprocess"
	image:    "ghcr.io/acme/features:1.0.0"
	schedule: "0 2 * * *"
	resources: {cpu: "1", memory: "2Gi"}
	timeout: "1h"
}
`,
		".pre-commit-config.yaml": `repos:
- repo: ` + hooks + `
  rev: ` + rev + `
  hooks:
  - id: mljob-lint
  - id: mljob-render-check
    args: [workloads/, -o, rendered/]
`,
		"system.yaml": `repos:
- repo: ` + hooks + `
  rev: ` + rev + `
  hooks:
  - id: mljob-lint-system
  - id: mljob-render-check-system
    args: [workloads/, -o, rendered/]
`,
	})
	run(t, repo, withMljob, filepath.Join(bin, "mljob"), "render", "workloads/", "-o", "rendered/")
	run(t, repo, env, "git", "init", "-q")
	run(t, repo, env, "pre-commit", "install")

	commits := 0
	commit := func(name string, wantOK bool, wantOut ...string) {
		t.Helper()
		run(t, repo, env, "git", "add", "-A")
		start := time.Now()
		out, err := output(repo, env, "git", "commit", "-q", "-m", name)
		t.Logf("commit %q: %.1fs\n%s", name, time.Since(start).Seconds(), out)
		if wantOK != (err == nil) {
			t.Fatalf("commit %q: err %v, want ok=%v\n%s", name, err, wantOK, out)
		}
		if wantOK {
			commits++
		}
		for _, re := range wantOut {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("commit %q: output does not match %q:\n%s", name, re, out)
			}
		}
		if n := strings.TrimSpace(mustOutput(t, repo, env, "git", "rev-list", "--count", "--all")); n != strconv.Itoa(commits) {
			t.Fatalf("after commit %q: %s commits, want %d", name, n, commits)
		}
	}

	// The first commit sets up the hooks: pre-commit clones the snapshot
	// and builds mljob.
	commit("clean", true, `(?m)^mljob lint\.+Passed$`, `(?m)^mljob render --check\.+Passed$`)

	// A bad file committed earlier without the hooks does not fail the
	// next commit: the hook gets the changed files only. train.cue is
	// linted with the rest of workloads/, or its GPU type would be unknown.
	write(t, repo, map[string]string{"legacy/old-job.yaml": alwaysJob})
	run(t, repo, env, "git", "add", "-A")
	run(t, repo, env, "git", "commit", "-q", "--no-verify", "-m", "legacy")
	commits++
	edit(t, filepath.Join(repo, "workloads/train.cue"), `timeout: "2h"`, `timeout: "3h"`)
	run(t, repo, withMljob, filepath.Join(bin, "mljob"), "render", "workloads/", "-o", "rendered/")
	commit("changed workload", true, `(?m)^mljob lint\.+Passed$`)

	// A bad workload: the commit fails and the finding names file, line
	// and column.
	write(t, repo, map[string]string{"workloads/finetune.cue": `workloads: finetune: {
	type:  "training"
	image: "ghcr.io/acme/train:1.0.0"
	gpu: {count: 2, type: "pool-l4"}
	gpus: 2
}
`})
	commit("bad workload", false,
		`(?m)^mljob lint\.+Failed$`,
		`workloads/finetune\.cue:5:2: workloads\.finetune\.gpus: unknown field; did you mean gpu\?`)
	must(t, os.Remove(filepath.Join(repo, "workloads/finetune.cue")))

	// A bad Job manifest.
	write(t, repo, map[string]string{"jobs/always.yaml": alwaysJob})
	commit("bad job", false,
		`(?m)^mljob lint\.+Failed$`,
		`jobs/always\.yaml:11:7: .*\[api-validation\] Job default/always: spec\.template\.spec\.restartPolicy`)
	must(t, os.RemoveAll(filepath.Join(repo, "jobs")))

	// A workload changed without re-rendering.
	edit(t, filepath.Join(repo, "workloads/train.cue"), "train:1.0.0", "train:1.1.0")
	commit("stale output", false,
		`(?m)^mljob lint\.+Passed$`,
		`(?m)^mljob render --check\.+Failed$`,
		`stale: +rendered/job-train\.yaml`,
		`rendered/ is out of date: run mljob render workloads/ -o rendered/`)
	edit(t, filepath.Join(repo, "workloads/train.cue"), "train:1.1.0", "train:1.0.0")

	// A workload deleted without re-rendering: no changed file matches
	// the hook, which runs all the same (always_run).
	must(t, os.Remove(filepath.Join(repo, "workloads/nightly.cue")))
	commit("deleted workload", false,
		`(?m)^mljob render --check\.+Failed$`,
		`extra: +rendered/cronjob-nightly\.yaml`)
	run(t, repo, env, "git", "checkout", "-q", "HEAD", "--", "workloads/nightly.cue")

	// The configuration mljob init writes is one pre-commit accepts.
	skel, err := scaffold.Files()
	if err != nil {
		t.Fatal(err)
	}
	write(t, tmp, map[string]string{"init-config.yaml": string(skel[".pre-commit-config.yaml"])})
	run(t, tmp, env, "pre-commit", "validate-config", "init-config.yaml")

	// The -system hooks run the mljob on PATH, and find the same.
	write(t, repo, map[string]string{"jobs/always.yaml": alwaysJob})
	out, err := output(repo, withMljob, "pre-commit", "run", "--config", "system.yaml", "--files", "jobs/always.yaml", "workloads/train.cue")
	t.Logf("system hooks:\n%s", out)
	if err == nil || !regexp.MustCompile(`jobs/always\.yaml:11:7: .*\[api-validation\]`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^mljob render --check\.+Passed$`).MatchString(out) {
		t.Errorf("system hooks: err %v, want the lint finding and a passing render check:\n%s", err, out)
	}
}

// alwaysJob is a Job the API server refuses: restartPolicy Always (line
// 11, column 7).
const alwaysJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: always
spec:
  template:
    spec:
      containers:
      - name: main
        image: busybox:1.36
      restartPolicy: Always
`

// hookEnv is the environment of pre-commit and git: a private pre-commit
// home and git configuration, and the Go module and build caches of this
// machine, so that pre-commit's go install downloads nothing (it sets
// GOPATH to its own directory, which would otherwise move the module
// cache there) and reuses compiled packages.
func hookEnv(t *testing.T, tmp string) []string {
	var env []string
	for _, kv := range os.Environ() {
		// A test run from a git hook must not reach the outer repository.
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "PRE_COMMIT") || strings.HasPrefix(kv, "SKIP=") {
			continue
		}
		env = append(env, kv)
	}
	gitconfig := filepath.Join(tmp, "gitconfig")
	must(t, os.WriteFile(gitconfig, []byte("[user]\n\tname = mljob test\n\temail = test@mljob.invalid\n[init]\n\tdefaultBranch = main\n"), 0o644))
	env = append(env,
		"PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit-home"),
		"GIT_CONFIG_GLOBAL="+gitconfig,
		"GIT_CONFIG_NOSYSTEM=1",
	)
	for _, v := range []string{"GOMODCACHE", "GOCACHE"} {
		env = append(env, v+"="+strings.TrimSpace(mustOutput(t, "", nil, "go", "env", v)))
	}
	return env
}

// repoRoot is the directory of this module: the test runs in cmd/mljob of
// a checkout, wherever that is.
func repoRoot(t *testing.T) string {
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, ".pre-commit-hooks.yaml")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no directory above the test has go.mod and .pre-commit-hooks.yaml")
		}
		dir = parent
	}
}

// snapshot copies the working tree of root (the files git tracks, and the
// new ones it does not ignore) into a new repository at dst, commits it,
// and returns dst and the commit. pre-commit needs a repository and a rev;
// the copy lets the test cover uncommitted work without touching root's
// own repository.
func snapshot(t *testing.T, root, dst string, env []string) (string, string) {
	list := mustOutput(t, root, env, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	n := 0
	for _, name := range strings.Split(list, "\x00") {
		if name == "" {
			continue
		}
		src := filepath.Join(root, name)
		info, err := os.Lstat(src)
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dst, name)
		must(t, os.MkdirAll(filepath.Dir(to), 0o755))
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(src)
			if err != nil {
				t.Fatal(err)
			}
			must(t, os.Symlink(target, to))
		case info.Mode().IsRegular():
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			must(t, os.WriteFile(to, data, info.Mode().Perm()))
		default:
			continue
		}
		n++
	}
	if n == 0 {
		t.Fatalf("git ls-files found no file in %s", root)
	}
	run(t, dst, env, "git", "init", "-q")
	run(t, dst, env, "git", "add", "-A")
	run(t, dst, env, "git", "commit", "-q", "-m", "snapshot")
	return dst, strings.TrimSpace(mustOutput(t, dst, env, "git", "rev-parse", "HEAD"))
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(text), 0o644))
	}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", path, old)
	}
	must(t, os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644))
}

// output runs a command and returns its stdout and stderr together, as a
// user sees them.
func output(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

func mustOutput(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	if out, err := output(dir, env, name, args...); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
