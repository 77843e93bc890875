package benchcorpus

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueload "cuelang.org/go/cue/load"
	"github.com/open-policy-agent/opa/v1/rego"
	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/pipeline"
)

// The comparison is fair only if the peers do the same work: these tests
// check, on a corpus large enough to hold every variant, that the plain-CUE
// template renders what mljob renders and that the conftest policy finds
// what mljob's six rules find.

const testN = 300

func TestWorkloadsPrefixStable(t *testing.T) {
	small, large := Workloads(DefaultSeed, 50), Workloads(DefaultSeed, 200)
	if !reflect.DeepEqual(small, large[:50]) {
		t.Fatal("the first 50 of 200 workloads differ from the corpus of 50")
	}
	if reflect.DeepEqual(small, Workloads(DefaultSeed+1, 50)) {
		t.Fatal("the seed changes nothing")
	}
}

// TestCorpusMix checks that the corpus has every shape the benchmarks are
// meant to exercise.
func TestCorpusMix(t *testing.T) {
	count := map[string]int{}
	for _, w := range Workloads(DefaultSeed, testN) {
		count["type "+w.Type]++
		for feature, on := range map[string]bool{
			"gpu": w.GPUCount > 0, "gpu without type": w.GPUCount > 0 && w.GPUType == "",
			"schedule": w.Schedule != "", "timeZone": w.TimeZone != "", "shards": w.Shards > 0,
			"completions": w.Completions > 0, "parallelism": w.Parallelism > 0, "spot": w.Spot,
			"retriesPerIndex": w.RetriesPerIndex != nil, "exitCodes": len(w.ExitFail) > 0,
			"namespace": w.Namespace != "", "serviceAccount": w.ServiceAccount != "",
			"datasets": len(w.Datasets) > 0, "secret env": hasSecret(w.Env), "3 sweep params": len(w.Sweep) == 3,
			"latest": strings.HasSuffix(w.Image, ":latest"), "gpu without timeout": w.GPUCount > 0 && w.Timeout == "",
		} {
			if on {
				count[feature]++
			}
		}
	}
	for _, want := range []string{"type training", "type inference", "type preprocess", "type sweep", "type task",
		"gpu", "gpu without type", "schedule", "timeZone", "shards", "completions", "parallelism", "spot",
		"retriesPerIndex", "exitCodes", "namespace", "serviceAccount", "datasets", "secret env", "3 sweep params",
		"latest", "gpu without timeout"} {
		if count[want] == 0 {
			t.Errorf("no workload with %s in %d", want, testN)
		}
	}
	t.Logf("%v", count)
}

func hasSecret(env []Env) bool {
	for _, e := range env {
		if e.Secret != "" {
			return true
		}
	}
	return false
}

func writeProject(t *testing.T, ws []Workload) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	files := ProjectFiles(ws)
	if err := WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Join(dir, f.Name)
	}
	return dir, names
}

// key names an object as namespace/kind/name.
func key(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	return fmt.Sprintf("%v/%v/%v", meta["namespace"], obj["kind"], meta["name"])
}

// normal returns v as JSON-decoded values, so that objects from YAML and
// from CUE compare equal when they say the same.
func normal(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTemplateMatchesRender(t *testing.T) {
	ws := Workloads(DefaultSeed, testN)
	dir, files := writeProject(t, ws)
	tmpl := filepath.Join(t.TempDir(), TemplateFile)
	if err := os.WriteFile(tmpl, Template(), 0o644); err != nil {
		t.Fatal(err)
	}

	// cue export -e objects template.cue FILES...
	insts := cueload.Instances(append([]string{tmpl}, files...), &cueload.Config{Dir: dir})
	if len(insts) != 1 || insts[0].Err != nil {
		t.Fatalf("load: %v", insts[0].Err)
	}
	v := cuecontext.New().BuildInstance(insts[0]).LookupPath(cue.ParsePath("objects"))
	if err := v.Validate(cue.Concrete(true)); err != nil {
		t.Fatalf("template: %v", err)
	}
	var fromCUE []map[string]any
	if err := v.Decode(&fromCUE); err != nil {
		t.Fatal(err)
	}

	res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{}
	for _, d := range res.Documents {
		var obj map[string]any
		if err := yaml.Unmarshal(d.YAML, &obj); err != nil {
			t.Fatal(err)
		}
		want[key(obj)] = normal(t, obj)
	}
	if len(fromCUE) != len(want) {
		t.Fatalf("the template renders %d objects, mljob %d", len(fromCUE), len(want))
	}
	for _, obj := range fromCUE {
		got := normal(t, obj)
		k := key(got)
		if !reflect.DeepEqual(got, want[k]) {
			g, _ := yaml.Marshal(got)
			w, _ := yaml.Marshal(want[k])
			t.Errorf("%s: the template renders\n%s\nmljob renders\n%s", k, g, w)
		}
	}
}

func TestConftestMatchesRules(t *testing.T) {
	objs, err := Objects(Workloads(DefaultSeed, testN))
	if err != nil {
		t.Fatal(err)
	}
	files, err := Manifests(objs, DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	opts := []func(*rego.Rego){rego.Query("data.main.deny")}
	for name, src := range ConftestPolicy() {
		opts = append(opts, rego.Module(name, string(src)))
	}
	ctx := context.Background()
	q, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Findings as "object rule" → count.
	conftest := map[string]int{}
	var manifests []pipeline.Manifest
	for _, f := range files {
		manifests = append(manifests, pipeline.Manifest{Name: f.Name, Data: f.Data})
		var obj map[string]any
		if err := yaml.Unmarshal(f.Data, &obj); err != nil {
			t.Fatal(err)
		}
		rs, err := q.Eval(ctx, rego.EvalInput(obj))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			for _, e := range r.Expressions {
				for _, msg := range e.Value.([]any) {
					rule, _, _ := strings.Cut(strings.TrimPrefix(msg.(string), "["), "]")
					conftest[obj["metadata"].(map[string]any)["name"].(string)+" "+rule]++
				}
			}
		}
	}
	res, err := pipeline.Lint(pipeline.LintOptions{Manifests: manifests, Only: ConftestRules})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mljob := map[string]int{}
	rules := map[string]bool{}
	for _, f := range res.Findings {
		mljob[f.Object.Name+" "+f.Rule]++
		rules[f.Rule] = true
	}
	if !reflect.DeepEqual(conftest, mljob) {
		var diffs []string
		for k := range merge(conftest, mljob) {
			if conftest[k] != mljob[k] {
				diffs = append(diffs, fmt.Sprintf("%s: conftest %d, mljob %d", k, conftest[k], mljob[k]))
			}
		}
		sort.Strings(diffs)
		t.Errorf("conftest and mljob disagree:\n%s", strings.Join(diffs, "\n"))
	}
	for _, r := range ConftestRules {
		if !rules[r] {
			t.Errorf("rule %s never fires on the corpus: the comparison would not exercise it", r)
		}
	}
}

func merge(a, b map[string]int) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
