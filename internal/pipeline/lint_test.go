package pipeline_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/golden"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/report"
	"github.com/mljob/mljob/internal/validate"
)

var update = flag.Bool("update", false, "rewrite golden files")

const corpus = "../../testdata/corpus"

// TestCorpusGolden lints the real-world corpus. Every finding in the
// golden file was reviewed (testdata/corpus/REVIEW.md): it is what the API
// server or the Pod Security Standards say of that manifest.
func TestCorpusGolden(t *testing.T) {
	res, err := pipeline.Lint(pipeline.LintOptions{NoPolicies: true, Paths: []string{corpus + "/real-world"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Errors.Err(); err != nil {
		t.Fatalf("the corpus parses, but lint reports:\n%v", err)
	}
	var buf bytes.Buffer
	f, _ := report.Get("text")
	if err := f.Write(&buf, report.New(res.Findings, res.Objects, res.Skipped), report.Options{NoFix: true}); err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(buf.String(), corpus+"/", "")
	golden.Check(t, filepath.Join(corpus, "lint.golden"), []byte(got), *update)
}

// TestCorpusAllOptions lints the corpus with every level and a range of
// target versions: it never fails to read a file that parses, and every
// finding has a position and an object.
func TestCorpusAllOptions(t *testing.T) {
	for _, kv := range []string{"1.21", "1.24", "1.25", "1.29", "1.33", ""} {
		for _, ps := range validate.PodSecurityLevels {
			res, err := pipeline.Lint(pipeline.LintOptions{NoPolicies: true, Paths: []string{corpus}, KubeVersion: kv, PodSecurity: ps, Namespace: "ml"})
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Errors.Err(); err != nil {
				t.Fatalf("kube-version %q, pod-security %s: %v", kv, ps, err)
			}
			if res.Objects < 80 {
				t.Errorf("only %d objects checked", res.Objects)
			}
			for _, f := range res.Findings {
				if f.Line == 0 || f.Column == 0 || f.Object.Kind == "" || f.Object.Namespace == "" || f.Message == "" {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		}
	}
}

func write(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const validJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: ok
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: c, image: busybox}
`

func summary(res *pipeline.LintResult) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s [%s] %s", f.Pos, f.Rule, f.Object))
	}
	for _, e := range res.Errors {
		out = append(out, "error "+e.Error())
	}
	return append(out, fmt.Sprintf("objects %d skipped %d", res.Objects, res.Skipped))
}

// TestLintInputs covers the kinds of input: directories walked
// recursively (hidden ones skipped), explicit files whatever their
// extension, standard input, CUE projects, and input errors that do not
// stop the others from being checked.
func TestLintInputs(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a/job.yaml", validJob)
	write(t, dir, "a/b/bad.yml", strings.Replace(validJob, "Never", "Always", 1)+"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
	write(t, dir, "a/.hidden/bad.yaml", strings.Replace(validJob, "Never", "Always", 1))
	write(t, dir, "a/notes.txt", "not checked")
	write(t, dir, "a/broken.json", "{\"kind\": ")
	write(t, dir, "w/workloads.cue", "workloads: nightly: {type: \"preprocess\", image: \"busybox:1\", command: [\"true\"], schedule: \"0 24 * * *\"}\n")
	explicit := write(t, dir, "job.txt", strings.Replace(validJob, "name: ok", "name: Not_OK", 1))
	stdin := strings.NewReader(strings.Replace(validJob, "restartPolicy: Never", "restartPolicy: Never\n      hostPID: true", 1))

	res, err := pipeline.Lint(pipeline.LintOptions{NoPolicies: true,
		Paths: []string{filepath.Join(dir, "a"), filepath.Join(dir, "w"), explicit, "-", filepath.Join(dir, "missing.yaml")},
		Stdin: stdin,
	})
	if err != nil {
		t.Fatal(err)
	}
	// CUE file names are relative to the working directory, manifests
	// named as given; both are cut to the temporary directory.
	got := strings.Join(summary(res), "\n")
	cwd, _ := os.Getwd()
	if rel, err := filepath.Rel(cwd, dir); err == nil {
		got = strings.ReplaceAll(got, filepath.ToSlash(rel)+"/", "CUE:")
	}
	got = strings.ReplaceAll(got, filepath.ToSlash(dir)+"/", "")
	want := strings.Join([]string{
		"CUE:w/workloads.cue:1:81 [api-validation] CronJob default/nightly", // the schedule field
		"a/b/bad.yml:8:7 [api-validation] Job default/ok",
		"job.txt:4:3 [api-validation] Job default/Not_OK",
		"<stdin>:9:7 [pod-security] Job default/ok",
		"error a/broken.json:1: invalid YAML: did not find expected node content",
		"error missing.yaml: cannot read: no such file or directory",
		"objects 5 skipped 1",
	}, "\n")
	if got != want {
		t.Errorf("lint:\n got %s\nwant %s", got, want)
	}
}

// TestLintDeterministic checks that the output does not depend on the
// number of workers.
func TestLintDeterministic(t *testing.T) {
	var first []finding.Finding
	for _, w := range []int{1, 2, 8} {
		res, err := pipeline.Lint(pipeline.LintOptions{NoPolicies: true, Paths: []string{corpus}, Workers: w, PodSecurity: "restricted"})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res.Findings
			continue
		}
		if !reflect.DeepEqual(first, res.Findings) {
			t.Errorf("findings with %d workers differ", w)
		}
	}
}

// TestLintCheckers plugs in another checker, as the policy engine will.
func TestLintCheckers(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "job.yaml", validJob)
	called := 0
	c := validate.CheckerFunc(func(d *manifest.Document) []finding.Finding {
		called++
		return []finding.Finding{{Rule: "custom", Severity: finding.Warning, Message: "m", Path: "spec.template.spec.containers[0].image"}}
	})
	res, err := pipeline.Lint(pipeline.LintOptions{NoPolicies: true, Paths: []string{p}, Checkers: []validate.Checker{c}})
	if err != nil {
		t.Fatal(err)
	}
	if called != 1 || len(res.Findings) != 1 {
		t.Fatalf("custom checker: called %d, findings %+v", called, res.Findings)
	}
	if f := res.Findings[0]; f.Rule != "custom" || f.Line != 10 || f.Column != 19 || f.Object.Name != "ok" || f.Object.Namespace != "default" {
		t.Errorf("custom finding %+v", f)
	}
}

func TestLintBadOptions(t *testing.T) {
	if _, err := pipeline.Lint(pipeline.LintOptions{NoPolicies: true, KubeVersion: "1.99"}); err == nil {
		t.Error("kube-version 1.99 accepted")
	}
}

// TestRuleSetPerRun: a run's rules are the built-in catalogue plus the
// user policies it loaded; loading a policy changes nothing for the next
// run, and --only knows the user's rules only in the run that loads them.
func TestRuleSetPerRun(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "policy/team.rego", `# METADATA
# scope: package
# title: Jobs name their team
# description: Every Job has a team label.
# custom:
#   id: acme-team-label
#   severity: warning
#   remediation: Add labels.team.
package mljob.rules.acme_team_label

violation contains {"msg": "no team", "path": "metadata.labels"} if not input.object.metadata.labels.team
`)
	job := write(t, dir, "job.yaml", validJob)
	with, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{job}, Policies: []string{filepath.Join(dir, "policy")}, Only: []string{"acme-team-label"}})
	if err != nil {
		t.Fatal(err)
	}
	if !with.Rules.Has("acme-team-label") || len(with.Findings) != 1 {
		t.Errorf("with the policy: rule known %v, %d findings", with.Rules.Has("acme-team-label"), len(with.Findings))
	}
	without, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{job}})
	if err != nil {
		t.Fatal(err)
	}
	if without.Rules.Has("acme-team-label") {
		t.Error("a run without the policy knows its rule")
	}
	if _, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{job}, Only: []string{"acme-team-label"}}); err == nil || !strings.Contains(err.Error(), `unknown rule "acme-team-label"`) {
		t.Errorf("--only a rule of no loaded policy: %v", err)
	}
	// SARIF lists the run's rules.
	var buf bytes.Buffer
	f, _ := report.Get("sarif")
	rep := report.New(with.Findings, with.Objects, with.Skipped)
	rep.Rules = with.Rules
	if err := f.Write(&buf, rep, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"id": "acme-team-label"`) {
		t.Error("SARIF does not describe the user's rule")
	}
}

// TestPanickingStage: a stage that panics on one object gives that object
// an internal-error finding naming the stage; its other findings and every
// other object's are still reported, whatever the number of workers.
func TestPanickingStage(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := range 20 {
		name := fmt.Sprintf("job-%02d", i)
		paths = append(paths, write(t, dir, name+".yaml", strings.Replace(strings.Replace(validJob, "name: ok", "name: "+name, 1), "Never", "Always", 1)))
	}
	boom := validate.CheckerFunc(func(doc *manifest.Document) []finding.Finding {
		if doc.Name == "job-07" {
			var m map[string]int
			m["x"]++ // a nil map write: a real panic
		}
		return nil
	})
	for _, workers := range []int{1, 2, 8} {
		res, err := pipeline.Lint(pipeline.LintOptions{Paths: paths, NoPolicies: true, Checkers: []validate.Checker{boom}, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string][]string{}
		for _, f := range res.Findings {
			byName[f.Object.Name] = append(byName[f.Object.Name], f.Rule)
		}
		if len(byName) != 20 || res.Objects != 20 {
			t.Fatalf("workers=%d: findings on %d of 20 objects (%d checked)", workers, len(byName), res.Objects)
		}
		for name, rs := range byName {
			want := "api-validation"
			if name == "job-07" {
				want = "api-validation internal-error"
			}
			sort.Strings(rs)
			if got := strings.Join(rs, " "); got != want {
				t.Errorf("workers=%d: %s has %s, want %s", workers, name, got, want)
			}
		}
		for _, f := range res.Findings {
			if f.Rule == "internal-error" && !strings.Contains(f.Message, "assignment to entry in nil map") {
				t.Errorf("message %q does not say what failed", f.Message)
			}
		}
	}
}
