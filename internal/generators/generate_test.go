package generators_test

import (
	"os/exec"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/mljob/mljob/internal/generators"
	"github.com/mljob/mljob/internal/workload"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"30s", 30, false},
		{"90m", 5400, false},
		{"6h", 21600, false},
		{"1h30m", 5400, false},
		{"2d", 172800, false},
		{"1d2h3m4s", 93784, false},
		{"0s", 0, false},
		{"", 0, true},
		{"h", 0, true},
		{"1.5h", 0, true},
		{"1x", 0, true},
		{"3m1h", 0, true},
	} {
		got, err := generators.ParseDuration(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestGridOrder(t *testing.T) {
	s := func(v ...string) []workload.Scalar {
		out := make([]workload.Scalar, len(v))
		for i, x := range v {
			out[i] = workload.Scalar{Text: x, JSON: []byte(`"` + x + `"`)}
		}
		return out
	}
	points, n := generators.Grid(map[string][]workload.Scalar{"b": s("1", "2"), "a": s("x", "y", "z")}, 100)
	if n != 6 || len(points) != 6 {
		t.Fatalf("n = %d, %d points", n, len(points))
	}
	var got []string
	for _, p := range points {
		got = append(got, p[0].Name+"="+p[0].Value.Text+","+p[1].Name+"="+p[1].Value.Text)
	}
	want := "a=x,b=1 a=x,b=2 a=y,b=1 a=y,b=2 a=z,b=1 a=z,b=2"
	if strings.Join(got, " ") != want {
		t.Errorf("grid = %v\nwant %s", got, want)
	}
	if p, n := generators.Grid(map[string][]workload.Scalar{"a": s("1", "2"), "b": s("1", "2")}, 3); p != nil || n != 4 {
		t.Errorf("grid over the limit: %d points, n = %d", len(p), n)
	}
}

// TestSweepScript runs the generated start script with /bin/sh for every
// index, as the container would, and checks the arguments and environment
// each trial sees, including values that need quoting.
func TestSweepScript(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	sc := func(text, js string) workload.Scalar { return workload.Scalar{Text: text, JSON: []byte(js)} }
	w := &workload.Workload{
		Type:    workload.Sweep,
		Image:   "a:1",
		Command: []string{"sh", "-c", `printf '%s|' "$@"; printf 'env:%s|%s\n' "$SWEEP_LR" "$SWEEP_NOTE"`, "argv0"},
		Args:    []string{"--fixed"},
		Sweep: map[string][]workload.Scalar{
			"lr":   {sc("0.1", "0.1"), sc("0.01", "0.01")},
			"note": {sc(`it's "$(x)" $HOME`, `"it's \"$(x)\" $HOME"`)},
		},
	}
	objs, err := generators.Generate(w, &workload.Source{Name: "s"}, profile(t))
	if err != nil {
		t.Fatal(err)
	}
	c := objs[0].Obj.(*batchv1.Job).Spec.Template.Spec.Containers[0]
	argv := append(append([]string(nil), c.Command...), c.Args...)
	for i := range argv {
		// What the kubelet does with $$( before the container starts.
		argv[i] = strings.ReplaceAll(argv[i], "$$(", "$(")
	}
	want := []string{
		`--fixed|--lr=0.1|--note=it's "$(x)" $HOME|env:0.1|it's "$(x)" $HOME`,
		`--fixed|--lr=0.01|--note=it's "$(x)" $HOME|env:0.01|it's "$(x)" $HOME`,
	}
	for i, w := range want {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = []string{"JOB_COMPLETION_INDEX=" + string(rune('0'+i)), "HOME=/nowhere"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("index %d: %v\n%s", i, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != w {
			t.Errorf("index %d:\n got %s\nwant %s", i, got, w)
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"JOB_COMPLETION_INDEX=2"}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no sweep parameters for index 2") {
		t.Errorf("index 2 of 2: err %v, output %s", err, out)
	}
}
