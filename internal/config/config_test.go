package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mljob/mljob/internal/finding"
)

const sample = `lint:
  kubeVersion: "1.33"
  failOn: warning
rules:
  resource-limits:
    params:
      requireCPULimit: false
  backoff-limit:
    severity: error
  active-deadline:
    enabled: false
policies: [team-policies/]
waivers:
- rule: gpu-node-selector
  name: legacy-*
  reason: the legacy pool labels its nodes by hand
  expires: 2027-03-31
- rule: image-tag
  file: "vendor/**"
  reason: third-party manifests
`

func TestParse(t *testing.T) {
	c, err := Parse("cfg.yaml", "/repo", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lint.KubeVersion != "1.33" || c.Lint.FailOn != "warning" {
		t.Errorf("lint = %+v", c.Lint)
	}
	if d := c.Disabled(); len(d) != 1 || d[0] != "active-deadline" {
		t.Errorf("disabled = %v", d)
	}
	if p := c.Params()["resource-limits"]; p["requireCPULimit"] != false {
		t.Errorf("params = %v", c.Params())
	}
	if s, ok := c.Severity("backoff-limit"); !ok || s != finding.Error {
		t.Errorf("severity = %v %v", s, ok)
	}
	if got := c.PolicyDirs(); len(got) != 1 || got[0] != "/repo/team-policies" {
		t.Errorf("policy dirs = %v", got)
	}
	if c.Waivers[0].Pos.Line != 14 || c.Rules["backoff-limit"].Line != 8 {
		t.Errorf("positions: waiver %v, rule line %d", c.Waivers[0].Pos, c.Rules["backoff-limit"].Line)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"rulez: {}\n", `cfg.yaml:1: unknown key "rulez"`},
		{"rules:\n  image-tag:\n    sevrity: error\n", `cfg.yaml:3: unknown key "sevrity"`},
		{"rules:\n  image-tag:\n    severity: fatal\n", `cfg.yaml:3: rules.image-tag.severity: unknown severity "fatal"`},
		{"waivers:\n- rule: image-tag\n", `cfg.yaml:2: waivers[0].reason: a waiver needs a reason`},
		{"waivers:\n- reason: x\n  rule: a\n  expires: 31.3.2027\n", `cfg.yaml:2: waivers[0].expires: invalid date "31.3.2027" (want YYYY-MM-DD)`},
		{"lint: {failOn: sometimes}\n", `cfg.yaml:1: lint.failOn: unknown severity "sometimes"`},
		{"rules: [\n", `cfg.yaml:1: did not find expected node content`},
	} {
		_, err := Parse("cfg.yaml", ".", []byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestWaive(t *testing.T) {
	c, err := Parse("cfg.yaml", ".", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	f := func(rule, name, file string) finding.Finding {
		x := finding.Finding{Rule: rule, Object: finding.Object{Kind: "Job", Namespace: "ml", Name: name}}
		x.File = file
		return x
	}
	if w := c.Waive(f("gpu-node-selector", "legacy-train", "a.yaml")); w == nil || w.Rule != "gpu-node-selector" {
		t.Errorf("legacy-train not waived: %v", w)
	}
	if w := c.Waive(f("gpu-node-selector", "train", "a.yaml")); w != nil {
		t.Errorf("train waived by %v", w)
	}
	if w := c.Waive(f("image-tag", "x", "vendor/a/b.yaml")); w == nil {
		t.Error("vendor/a/b.yaml not waived")
	}
	if w := c.Waive(f("image-tag", "x", "src/vendor.yaml")); w != nil {
		t.Error("src/vendor.yaml waived")
	}
	w := &c.Waivers[0]
	for day, want := range map[string]bool{"2027-03-31": false, "2027-04-01": true, "2026-01-01": false} {
		now, _ := time.Parse("2006-01-02", day)
		if w.Expired(now.Add(12*time.Hour)) != want {
			t.Errorf("expired on %s = %v", day, !want)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if c, err := Find(sub); err != nil || c != nil {
		t.Fatalf("no config: %v %v", c, err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("lint: {podSecurity: restricted}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Find(sub)
	if err != nil || c == nil || c.Lint.PodSecurity != "restricted" {
		t.Fatalf("Find = %+v, %v", c, err)
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		g, s string
		ok   bool
	}{
		{"legacy-*", "legacy-train", true},
		{"legacy-*", "legacy/train", false},
		{"**/*.yaml", "a.yaml", true},
		{"**/*.yaml", "x/y/a.yaml", true},
		{"jobs/*.yaml", "jobs/x/a.yaml", false},
		{"a?c", "abc", true},
		{"a.c", "abc", false},
	} {
		if got := glob(tc.g).MatchString(tc.s); got != tc.ok {
			t.Errorf("glob(%q).Match(%q) = %v", tc.g, tc.s, got)
		}
	}
}
