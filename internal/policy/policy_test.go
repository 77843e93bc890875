package policy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/rules"
)

// writeFiles writes name -> content under a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// evalBadJob loads the built-in rules with the user policies of dir under
// limits and evaluates them on badJob.
func evalBadJob(t *testing.T, dir string, limits Limits) (*Engine, []finding.Finding) {
	t.Helper()
	e, err := Load(Options{Paths: []string{dir}, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Eval(object(t, badJob), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return e, fs
}

// object decodes a JSON object as the lint pipeline hands it over.
func object(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const badJob = `{
  "apiVersion": "batch/v1", "kind": "Job",
  "metadata": {"name": "train", "namespace": "ml"},
  "spec": {
    "backoffLimit": 3, "ttlSecondsAfterFinished": 3600,
    "template": {"spec": {
      "restartPolicy": "Never",
      "containers": [{
        "name": "trainer", "image": "train:latest",
        "env": [{"name": "HF_TOKEN", "value": "hf_secret_value"}],
        "resources": {"limits": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": 1}},
        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}]
      }],
      "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]
    }}
  }
}`

func TestEval(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Eval(object(t, badJob), "out/job-train.yaml")
	if err != nil {
		t.Fatal(err)
	}
	obj := finding.Object{APIVersion: "batch/v1", Kind: "Job", Namespace: "ml", Name: "train"}
	want := []finding.Finding{
		{Rule: "active-deadline", Severity: finding.Warning, Path: "spec.activeDeadlineSeconds",
			Message: `container "trainer" requests nvidia.com/gpu but the Job sets no activeDeadlineSeconds`},
		{Rule: "gpu-node-selector", Severity: finding.Error, Path: "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]",
			Message: `container "trainer" requests nvidia.com/gpu but the pod selects no GPU nodes`},
		{Rule: "image-tag", Severity: finding.Error, Path: "spec.template.spec.containers[0].image",
			Message: `container "trainer" uses image "train:latest" with the mutable tag "latest"`},
		{Rule: "plaintext-secret", Severity: finding.Error, Path: "spec.template.spec.containers[0].env[0].value",
			Message: `container "trainer" sets HF_TOKEN to a literal value`},
	}
	for i := range want {
		want[i].Object = obj
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
	for _, f := range got {
		if strings.Contains(f.Message, "hf_secret_value") {
			t.Errorf("%s prints the secret", f.Rule)
		}
	}
}

func dump(fs []finding.Finding) string {
	b, _ := json.MarshalIndent(fs, "", "  ")
	return string(b)
}

func TestEvalSkipsOtherObjects(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "image": "x"}]}}`,
		`{"apiVersion": "batch/v1beta1", "kind": "CronJob", "spec": {}}`,
		`{"kind": "Job"}`,
	} {
		got, err := e.Eval(object(t, s), "x.yaml")
		if err != nil || got != nil {
			t.Errorf("Eval(%s) = %v, %v; want nothing", s, got, err)
		}
	}
}

// Findings do not depend on goroutines or runs; Eval is safe for
// concurrent use (run with -race).
func TestEvalConcurrentAndDeterministic(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	objs := benchObjects(64)
	first := make([][]finding.Finding, len(objs))
	for i, o := range objs {
		if first[i], err = e.Eval(o, "x.yaml"); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, o := range objs {
				got, err := e.Eval(o, "x.yaml")
				if err != nil || !reflect.DeepEqual(got, first[i]) {
					t.Errorf("object %d: findings differ between runs: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestParamsAndDisabled(t *testing.T) {
	obj := object(t, badJob)
	e, err := Load(Options{
		Params: map[string]map[string]any{
			"image-tag":         {"forbiddenTags": []any{"main"}},
			"gpu-node-selector": {"gpuNodeLabels": []string{"pool"}},
		},
		Disabled: []string{"plaintext-secret", "active-deadline"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Eval(obj, "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Rule != "gpu-node-selector" {
		t.Errorf("got %s", dump(got))
	}
	for _, m := range e.Rules() {
		if m.ID == "plaintext-secret" {
			t.Error("a disabled rule is listed")
		}
	}
	// Parameters merge over the defaults.
	def, _ := e.DefaultParams("image-tag")
	if def["requireDigest"] != false {
		t.Errorf("default params of image-tag: %v", def)
	}
}

func TestParamErrors(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Params: map[string]map[string]any{"no-such-rule": {}}}, `unknown rule "no-such-rule"`},
		{Options{Disabled: []string{"no-such-rule"}}, `unknown rule "no-such-rule"`},
		{Options{Params: map[string]map[string]any{"gpu-limits": {"max": 4}}}, `rule gpu-limits has no parameter "max" (it has extraGPUResources, maxPerPod)`},
		{Options{Params: map[string]map[string]any{"ttl-after-finished": {"max": 4}}}, `rule ttl-after-finished has no parameter "max" (it has none)`},
		{Options{Params: map[string]map[string]any{"gpu-limits": {"maxPerPod": "4"}}}, `rule gpu-limits: parameter maxPerPod must be a number, not a string`},
		{Options{Params: map[string]map[string]any{"image-tag": {"forbiddenTags": "latest"}}}, `rule image-tag: parameter forbiddenTags must be an array, not a string`},
	} {
		_, err := Load(tc.opts)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Load(%+v) = %v, want %s", tc.opts, err, tc.want)
		}
	}
	// Go rules' parameters are for the Go rules.
	if _, err := Load(Options{Params: map[string]map[string]any{"api-validation": {"x": 1}}, Disabled: []string{"pod-security"}}); err != nil {
		t.Error(err)
	}
}

const teamLabel = `# METADATA
# scope: package
# title: Jobs name their team
# description: Every Job has a team label, for cost reports.
# custom:
#   id: acme-team-label
#   severity: warning
#   remediation: Add labels.team to the workload.
package mljob.rules.acme_team_label

import data.mljob.lib

default_params := {"label": "team"}

params := object.union(default_params, object.get(input, "params", {}))

violation contains {"msg": sprintf("%s has no %s label in %s", [input.object.metadata.name, params.label, input.file]), "path": "metadata.labels"} if {
	lib.is_job
	not input.object.metadata.labels[params.label]
}
`

const teamLabelTest = `package mljob.rules.acme_team_label_test

import data.mljob.rules.acme_team_label

test_fires_without_label if {
	count(acme_team_label.violation) == 1 with input as {"object": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "a"}}, "file": "a.yaml"}
}

test_passes_with_label if {
	count(acme_team_label.violation) == 0 with input as {"object": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "a", "labels": {"team": "x"}}}}
}

test_fails if {
	print("printed by a failing test")
	count(acme_team_label.violation) == 1 with input as {"object": {}}
}
`

func TestUserPolicy(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"team.rego":      teamLabel,
		"team_test.rego": teamLabelTest, // left out by Load
	})
	e, err := Load(Options{Paths: []string{dir}, Params: map[string]map[string]any{"acme-team-label": {"label": "owner"}}})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := e.RuleSet().Get("acme-team-label")
	if !ok || m.Engine != "rego" || m.Severity != finding.Warning || m.Remediation != "Add labels.team to the workload." {
		t.Fatalf("the run's rules have %+v", m)
	}
	if rules.Builtin().Has("acme-team-label") {
		t.Error("loading a user policy changed the built-in catalogue")
	}
	got, err := e.Eval(object(t, `{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "train"}, "spec": {"backoffLimit": 1, "ttlSecondsAfterFinished": 1}}`), "out/train.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Finding{{
		Rule: "acme-team-label", Severity: finding.Warning, Path: "metadata.labels",
		Message: "train has no owner label in out/train.yaml",
		Object:  finding.Object{APIVersion: "batch/v1", Kind: "Job", Name: "train"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %s", dump(got))
	}
	// Loading the same policies again registers nothing new.
	if _, err := Load(Options{Paths: []string{dir}}); err != nil {
		t.Error(err)
	}
}

func TestUserPolicyTests(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"team.rego":      teamLabel,
		"team_test.rego": teamLabelTest,
	})
	res, err := Test(context.Background(), TestOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.ToSlash(filepath.Join(dir, "team_test.rego"))
	var got []string
	for _, r := range res {
		if r.Pos.File != file {
			t.Errorf("result from %s", r.Pos.File)
		}
		got = append(got, r.Name+" "+r.Outcome+" "+strings.TrimSpace(r.Output))
	}
	want := []string{
		"data.mljob.rules.acme_team_label_test.test_fires_without_label PASS ",
		"data.mljob.rules.acme_team_label_test.test_passes_with_label PASS ",
		"data.mljob.rules.acme_team_label_test.test_fails FAIL printed by a failing test",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	res, err = Test(context.Background(), TestOptions{Paths: []string{dir}, Run: "passes"})
	if err != nil || len(res) != 1 {
		t.Errorf("with Run: %v, %v", res, err)
	}
}

// policyWith returns a complete user rule whose violation body is body.
func policyWith(name, body string) string {
	return `# METADATA
# scope: package
# title: t
# description: d
# custom:
#   id: ` + strings.ReplaceAll(name, "_", "-") + `
#   severity: error
#   remediation: r
package mljob.rules.` + name + `

violation contains {"msg": "m", "path": ""} if {
` + body + `
}
`
}

// TestSandbox: a policy that calls a network, environment or clock
// built-in does not load, and the error names the file, line and built-in.
func TestSandbox(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`	resp := http.send({"method": "GET", "url": "https://example.com"})
	resp.status_code == 200`, "built-in function http.send is not available to mljob policies: policies have no network access"},
		{`	count(net.lookup_ip_addr("example.com")) > 0`, "built-in function net.lookup_ip_addr is not available to mljob policies: policies have no network access"},
		{`	opa.runtime().env.HOME`, "built-in function opa.runtime is not available to mljob policies: policies cannot read the environment or mljob's configuration; use rule parameters"},
		{`	time.now_ns() > 0`, "built-in function time.now_ns is not available to mljob policies: findings must not depend on the clock; pass dates as rule parameters"},
	} {
		dir := writeFiles(t, map[string]string{"p.rego": policyWith("sandboxed", tc.body)})
		want := filepath.ToSlash(filepath.Join(dir, "p.rego")) + ":12:"
		_, err := Load(Options{Paths: []string{dir}})
		if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("Load: %v\nwant %s...%s", err, want, tc.want)
		}
		// policy test refuses it too, even from a test.
		_, err = Test(context.Background(), TestOptions{Paths: []string{dir}})
		if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("Test: %v, want %s", err, tc.want)
		}
	}
}

func TestUserPolicyErrors(t *testing.T) {
	valid := policyWith("ok_rule", "	true")
	for _, tc := range []struct {
		name, text, want string
	}{
		{"no metadata", "package mljob.rules.bare\n\nviolation contains {\"msg\": \"m\"} if true\n",
			`p.rego:1:1: rule package mljob.rules.bare has no # METADATA block above its package clause (title, description, custom.id, custom.severity, custom.remediation)`},
		{"missing fields", strings.Replace(strings.Replace(valid, "# title: t\n", "", 1), "#   remediation: r\n", "", 1),
			`p.rego:1:1: rule package mljob.rules.ok_rule: METADATA has no title, custom.remediation`},
		{"bad severity", strings.Replace(valid, "severity: error", "severity: fatal", 1),
			`p.rego:1:1: rule ok-rule: custom.severity: unknown severity "fatal" (want info, warning or error)`},
		{"id not the package", strings.Replace(valid, "id: ok-rule", "id: other", 1),
			`p.rego:1:1: rule package mljob.rules.ok_rule must have custom.id "ok-rule", not "other"`},
		{"no violation", strings.Replace(valid, "violation contains", "deny contains", 1),
			`p.rego:9:1: rule ok-rule defines no violation rule (violation contains {"msg": ..., "path": ...} if ...)`},
		{"built-in package", strings.Replace(valid, "package mljob.rules.ok_rule", "package mljob.rules.image_tag", 1),
			`p.rego:9:1: package mljob.rules.image_tag is the built-in rule image-tag; choose another name`},
		{"lib", "package mljob.lib\n\nx := 1\n",
			`p.rego:1:1: package mljob.lib is mljob's helper library; import data.mljob.lib instead of adding to it`},
		{"nested", "package mljob.rules.acme.x\n\nx := 1\n",
			`p.rego:1:1: package mljob.rules.acme.x: a rule's package is mljob.rules.NAME, one level below mljob.rules`},
		{"parse error", "package acme\n\nx := \n",
			`p.rego:4: unexpected eof token`},
		{"compile error", policyWith("undefined_ref", "	undefined_thing"),
			`p.rego:12:2: var undefined_thing is unsafe`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"p.rego": tc.text})
			_, err := Load(Options{Paths: []string{dir}})
			want := filepath.ToSlash(dir) + "/" + tc.want
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
}

func TestUserPolicyMalformedViolation(t *testing.T) {
	dir := writeFiles(t, map[string]string{"p.rego": strings.Replace(policyWith("strings_only", "	true"), `{"msg": "m", "path": ""}`, `"just a string"`, 1)})
	_, fs := evalBadJob(t, dir, Limits{})
	rules := map[string]string{}
	for _, f := range fs {
		rules[f.Rule] = f.Message
	}
	// The rule's failure is its own finding, which does not quote the
	// value; the other rules' findings stand.
	if want := `rule strings-only: violation must be an object {"msg": string, "path": string}, got a string`; rules["policy-error"] != want {
		t.Errorf("policy-error: got %q, want %q", rules["policy-error"], want)
	}
	if _, ok := rules["image-tag"]; !ok {
		t.Errorf("the other rules' findings are gone: %v", fs)
	}
}

func TestReadSourcesErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := Load(Options{Paths: []string{empty}}); err == nil || !strings.Contains(err.Error(), "no .rego files in") {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := Load(Options{Paths: []string{filepath.Join(empty, "missing")}}); err == nil {
		t.Error("missing dir: no error")
	}
}
