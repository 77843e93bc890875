package manifest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/manifest"
)

const stream = `# leading comment
---
apiVersion: batch/v1
kind: Job
metadata:
  name: train
  labels: &labels
    app: train
    team: ml
spec:
  template:
    metadata:
      labels:
        <<: *labels
        team: vision
    spec:
      containers:
      - name: trainer
        image: ghcr.io/acme/train:1
        resources:
          limits:
            nvidia.com/gpu: 2
---
---
# only a comment
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- apiVersion: batch/v1
  kind: CronJob
  metadata:
    name: nightly
    namespace: ml
`

func read(t *testing.T, src string) []*manifest.Document {
	t.Helper()
	docs, errs := manifest.Read("f.yaml", []byte(src))
	if err := errs.Err(); err != nil {
		t.Fatalf("Read: %v", err)
	}
	return docs
}

func TestReadStream(t *testing.T) {
	docs := read(t, stream)
	var got []string
	for _, d := range docs {
		got = append(got, fmt.Sprintf("%d %s %s %s/%s %s", d.Index, d.APIVersion, d.Kind, d.Namespace, d.Name, d.Pos()))
	}
	want := []string{
		"1 batch/v1 Job /train f.yaml:3:1",
		"4 v1 ConfigMap /a f.yaml:30:3",
		"4 batch/v1 CronJob ml/nightly f.yaml:31:3",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("documents:\n got %q\nwant %q", got, want)
	}
}

func TestPosOf(t *testing.T) {
	job := read(t, stream)[0]
	for _, tc := range []struct{ path, want string }{
		{"metadata.name", "f.yaml:6:3"},
		{"spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]", "f.yaml:22:13"},
		{"spec.template.spec.containers[0].image", "f.yaml:19:9"},
		// Absent fields point at their nearest present ancestor.
		{"spec.template.spec.containers[0].securityContext.privileged", "f.yaml:18:9"},
		{"spec.template.spec.containers[3].image", "f.yaml:17:7"},
		{"spec.template.spec.restartPolicy", "f.yaml:16:5"},
		{"spec.selector", "f.yaml:10:1"},
		// Merged keys are found where they are defined; later keys win.
		{"spec.template.metadata.labels[app]", "f.yaml:8:5"},
		{"spec.template.metadata.labels[team]", "f.yaml:15:9"},
		{"", "f.yaml:3:1"},
	} {
		if got := job.PosOf(tc.path).String(); got != tc.want {
			t.Errorf("PosOf(%q) = %s, want %s", tc.path, got, tc.want)
		}
	}
	if !job.Has("spec.template.spec.containers[0].name") || job.Has("spec.template.spec.restartPolicy") {
		t.Errorf("Has is wrong")
	}
}

func TestPosOfValue(t *testing.T) {
	job := read(t, stream)[0]
	if got := job.PosOfValue("metadata.labels", "ml").String(); got != "f.yaml:9:11" {
		t.Errorf("label value: got %s, want f.yaml:9:11", got)
	}
	if got := job.PosOfValue("metadata.labels", "team").String(); got != "f.yaml:9:5" {
		t.Errorf("label key: got %s, want f.yaml:9:5", got)
	}
	if got := job.PosOfValue("metadata.labels", "nothing").String(); got != "f.yaml:7:3" {
		t.Errorf("no match: got %s, want f.yaml:7:3", got)
	}
}

func TestParsePath(t *testing.T) {
	got := manifest.ParsePath("spec.containers[0].resources.limits[nvidia.com/gpu][*]")
	want := []manifest.Segment{
		{Key: "spec"}, {Key: "containers"}, {Index: 0, IsIndex: true}, {Key: "resources"},
		{Key: "limits"}, {Key: "nvidia.com/gpu"}, {Key: "*"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParsePath:\n got %+v\nwant %+v", got, want)
	}
}

// TestJSON checks the YAML to JSON conversion against what kubectl
// (sigs.k8s.io/yaml, YAML 1.1) sends.
func TestJSON(t *testing.T) {
	for _, tc := range []struct{ yaml, json string }{
		{"a: yes\nb: on\nc: n\nd: 'yes'\ne: true", `{"a":true,"b":true,"c":false,"d":"yes","e":true}`},
		{"a: 0755\nb: 0x1F\nc: 1_000\nd: 1.5\ne: 1e3\nf: -0b11\ng: 12345678901234567890", `{"a":493,"b":31,"c":1000,"d":1.5,"e":1000,"f":-3,"g":12345678901234567890}`},
		{"a: ~\nb: null\nc:\nd: \"\"", `{"a":null,"b":null,"c":null,"d":""}`},
		{"a: 2001-12-14\nb: 2001-12-14T21:59:43.10Z\nc: !!str 12\nd: !!float 1", `{"a":"2001-12-14","b":"2001-12-14T21:59:43.10Z","c":"12","d":1}`},
		{"1: a\ntrue: b\n1.5: c", `{"1":"a","true":"b","1.5":"c"}`},
		{"a: |\n  x\n  y\nb: >-\n  z\n  w", `{"a":"x\ny\n","b":"z w"}`},
		{"base: &b {p: 1, q: 2}\nm:\n  <<: *b\n  q: 3", `{"base":{"p":1,"q":2},"m":{"p":1,"q":3}}`},
		{"m:\n  <<: [{p: 1}, {p: 2, q: 2}]", `{"m":{"p":1,"q":2}}`},
		// YAML 1.1: a plain y is true, even as a key.
		{"y: 1\nn: 2", `{"true":1,"false":2}`},
		{"a: 1\na: 2", `{"a":2}`},
		{"{\"a\": [1, 2.0, \"x\"], \"b\": {}}", `{"a":[1,2,"x"],"b":{}}`},
	} {
		docs, errs := manifest.Read("f.yaml", []byte(tc.yaml))
		if err := errs.Err(); err != nil || len(docs) != 1 {
			t.Errorf("%q: %d documents, %v", tc.yaml, len(docs), err)
			continue
		}
		if got := string(docs[0].JSON); got != tc.json {
			t.Errorf("%q:\n got %s\nwant %s", tc.yaml, got, tc.json)
		}
	}
}

func TestDuplicates(t *testing.T) {
	docs := read(t, "kind: Job\napiVersion: batch/v1\nmetadata:\n  name: a\n  labels: {x: '1', x: '2'}\n  name: b\n")
	d := docs[0]
	if d.Name != "b" {
		t.Errorf("name = %q, want the last, b", d.Name)
	}
	var got []string
	for _, f := range d.Duplicates {
		var keys []string
		for _, s := range f.Path {
			keys = append(keys, s.Key)
		}
		got = append(got, strings.Join(keys, ".")+" "+f.Pos.String())
	}
	want := []string{"metadata.labels.x f.yaml:5:20", "metadata.name f.yaml:6:3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("duplicates:\n got %q\nwant %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Job\nspec: [\n---\napiVersion: v1\nkind: Secret\nmetadata:\n\tname: tab\n---\napiVersion: v1\nkind: Pod\n"
	docs, errs := manifest.Read("f.yaml", []byte(src))
	var kinds []string
	for _, d := range docs {
		kinds = append(kinds, d.Kind)
	}
	// The documents around the broken ones are still read.
	if want := []string{"ConfigMap", "Pod"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds = %q, want %q", kinds, want)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	want := []string{
		"f.yaml:6: invalid YAML: did not find expected node content",
		"f.yaml:11: invalid YAML: found character that cannot start any token",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

func TestJSONStream(t *testing.T) {
	src := "{\"apiVersion\": \"v1\", \"kind\": \"A\"}  {\"apiVersion\": \"v1\",\n  \"kind\": \"B\", \"x\": [1, 2]}\n"
	docs, errs := manifest.Read("f.json", []byte(src))
	if err := errs.Err(); err != nil || len(docs) != 2 {
		t.Fatalf("%d documents, %v", len(docs), err)
	}
	if got := docs[1].PosOf("x[1]").String(); got != "f.json:2:25" {
		t.Errorf("PosOf(x[1]) = %s, want f.json:2:25", got)
	}
	if got := docs[1].PosOf("apiVersion").String(); got != "f.json:1:37" {
		t.Errorf("PosOf(apiVersion) = %s, want f.json:1:37", got)
	}
}

func TestFieldAt(t *testing.T) {
	d := read(t, "a:\n  b: [1, {c: x}]\n")[0]
	// {"a":{"b":[1,{"c":"x"}]}}: "x" spans 18..21; a field is where its
	// key is.
	f, ok := d.FieldAt(20)
	if !ok {
		t.Fatal("no field at 20")
	}
	var keys []string
	for _, s := range f.Path {
		if s.IsIndex {
			keys = append(keys, fmt.Sprint(s.Index))
		} else {
			keys = append(keys, s.Key)
		}
	}
	if got := strings.Join(keys, "/") + " " + f.Pos.String(); got != "a/b/1/c f.yaml:2:11" {
		t.Errorf("FieldAt = %s, want a/b/1/c f.yaml:2:11", got)
	}
}

// locator places the fields of a generated object: paths below
// spec.template at line 5, the rest at the workload's line 3.
type locator struct{}

func (locator) PosOf(path string) diag.Pos {
	if strings.HasPrefix(path, "spec.template") {
		return diag.Pos{File: "w.cue", Line: 5, Column: 3}
	}
	return diag.Pos{File: "w.cue", Line: 3, Column: 2}
}

func TestFromObject(t *testing.T) {
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ml"}}
	job.SetGroupVersionKind(batchv1.SchemeGroupVersion.WithKind("Job"))
	d := manifest.FromObject(job, []byte(`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"a","namespace":"ml"}}`), locator{})
	if d.File != "w.cue" || d.Kind != "Job" || d.APIVersion != "batch/v1" || d.Name != "a" || d.Namespace != "ml" || d.Typed != job {
		t.Errorf("document = %+v", d)
	}
	for p, line := range map[string]int{"metadata.name": 3, "spec.template.spec": 5, "": 3} {
		if got := d.PosOf(p); got.Line != line {
			t.Errorf("PosOf(%q) = %s, want line %d", p, got, line)
		}
	}
	if !d.Has("metadata.name") || d.Has("spec.template") {
		t.Errorf("Has(metadata.name) = %v, Has(spec.template) = %v", d.Has("metadata.name"), d.Has("spec.template"))
	}
}

func TestNotObjects(t *testing.T) {
	docs := read(t, "just a string\n---\n- a\n- b\n---\nreplicas: 3\n")
	for _, d := range docs {
		if d.IsObject() {
			t.Errorf("%s is an object", d.JSON)
		}
	}
	if len(docs) != 3 {
		t.Errorf("%d documents, want 3", len(docs))
	}
}

// TestJSONMatchesKubectl converts YAML as kubectl does (split with
// apimachinery's YAMLReader, convert with sigs.k8s.io/yaml) and compares
// with Read, on tricky snippets and on every file of the real-world
// corpus.
func TestJSONMatchesKubectl(t *testing.T) {
	inputs := map[string][]byte{
		"tricky": []byte("a: yes\nb: Off\nc: 0755\nd: 0o17\ne: 1e3\nf: .5\ng: +1\nh: -.inf_\ni: 2001-12-14\nj: 12:30\nk: 0b101\n" +
			"l: ~\nm: !!str 5\nn: 1_0\no: '0x10'\np: 0x10\nq: [y, N, NO, true]\nr: {1: a, 2.5: b}\ns: 123456789012345678901\n" +
			"anchors: &x {k: v}\nt:\n  <<: *x\n  k2: v2\n"),
	}
	for name, data := range corpusFiles(t) {
		inputs[name] = data
	}
	for name, data := range inputs {
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for i := 0; ; i++ {
			chunk, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, err := sigsyaml.YAMLToJSON(chunk)
			if err != nil {
				t.Errorf("%s#%d: kubectl would fail: %v", name, i, err)
				continue
			}
			docs, errs := manifest.Read(name, chunk)
			if string(want) == "null" {
				if len(docs) != 0 {
					t.Errorf("%s#%d: empty for kubectl, %d documents here", name, i, len(docs))
				}
				continue
			}
			if errs.Err() != nil || len(docs) != 1 {
				t.Errorf("%s#%d: %d documents, %v", name, i, len(docs), errs.Err())
				continue
			}
			if !sameJSON(t, want, docs[0].JSON) {
				t.Errorf("%s#%d:\nkubectl %s\n   here %s", name, i, want, docs[0].JSON)
			}
		}
	}
}

// corpusFiles returns the files of the real-world corpus by name.
func corpusFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../../testdata/corpus/real-world/*.y*ml")
	if err != nil {
		t.Fatal(err)
	}
	legacy, _ := filepath.Glob("../../testdata/corpus/real-world/legacy/*.yaml")
	out := map[string][]byte{}
	for _, f := range append(files, legacy...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	if len(out) < 50 {
		t.Fatalf("only %d inputs: is testdata/corpus there?", len(out))
	}
	return out
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	for _, p := range []struct {
		data []byte
		into *any
	}{{a, &x}, {b, &y}} {
		dec := json.NewDecoder(bytes.NewReader(p.data))
		dec.UseNumber()
		if err := dec.Decode(p.into); err != nil {
			t.Fatalf("%s: %v", p.data, err)
		}
	}
	return reflect.DeepEqual(x, y)
}
