package scaffold

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/config"
	"github.com/mljob/mljob/internal/policy"
	"github.com/mljob/mljob/internal/rules"
)

// testdata/script/init.txtar runs init, lint and render --check through the
// CLI; these tests cover what the CLI cannot show.

func TestFilesDeterministic(t *testing.T) {
	a, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		".mljob.yaml", ".pre-commit-config.yaml", ".github/workflows/mljob.yaml", "README.md",
		"workloads/profile.cue", "workloads/train.cue", "workloads/nightly.cue",
		"rendered/job-train-classifier.yaml", "rendered/cronjob-nightly-features.yaml",
	} {
		if _, ok := a[want]; !ok {
			t.Errorf("the skeleton has no %s", want)
		}
	}
	if len(a) != len(b) {
		t.Fatalf("two calls gave %d and %d files", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two calls", name)
		}
	}
}

// The workloads are examples people copy: the built-in rule pack finds
// nothing in them, not even at info level.
func TestWorkloadsPassRulePack(t *testing.T) {
	skel, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	e, err := policy.Load(policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for name, data := range skel {
		if !strings.HasPrefix(name, RenderedDir+"/") {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal(data, &obj); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		kinds = append(kinds, obj["kind"].(string))
		fs, err := e.Eval(obj, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			t.Errorf("%s: [%s] %s", name, f.Rule, f.Message)
		}
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"CronJob", "Job"}) {
		t.Errorf("rendered kinds %v, want one CronJob and one Job", kinds)
	}
}

// commentedKey starts a commented-out example section of .mljob.yaml.
var commentedKey = regexp.MustCompile(`^# (rules|policies|waivers):`)

// The configuration parses as it is, and so do its commented-out examples
// once uncommented: their rules exist and their parameters are the rules'.
func TestConfig(t *testing.T) {
	skel, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	data := skel[config.FileName]
	if _, err := config.Parse(config.FileName, ".", data); err != nil {
		t.Fatalf("as written: %v", err)
	}

	var out []string
	var sections []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		if m := commentedKey.FindStringSubmatch(line); m != nil {
			in = true
			sections = append(sections, m[1])
		}
		if in && (line == "#" || strings.HasPrefix(line, "# ")) {
			line = strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ")
		} else {
			in = false
		}
		out = append(out, line)
	}
	if !slices.Equal(sections, []string{"rules", "policies", "waivers"}) {
		t.Fatalf("commented-out sections %v, want rules, policies, waivers", sections)
	}
	cfg, err := config.Parse(config.FileName, ".", []byte(strings.Join(out, "\n")))
	if err != nil {
		t.Fatalf("uncommented: %v\n%s", err, strings.Join(out, "\n"))
	}
	if len(cfg.Rules) == 0 || len(cfg.Policies) == 0 || len(cfg.Waivers) == 0 {
		t.Fatalf("uncommented config lacks a section: %+v", cfg)
	}
	// Loading the rule pack registers its rules.
	if _, err := policy.Load(policy.Options{Params: cfg.Params(), Disabled: cfg.Disabled()}); err != nil {
		t.Errorf("rule settings of the example: %v", err)
	}
	if err := cfg.CheckRules(rules.Builtin().Has); err != nil {
		t.Errorf("rule ids of the example: %v", err)
	}
}

// The pre-commit configuration names hooks this repository defines.
func TestPreCommitConfigHooks(t *testing.T) {
	skel, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Repos []struct {
			Repo, Rev string
			Hooks     []struct {
				ID      string
				Args    []string
				Exclude string
			}
		}
	}
	if err := yaml.UnmarshalStrict(skel[".pre-commit-config.yaml"], &cfg); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct{ ID string }
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	for _, h := range hooks {
		defined[h.ID] = true
	}
	if len(cfg.Repos) != 1 || len(cfg.Repos[0].Hooks) == 0 {
		t.Fatalf("want one repository with hooks: %+v", cfg)
	}
	for _, h := range cfg.Repos[0].Hooks {
		if !defined[h.ID] {
			t.Errorf("hook %q is not defined in .pre-commit-hooks.yaml", h.ID)
		}
		if h.ID == "mljob-render-check" && strings.Join(h.Args, " ") != WorkloadsDir+"/ -o "+RenderedDir+"/" {
			t.Errorf("mljob-render-check args %q do not match the layout", h.Args)
		}
	}
}

// A symbolic link in DIR that leads out of it is not followed.
func TestInitStaysInDir(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, WorkloadsDir)); err != nil {
		t.Fatal(err)
	}
	if _, err := Init(Options{Dir: dir}); err == nil {
		t.Fatal("init through a link out of DIR succeeded")
	}
	if _, err := Init(Options{Dir: dir, Force: true}); err == nil {
		t.Fatal("init --force through a link out of DIR succeeded")
	}
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("init wrote %s outside DIR", entries[0].Name())
	}
}

func TestInitRefusesWithoutForce(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, RenderedDir), 0o755); err != nil {
		t.Fatal(err)
	}
	mine := []byte("mine\n")
	if err := os.WriteFile(filepath.Join(dir, RenderedDir, "job-train-classifier.yaml"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Init(Options{Dir: dir})
	var exists *ExistsError
	if !errors.As(err, &exists) || !slices.Equal(exists.Files, []string{"rendered/job-train-classifier.yaml"}) {
		t.Fatalf("got %v, want ExistsError for rendered/job-train-classifier.yaml", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a refused init wrote %d entries", len(entries)-1)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, RenderedDir, "job-train-classifier.yaml")); !bytes.Equal(b, mine) {
		t.Error("a refused init changed an existing file")
	}
}
