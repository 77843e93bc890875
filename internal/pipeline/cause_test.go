package pipeline_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/rules"
)

// TestOneFindingPerCause: every pair of rules that report one mistake
// twice (found by linting testdata/ with every rule, and these crafted
// Jobs) gives one finding, the API server's, with the rule pack's fix:
//
//	api-validation  restart-policy  restartPolicy Always, unset, OnFailure with podFailurePolicy
//	api-validation  gpu-limits      a GPU request without a limit, or unlike its limit
//	api-validation  api-validation  an empty name (required, and an invalid pod hostname)
//	api-validation  api-validation  an invalid name and the job-name label derived from it
//
// and mistakes that only look alike stay apart: a cpu request over its
// limit beside a GPU request unlike its limit, on the same map.
func TestOneFindingPerCause(t *testing.T) {
	restart := fix(t, "restart-policy")
	gpu := fix(t, "gpu-limits")
	for _, c := range []struct {
		file string
		want []string // rule path: message prefix (fix)
	}{
		{"restart-always", []string{`api-validation spec.template.spec.restartPolicy: spec.template.spec.restartPolicy: Required value (` + restart + `)`}},
		{"restart-unset", []string{`api-validation spec.template.spec.restartPolicy: spec.template.spec.restartPolicy: Required value (` + restart + `)`}},
		{"restart-onfailure-pfp", []string{`api-validation spec.template.spec.restartPolicy: spec.template.spec.restartPolicy: Invalid value: "OnFailure" (` + restart + `)`}},
		{"gpu-request-no-limit", []string{`api-validation spec.template.spec.containers[0].resources.limits: spec.template.spec.containers[0].resources.limits: Required value: Limit must be set (` + gpu + `)`}},
		{"gpu-request-not-limit", []string{`api-validation spec.template.spec.containers[0].resources.requests: spec.template.spec.containers[0].resources.requests: Invalid value: "1": must be equal to nvidia.com/gpu limit (` + gpu + `)`}},
		{"name-missing", []string{`api-validation metadata.name: metadata.name: Required value: name or generateName is required; Invalid value: "": will not able to create pod with invalid DNS label: -9 ()`}},
		{"name-invalid", []string{`api-validation metadata.name: metadata.name: Invalid value: "process-item-$ITEM" ()`}},
		{"cpu-over-limit-gpu-no-limit", []string{
			`api-validation spec.template.spec.containers[0].resources.requests: spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit ()`,
			`api-validation spec.template.spec.containers[0].resources.requests: spec.template.spec.containers[0].resources.requests: Invalid value: "1": must be equal to nvidia.com/gpu limit (` + gpu + `)`,
		}},
	} {
		t.Run(c.file, func(t *testing.T) {
			res, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{filepath.Join("testdata", "causes", c.file+".yaml")}})
			if err != nil || len(res.Errors) > 0 {
				t.Fatal(err, res.Errors)
			}
			if len(res.Findings) != len(c.want) {
				t.Fatalf("%d findings, want %d:\n%s", len(res.Findings), len(c.want), describe(res.Findings))
			}
			for i, f := range res.Findings {
				if c.file == "name-invalid" && strings.Join(f.Also, ",") != "spec.template.labels" {
					t.Errorf("the label of the same cause is not kept aside: %v", f.Also)
				}
				want := c.want[i]
				prefix, wantFix, _ := strings.Cut(strings.TrimSuffix(want, ")"), " (")
				got := fmt.Sprintf("%s %s: %s", f.Rule, f.Path, f.Message)
				if !strings.HasPrefix(got, prefix) || f.Fix != wantFix {
					t.Errorf("finding %d:\n got %s (fix %q)\nwant %s", i, got, f.Fix, want)
				}
			}
		})
	}
}

func fix(t *testing.T, rule string) string {
	t.Helper()
	m, ok := rules.Builtin().Get(rule)
	if !ok {
		t.Fatalf("no rule %s", rule)
	}
	return m.Remediation
}

func describe(fs []finding.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %s: %s\n", f.Pos, f.Rule, f.Path, f.Message)
	}
	return b.String()
}

// TestNoCauseTwiceInTestdata lints everything in testdata/ and the
// examples with every rule: no object gets two findings for one cause.
// Two findings share a cause when they are on the same field (naming the
// same resource, for a requests or limits map), when one is a rule
// pack's on a key of the map an API server finding is on, or when one is
// on labels the API server derived from a name it refuses.
func TestNoCauseTwiceInTestdata(t *testing.T) {
	res, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{"../../testdata", "../../examples", "testdata"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects < 100 {
		t.Fatalf("only %d objects: is testdata/ there?", res.Objects)
	}
	type key struct {
		file string
		obj  finding.Object
	}
	byObject := map[key][]finding.Finding{}
	for _, f := range res.Findings {
		k := key{f.File, f.Object}
		byObject[k] = append(byObject[k], f)
	}
	resource := regexp.MustCompile(`(cpu|memory|[a-z0-9.-]+\.[a-z]+/[-a-zA-Z0-9_.]+) limit`)
	for k, fs := range byObject {
		seen := map[string]finding.Finding{}
		nameRefused := false
		for _, f := range fs {
			if f.Path == "metadata.name" && rules.IsGo(f.Rule) {
				nameRefused = true
			}
		}
		for _, f := range fs {
			field := f.Path + " " + strings.Join(resource.FindStringSubmatch(f.Message), " ")
			if prev, ok := seen[field]; ok && f.Path != "" {
				t.Errorf("%s %s: two findings on %s:\n  [%s] %s\n  [%s] %s", k.file, k.obj, f.Path, prev.Rule, prev.Message, f.Rule, f.Message)
			}
			seen[field] = f
			if nameRefused && strings.HasSuffix(f.Path, ".labels") && strings.Contains(f.Message, `"`+k.obj.Name+`"`) {
				t.Errorf("%s %s: the name is refused, and the label derived from it too: %s", k.file, k.obj, f.Message)
			}
		}
		for _, api := range fs {
			for _, pack := range fs {
				if rules.IsGo(api.Rule) && !rules.IsGo(pack.Rule) && api.Path != "" &&
					strings.HasPrefix(pack.Path, api.Path+"[") && resource.FindString(api.Message) == "" {
					t.Errorf("%s %s: [%s] on %s and [%s] on %s", k.file, k.obj, api.Rule, api.Path, pack.Rule, pack.Path)
				}
			}
		}
	}
}
