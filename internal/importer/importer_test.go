package importer_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"slices"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/generators"
	"github.com/mljob/mljob/internal/golden"
	"github.com/mljob/mljob/internal/importer"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/workload"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestRoundTrip imports every Job and CronJob of the real-world corpus and
// of the rendered examples, writes the CUE, renders it with the real
// pipeline and checks each object is semantically equal to its target
// (the original, with the profile's defaults where it had none). A file
// is refused exactly when lint finds an error the API server would answer
// with a rejection. What was lifted into workload fields and what went to
// overrides, object by object, is a golden file: a feature whose lift
// stops working moves its fields into overrides, and the golden shows it.
func TestRoundTrip(t *testing.T) {
	var files []string
	for _, pat := range []string{"../../testdata/corpus/real-world/*.y*ml", "../../testdata/golden/examples/*.yaml"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) < 50 {
		t.Fatalf("only %d files to import; is testdata/corpus/real-world there?", len(files))
	}
	var refused []string
	imported := 0
	var report strings.Builder
	for _, f := range files {
		base := filepath.Base(f)
		t.Run(base, func(t *testing.T) {
			lint, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{f}, NoPolicies: true, PodSecurity: "privileged"})
			if err != nil {
				t.Fatal(err)
			}
			rejected := false
			for _, fd := range lint.Findings {
				rejected = rejected || fd.Severity == finding.Error && (fd.Rule == "schema" || fd.Rule == "api-validation")
			}
			res, err := pipeline.Import(pipeline.ImportOptions{Paths: []string{f}})
			if rejected {
				if err == nil || !strings.Contains(err.Error(), "import takes objects the API server accepts") {
					t.Fatalf("lint rejects %s, but import says %v", base, err)
				}
				refused = append(refused, base)
				fmt.Fprintf(&report, "%s: refused\n", base)
				return
			}
			if err != nil {
				if strings.Contains(err.Error(), "no batch/v1 Job or CronJob") {
					return
				}
				t.Fatalf("import: %v", err)
			}
			var results []*importer.Result
			var origs []runtime.Object
			for _, o := range res.Objects {
				results = append(results, o.Result)
				origs = append(origs, o.Original)
				describe(&report, base, o.Result)
				checkOverrides(t, o.Result, o.Original)
			}
			cue, err := importer.CUE(results, "test")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "imported.cue"), cue, 0o644); err != nil {
				t.Fatal(err)
			}
			rendered, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
			if err != nil {
				t.Fatalf("render the imported CUE: %v\n%s", err, cue)
			}
			// A workload's objects by kind: its Job or CronJob, and the
			// Service of a distributed Job, imported with it.
			byName := map[string]runtime.Object{}
			for _, d := range rendered.Documents {
				byName[d.Kind()+"/"+d.Source.Name] = d.Obj
			}
			for _, r := range results {
				targets := map[string]runtime.Object{r.Target.GetObjectKind().GroupVersionKind().Kind: r.Target}
				if r.Service != nil {
					targets["Service"] = r.Service
				}
				for kind, target := range targets {
					got, ok := byName[kind+"/"+r.Name]
					if !ok {
						t.Fatalf("workload %s: no %s rendered", r.Name, kind)
					}
					a, err := importer.Canonical(got)
					if err != nil {
						t.Fatal(err)
					}
					b, err := importer.Canonical(target)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(a, b) {
						ja, _ := json.Marshal(a)
						jb, _ := json.Marshal(b)
						t.Errorf("%s: rendered %s differs from the target\n got %s\nwant %s\nCUE:\n%s", r.Name, kind, ja, jb, cue)
					}
				}
				imported++
			}
		})
	}
	if imported < 50 {
		t.Errorf("only %d objects round-tripped", imported)
	}
	if len(refused) == 0 {
		t.Error("no corpus file was refused; the corpus has invalid ones (placeholders such as $ITEM)")
	}
	golden.Check(t, "testdata/lifted.golden", []byte(report.String()), *update)
}

// describe writes what import made of one object: the workload fields it
// set and the paths left to overrides.
func describe(b *strings.Builder, file string, r *importer.Result) {
	var m map[string]json.RawMessage
	js, _ := json.Marshal(r.Workload)
	_ = json.Unmarshal(js, &m)
	var fields []string
	for k := range m {
		if k != "overrides" {
			fields = append(fields, k)
		}
	}
	sort.Strings(fields)
	fmt.Fprintf(b, "%s: %s\n  fields: %s\n", file, r.Name, strings.Join(fields, " "))
	if len(r.Overridden) > 0 {
		fmt.Fprintf(b, "  overrides: %s\n", strings.Join(r.Overridden, " "))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(b, "  note: %s\n", n)
	}
}

// apiDefaults are fields the API server fills in; overrides never carry
// them unless the original writes them.
var apiDefaults = []string{"imagePullPolicy", "terminationMessagePath", "terminationMessagePolicy", "dnsPolicy", "schedulerName", "$setElementOrder"}

// checkOverrides checks that overrides say only what the original writes.
func checkOverrides(t *testing.T, r *importer.Result, orig runtime.Object) {
	t.Helper()
	o := string(r.Workload.Overrides)
	written, _ := json.Marshal(orig)
	for _, k := range apiDefaults {
		if strings.Contains(o, `"`+k) && !strings.Contains(string(written), `"`+k+`"`) {
			t.Errorf("%s: overrides carry %s, which the original does not write:\n%s", r.Name, k, o)
		}
	}
	var patch any
	_ = json.Unmarshal(r.Workload.Overrides, &patch)
	for _, p := range nullPaths(patch, "") {
		for _, d := range profileDefaulted {
			if strings.HasSuffix(p, d) {
				t.Errorf("%s: overrides pin %s to null, so the profile's default never applies:\n%s", r.Name, p, o)
			}
		}
	}
}

// profileDefaulted are the fields the profile has defaults for: a Job
// that leaves them out gets the profile's, never a pinned null.
var profileDefaulted = []string{
	".resources.requests", ".resources.limits", ".resources.requests.cpu", ".resources.requests.memory",
	".resources.limits.cpu", ".resources.limits.memory", "ttlSecondsAfterFinished", "activeDeadlineSeconds",
	"backoffLimit", "backoffLimitPerIndex", "startingDeadlineSeconds", "successfulJobsHistoryLimit",
	"failedJobsHistoryLimit", "concurrencyPolicy", "imagePullSecrets",
}

func nullPaths(v any, prefix string) []string {
	var out []string
	switch t := v.(type) {
	case nil:
		return []string{prefix}
	case map[string]any:
		for k, e := range t {
			out = append(out, nullPaths(e, prefix+"."+k)...)
		}
	case []any:
		for _, e := range t {
			out = append(out, nullPaths(e, prefix)...)
		}
	}
	return out
}

// TestImportOwnOutput imports what mljob renders from every golden case
// and example. Each workload must come back as workload fields, with
// nothing in overrides that the written workload did not put there (so a
// feature whose lift is broken fails here: its fields land in overrides),
// and render to the same object. Where nothing needs normalizing, it is
// the very workload written, field for field, env and sweep in order.
func TestImportOwnOutput(t *testing.T) {
	dirs, _ := filepath.Glob("../../testdata/render/*")
	examples, _ := filepath.Glob("../../examples/*")
	dirs = append(dirs, examples...)
	def, err := pipeline.DefaultProfile()
	if err != nil {
		t.Fatal(err)
	}
	checked, exact := 0, 0
	for _, dir := range dirs {
		if len(mustGlob(dir, "*.cue")) == 0 {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			l, err := load.NewLoader()
			if err != nil {
				t.Fatal(err)
			}
			srcs, err := l.ReadFiles(mustGlob(dir, "*.cue"))
			if err != nil {
				t.Fatal(err)
			}
			proj, err := l.Load(srcs)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(proj.Profile, def) {
				t.Skip("import lifts against the built-in profile; this project has its own")
			}
			rendered, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "rendered.yaml")
			var b strings.Builder
			for _, d := range rendered.Documents {
				b.WriteString("---\n")
				b.Write(d.YAML)
			}
			if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := pipeline.Import(pipeline.ImportOptions{Paths: []string{out}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*importer.Result{}
			for _, o := range res.Objects {
				got[o.Result.Name] = o.Result
			}
			for _, it := range proj.Workloads {
				r := got[it.Source.Name]
				if r == nil {
					t.Errorf("%s: not imported", it.Source.Name)
					continue
				}
				checked++
				written := importer.Minimize(it.Workload, it.Source, proj.Profile)
				gj, _ := json.Marshal(r.Workload)
				wj, _ := json.Marshal(written)
				if string(gj) == string(wj) {
					exact++
					continue
				}
				var wpaths []string
				collect(written.Overrides, "", &wpaths)
				var gpaths []string
				collect(r.Workload.Overrides, "", &gpaths)
				for _, p := range gpaths {
					if !slices.Contains(wpaths, p) {
						t.Errorf("%s: import put %s in overrides; the workload said it with fields\n imported %s\n written  %s", it.Source.Name, p, gj, wj)
					}
				}
				a, err := importer.Canonical(render1(t, r.Workload, it))
				if err != nil {
					t.Fatal(err)
				}
				w, err := importer.Canonical(render1(t, written, it))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a, w) {
					t.Errorf("%s: the imported workload renders differently\n imported %s\n written  %s", it.Source.Name, gj, wj)
				}
			}
		})
	}
	if checked < 30 || exact < checked/2 {
		t.Errorf("%d workloads checked, %d imported exactly as written", checked, exact)
	}
	t.Logf("%d workloads checked, %d imported exactly as written", checked, exact)
}

func render1(t *testing.T, w *workload.Workload, it load.Item) runtime.Object {
	t.Helper()
	p, err := pipeline.DefaultProfile()
	if err != nil {
		t.Fatal(err)
	}
	res, err := generators.Generate(w, it.Source, p)
	if err != nil {
		t.Fatal(err)
	}
	return res.Objects[0].Obj
}

// collect lists the leaf paths of a JSON patch.
func collect(patch json.RawMessage, prefix string, out *[]string) {
	if len(patch) == 0 {
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(patch, &m) != nil {
		*out = append(*out, prefix)
		return
	}
	for k, v := range m {
		if strings.HasPrefix(k, "$") {
			continue
		}
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		collect(v, p, out)
	}
}

func mustGlob(dir, pat string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, pat))
	return m
}

// A Job that leaves resources and its TTL to the API server imports to a
// workload without them, so the profile's defaults apply, and overrides
// pin no null and carry no API default.
func TestImportLeavesDefaultsToTheProfile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "job.yaml")
	job := `apiVersion: batch/v1
kind: Job
metadata: {name: bare}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: task
        image: ghcr.io/acme/tool:1.0
        command: ["tool"]
        imagePullPolicy: IfNotPresent
      initContainers:
      - {name: init, image: "busybox:1.36", command: ["true"]}
`
	if err := os.WriteFile(f, []byte(job), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Import(pipeline.ImportOptions{Paths: []string{f}})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Objects[0].Result
	w := r.Workload
	if w.Resources != nil || w.TTL != "" || w.Retries != nil {
		t.Errorf("resources %v, ttl %q, retries %v: want them left to the profile", w.Resources, w.TTL, w.Retries)
	}
	o := string(w.Overrides)
	for _, bad := range []string{"null", "terminationMessagePath", "terminationMessagePolicy", "setElementOrder", "ttlSecondsAfterFinished", "resources"} {
		if strings.Contains(o, bad) {
			t.Errorf("overrides carry %s: %s", bad, o)
		}
	}
	if !strings.Contains(o, `"initContainers"`) {
		t.Errorf("overrides lost the init container: %s", o)
	}
}
