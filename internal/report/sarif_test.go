package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"
	cuejson "cuelang.org/go/encoding/json"
	"cuelang.org/go/encoding/jsonschema"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/report"
	"github.com/mljob/mljob/internal/rules"
)

// sarifValidator checks documents against testdata/sarif-2.1.0-subset.schema.json,
// the part of the SARIF 2.1.0 schema mljob writes (see its $comment), with
// CUE's JSON Schema implementation: there is no network to fetch the full
// schema from, and no other validator among the dependencies.
func sarifValidator(t *testing.T) func(doc []byte) error {
	t.Helper()
	src, err := os.ReadFile("testdata/sarif-2.1.0-subset.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := cuecontext.New()
	sv := ctx.CompileBytes(src)
	if err := sv.Err(); err != nil {
		t.Fatal(err)
	}
	f, err := jsonschema.Extract(sv, &jsonschema.Config{Strict: true})
	if err != nil {
		t.Fatalf("the schema: %v", errors.Details(err, nil))
	}
	schema := ctx.BuildFile(f)
	if err := schema.Err(); err != nil {
		t.Fatal(err)
	}
	return func(doc []byte) error {
		expr, err := cuejson.Extract("sarif", doc)
		if err != nil {
			return err
		}
		return schema.Unify(ctx.BuildExpr(expr)).Validate(cue.Concrete(true))
	}
}

// sarifLog is what the test reads back: the properties the spec's
// cross-references and GitHub's requirements are about.
type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text string }
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Suppressions        []struct {
				Kind          string `json:"kind"`
				Justification string `json:"justification"`
			} `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

func writeSARIF(t *testing.T, r *report.Report) []byte {
	t.Helper()
	f, ok := report.Get("sarif")
	if !ok {
		t.Fatal("no sarif format")
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, r, report.Options{ToolVersion: "v1.2.3"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSARIFValid validates the output for the sample, an empty run and
// odd findings against the SARIF 2.1.0 schema subset, then checks what
// the schema cannot say: results point at rules by id and index, rules
// are unique and described as GitHub code scanning requires, and every
// finding is a result with its location, level and waiver.
func TestSARIFValid(t *testing.T) {
	validate := sarifValidator(t)
	odd := report.New([]finding.Finding{
		// No column, a path with a space and a comma, an unregistered
		// rule, an absolute path, a waiver of an unknown kind.
		{Rule: "schema", Severity: finding.Error, Message: "m", Pos: diag.Pos{File: "my jobs/a,b.yaml", Line: 3}},
		{Rule: "acme-team-label", Severity: finding.Warning, Message: "the Job has no team label", Pos: diag.Pos{File: "/abs/job.yaml", Line: 1, Column: 1},
			Suppressed: &finding.Suppression{Kind: "other", Reason: "r"}},
	}, 2, 0)
	for name, r := range map[string]*report.Report{"sample": sample(), "empty": report.New(nil, 0, 0), "odd": odd} {
		doc := writeSARIF(t, r)
		if err := validate(doc); err != nil {
			t.Errorf("%s: not valid SARIF 2.1.0:\n%s\n%s", name, errors.Details(err, nil), doc)
			continue
		}
		var log sarifLog
		if err := json.Unmarshal(doc, &log); err != nil {
			t.Fatal(err)
		}
		if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "mljob" {
			t.Fatalf("%s: version %q, %d runs", name, log.Version, len(log.Runs))
		}
		run := log.Runs[0]
		index := map[string]int{}
		for i, rule := range run.Tool.Driver.Rules {
			if _, dup := index[rule.ID]; dup {
				t.Errorf("%s: rule %s listed twice", name, rule.ID)
			}
			index[rule.ID] = i
			if rule.ShortDescription.Text == "" || rule.FullDescription.Text == "" || rule.Help.Text == "" {
				t.Errorf("%s: rule %s lacks a description or help (code scanning requires them)", name, rule.ID)
			}
		}
		for _, m := range rules.Builtin().All() {
			if _, ok := index[m.ID]; !ok {
				t.Errorf("%s: registered rule %s is not in tool.driver.rules", name, m.ID)
			}
		}
		if len(run.Results) != len(r.Findings) {
			t.Fatalf("%s: %d results for %d findings", name, len(run.Results), len(r.Findings))
		}
		for i, res := range run.Results {
			f := r.Findings[i]
			if res.RuleID != f.Rule || res.RuleIndex == nil || *res.RuleIndex != index[f.Rule] {
				t.Errorf("%s: result %d: ruleId %q, ruleIndex %v; rules[%d] is %q", name, i, res.RuleID, res.RuleIndex, index[f.Rule], f.Rule)
			}
			if want := map[finding.Severity]string{finding.Error: "error", finding.Warning: "warning", finding.Info: "note"}[f.Severity]; res.Level != want {
				t.Errorf("%s: result %d: level %q, want %q", name, i, res.Level, want)
			}
			if !strings.HasSuffix(res.Message.Text, f.Message) {
				t.Errorf("%s: result %d: message %q", name, i, res.Message.Text)
			}
			if len(res.PartialFingerprints) == 0 {
				t.Errorf("%s: result %d has no partialFingerprints", name, i)
			}
			hasFile := len(res.Locations) > 0 && res.Locations[0].PhysicalLocation != nil
			if hasFile != (f.File != "") {
				t.Errorf("%s: result %d: physical location %v for file %q", name, i, hasFile, f.File)
			}
			if hasFile {
				pl := res.Locations[0].PhysicalLocation
				if pl.Region == nil || pl.Region.StartLine != f.Line || pl.Region.StartColumn != f.Column {
					t.Errorf("%s: result %d: region %+v for %s", name, i, pl.Region, f.Pos)
				}
			}
			if (len(res.Suppressions) > 0) != (f.Suppressed != nil) {
				t.Errorf("%s: result %d: suppressions %+v for waiver %+v", name, i, res.Suppressions, f.Suppressed)
			} else if f.Suppressed != nil && res.Suppressions[0].Justification != f.Suppressed.Reason {
				t.Errorf("%s: result %d: justification %q", name, i, res.Suppressions[0].Justification)
			}
		}
	}
}

// TestSARIFValidatorRejects: the schema check can fail. Each document
// breaks one rule of the spec.
func TestSARIFValidatorRejects(t *testing.T) {
	validate := sarifValidator(t)
	good := writeSARIF(t, sample())
	if err := validate(good); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(m map[string]any){
		"no version":             func(m map[string]any) { delete(m, "version") },
		"version 2.0.0":          func(m map[string]any) { m["version"] = "2.0.0" },
		"no runs":                func(m map[string]any) { delete(m, "runs") },
		"run without tool":       func(m map[string]any) { delete(run(m), "tool") },
		"driver without name":    func(m map[string]any) { delete(run(m)["tool"].(map[string]any)["driver"].(map[string]any), "name") },
		"result without message": func(m map[string]any) { delete(result(m), "message") },
		"message without text":   func(m map[string]any) { result(m)["message"] = map[string]any{"markdown": "x"} },
		"level fatal":            func(m map[string]any) { result(m)["level"] = "fatal" },
		"unknown property":       func(m map[string]any) { result(m)["severity"] = "error" },
		"ruleIndex -2":           func(m map[string]any) { result(m)["ruleIndex"] = -2 },
		"startLine 0": func(m map[string]any) {
			result(m)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)["startLine"] = 0
		},
		"suppression kind config": func(m map[string]any) {
			for _, r := range run(m)["results"].([]any) {
				if s, ok := r.(map[string]any)["suppressions"].([]any); ok {
					s[0].(map[string]any)["kind"] = "config"
				}
			}
		},
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		doc, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if validate(doc) == nil {
			t.Errorf("%s: the validator accepts it", name)
		}
	}
}

func run(m map[string]any) map[string]any { return m["runs"].([]any)[0].(map[string]any) }

// result is the first result with a physical location.
func result(m map[string]any) map[string]any {
	for _, r := range run(m)["results"].([]any) {
		r := r.(map[string]any)
		if loc, ok := r["locations"].([]any); ok && len(loc) > 0 {
			if _, ok := loc[0].(map[string]any)["physicalLocation"]; ok {
				return r
			}
		}
	}
	panic("no result with a location")
}

func TestSARIFLocations(t *testing.T) {
	r := report.New([]finding.Finding{
		{Rule: "schema", Severity: finding.Error, Message: "m", Pos: diag.Pos{File: "my jobs/a,b.yaml", Line: 3}},
		{Rule: "schema", Severity: finding.Error, Message: "m", Pos: diag.Pos{File: "/abs/job.yaml", Line: 1, Column: 2}},
		{Rule: "schema", Severity: finding.Error, Message: "m", Pos: diag.Pos{File: "<stdin>", Line: 1, Column: 2}},
	}, 1, 0)
	var log sarifLog
	if err := json.Unmarshal(writeSARIF(t, r), &log); err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, res := range log.Runs[0].Results {
		a := res.Locations[0].PhysicalLocation.ArtifactLocation
		got = append(got, [2]string{a.URI, a.URIBaseID})
	}
	want := [][2]string{
		{"my%20jobs/a,b.yaml", "%SRCROOT%"},
		{"file:///abs/job.yaml", ""},
		{"%3Cstdin%3E", "%SRCROOT%"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("artifact locations %q, want %q", got, want)
	}
}

// TestSARIFFingerprint: a finding keeps its fingerprint when its line
// moves, and findings that differ get different ones.
func TestSARIFFingerprint(t *testing.T) {
	base := finding.Finding{Rule: "schema", Severity: finding.Error, Message: "m", Path: "spec.x",
		Pos: diag.Pos{File: "a.yaml", Line: 3, Column: 1}, Object: finding.Object{Kind: "Job", Namespace: "ml", Name: "a"}}
	moved, otherPath, otherObject := base, base, base
	moved.Line, moved.Column = 30, 5
	otherPath.Path = "spec.y"
	otherObject.Object.Name = "b"
	var log sarifLog
	if err := json.Unmarshal(writeSARIF(t, report.New([]finding.Finding{base, moved, otherPath, otherObject}, 2, 0)), &log); err != nil {
		t.Fatal(err)
	}
	fp := func(i int) string { return log.Runs[0].Results[i].PartialFingerprints["mljobFinding/v1"] }
	if fp(0) == "" || fp(0) != fp(1) {
		t.Errorf("a moved finding changed fingerprint: %q, %q", fp(0), fp(1))
	}
	if fp(0) == fp(2) || fp(0) == fp(3) {
		t.Error("different findings share a fingerprint")
	}
}
