package generators_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/mljob/mljob/internal/generators"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/render"
	"github.com/mljob/mljob/internal/workload"
)

// renderCUE renders one project given as source text.
func renderCUE(t *testing.T, src string) []render.Document {
	t.Helper()
	res, err := pipeline.Render(pipeline.RenderOptions{Inline: []load.Source{{Name: "w.cue", Data: []byte(src)}}})
	if err != nil {
		t.Fatalf("render:\n%v\nsource:\n%s", err, src)
	}
	return res.Documents
}

func TestGridOrder(t *testing.T) {
	s := func(v ...string) []workload.Scalar {
		out := make([]workload.Scalar, len(v))
		for i, x := range v {
			out[i] = workload.Scalar{Text: x, JSON: []byte(`"` + x + `"`)}
		}
		return out
	}
	// Parameters and values in the order written: b before a.
	points, n := generators.Grid(workload.SweepGrid{{Name: "b", Values: s("2", "1")}, {Name: "a", Values: s("x", "y", "z")}}, 100)
	if n != 6 || len(points) != 6 {
		t.Fatalf("n = %d, %d points", n, len(points))
	}
	var got []string
	for _, p := range points {
		got = append(got, p[0].Name+"="+p[0].Value.Text+","+p[1].Name+"="+p[1].Value.Text)
	}
	want := "b=2,a=x b=2,a=y b=2,a=z b=1,a=x b=1,a=y b=1,a=z"
	if strings.Join(got, " ") != want {
		t.Errorf("grid = %v\nwant %s", got, want)
	}
	if p, n := generators.Grid(workload.SweepGrid{{Name: "a", Values: s("1", "2")}, {Name: "b", Values: s("1", "2")}}, 3); p != nil || n != 4 {
		t.Errorf("grid over the limit: %d points, n = %d", len(p), n)
	}
}

// The grid of a real project follows the order of its source, and so does
// the sweep annotation.
func TestSweepOrderFromSource(t *testing.T) {
	docs := renderCUE(t, `workloads: s: {type: "sweep", image: "a:1", command: ["x"], sweep: {zeta: [2, 1], alpha: ["b", "a"]}}`)
	job := docs[0].Obj.(*batchv1.Job)
	want := `[{"zeta":2,"alpha":"b"},{"zeta":2,"alpha":"a"},{"zeta":1,"alpha":"b"},{"zeta":1,"alpha":"a"}]`
	if got := job.Annotations[generators.AnnotSweep]; got != want {
		t.Errorf("annotation %s\nwant       %s", got, want)
	}
}

// sweepValues are values that each break a naive script: the kubelet's
// $(VAR) expansion ($$, $(X), a variable the container does define),
// the shell's quoting, whitespace, and bytes beyond ASCII.
var sweepValues = []string{
	"a$$b", "$(X)", "$(MLJOB_SWEEP_SIZE)", "$(SWEEP_W)", "$$(X)", "$", "trailing$", "$HOME", "${HOME}",
	`it's "quoted"`, "'", "two  spaces ", `back\slash\n`, "new\nline", "tab\there", "`id`", "$(id)",
	"ünïcødé ✓ 日本", "",
}

// TestSweepValuesByteExact renders a sweep whose values are sweepValues,
// then runs every index as Kubernetes would: the kubelet's own expansion
// of command and args (with the environment it builds), then the real
// /bin/sh running the start script, which runs this test binary as the
// trial. Each trial must see --v=VALUE and SWEEP_V byte for byte.
func TestSweepValuesByteExact(t *testing.T) {
	if _, err := exec.LookPath("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	vs, _ := json.Marshal(sweepValues)
	ws := []string{"1", "x y"}
	wjs, _ := json.Marshal([]any{1, "x y"})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd, _ := json.Marshal([]string{self, "-test.run=^TestSweepHelperProcess$", "--"})
	docs := renderCUE(t, fmt.Sprintf(`workloads: s: {type: "sweep", image: "a:1", command: %s, args: ["--fixed"], sweep: {v: %s, w: %s}}`, cmd, vs, wjs))
	job := docs[0].Obj.(*batchv1.Job)
	c := job.Spec.Template.Spec.Containers[0]
	n := len(sweepValues) * len(ws)
	if got := *job.Spec.Completions; int(got) != n {
		t.Fatalf("completions = %d, want %d", got, n)
	}
	for i := range n + 1 {
		argv, env := kubeletStart(job, c, i)
		run := exec.Command(argv[0], argv[1:]...)
		run.Env = []string{"MLJOB_SWEEP_HELPER=1", "HOME=/nowhere"}
		for k, v := range env {
			run.Env = append(run.Env, k+"="+v)
		}
		out, err := run.Output()
		if i == n {
			// One index past the grid: the script says so and fails.
			if err == nil {
				t.Errorf("index %d of %d points ran: %s", i, n, out)
			}
			continue
		}
		if err != nil {
			t.Fatalf("index %d: %v\n%s", i, err, out)
		}
		var got struct {
			Args []string
			Env  map[string]string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("index %d: %v: %s", i, err, out)
		}
		v, w := sweepValues[i/len(ws)], ws[i%len(ws)]
		wantArgs := []string{"--fixed", "--v=" + v, "--w=" + w}
		wantEnv := map[string]string{"SWEEP_V": v, "SWEEP_W": w}
		if !reflect.DeepEqual(got.Args, wantArgs) || !reflect.DeepEqual(got.Env, wantEnv) {
			t.Errorf("index %d:\n got args %q env %q\nwant args %q env %q", i, got.Args, got.Env, wantArgs, wantEnv)
		}
	}
}

// TestSweepHelperProcess is the trial of TestSweepValuesByteExact: it
// prints the arguments after "--" and the SWEEP_ variables as JSON.
func TestSweepHelperProcess(t *testing.T) {
	if os.Getenv("MLJOB_SWEEP_HELPER") != "1" {
		t.Skip("run by TestSweepValuesByteExact")
	}
	var out struct {
		Args []string
		Env  map[string]string
	}
	for i, a := range os.Args {
		if a == "--" {
			out.Args = os.Args[i+1:]
			break
		}
	}
	out.Env = map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "SWEEP_") {
			out.Env[k] = v
		}
	}
	b, _ := json.Marshal(out)
	os.Stdout.Write(b)
	os.Exit(0)
}

// EscapeExpansion is exact for every byte string the kubelet may see.
func TestEscapeExpansion(t *testing.T) {
	for _, s := range append(sweepValues, "$$$", "$(", "$)(", "$($(A))") {
		got, _ := kubeletStart(&batchv1.Job{}, containerWith(generators.EscapeExpansion(s)), 0)
		if got[0] != s {
			t.Errorf("%q came back as %q", s, got[0])
		}
	}
}

// TestEnvOrder: env keeps the order written, so $(ROOT) in a later value
// expands in the container, and an indexed workload's value may use
// $(JOB_COMPLETION_INDEX).
func TestEnvOrder(t *testing.T) {
	docs := renderCUE(t, `workloads: s: {
	type: "inference", image: "a:1", command: ["x"], shards: 2
	env: {ZED: "z", ROOT: "/data", DATA_DIR: "$(ROOT)/train", OUT: "/out/part-$(JOB_COMPLETION_INDEX)", TOKEN: {secret: "s", key: "k"}}
}`)
	job := docs[0].Obj.(*batchv1.Job)
	c := job.Spec.Template.Spec.Containers[0]
	var names []string
	for _, e := range c.Env {
		names = append(names, e.Name)
	}
	if got, want := strings.Join(names, " "), "JOB_COMPLETION_INDEX MLJOB_SHARDS ZED ROOT DATA_DIR OUT TOKEN"; got != want {
		t.Errorf("env order %s\nwant      %s", got, want)
	}
	_, env := kubeletStart(job, c, 1)
	for k, want := range map[string]string{"DATA_DIR": "/data/train", "OUT": "/out/part-1", "MLJOB_SHARDS": "2", "TOKEN": "<secret:s/k>"} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	// Findings about env[i] land on the line of that variable.
	for i, e := range c.Env {
		f, _ := docs[0].Fields.Field(fmt.Sprintf("spec.template.spec.containers[0].env[%d]", i))
		if want := "env." + e.Name; strings.HasPrefix(e.Name, "JOB_") || strings.HasPrefix(e.Name, "MLJOB_") {
			if strings.HasPrefix(f, "env.") {
				t.Errorf("generated %s blamed on %s", e.Name, f)
			}
		} else if f != want {
			t.Errorf("env[%d] (%s) comes from %q, want %q", i, e.Name, f, want)
		}
	}
}
