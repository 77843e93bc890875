package load

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The test binary doubles as the CUE evaluator.
func TestMain(m *testing.M) {
	if code, ok := ServeEvaluator(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func isolate(t *testing.T) {
	t.Helper()
	Isolate()
	t.Cleanup(func() {
		isolateMu.Lock()
		isolated = false
		isolateMu.Unlock()
	})
}

// TestIsolatedMatchesInProcess: a project evaluated in the child comes
// back exactly as it is evaluated in process, errors included.
func TestIsolatedMatchesInProcess(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*")
	var groups [][]string
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.cue"))
		if len(files) > 0 {
			groups = append(groups, files)
		}
	}
	if len(groups) < 5 {
		t.Fatalf("only %d example projects", len(groups))
	}
	broken := filepath.Join(t.TempDir(), "broken.cue")
	if err := os.WriteFile(broken, []byte("workloads: a: {type: \"training\"}\nworkloads: b: {type: \"nope\", image: \"x:1\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	groups = append(groups, []string{broken})
	load := func(files []string) (*Project, error) {
		l, err := NewLoader()
		if err != nil {
			t.Fatal(err)
		}
		srcs, err := l.ReadFiles(files)
		if err != nil {
			t.Fatal(err)
		}
		return l.Load(srcs)
	}
	var want []string
	var wantProjects []*Project
	for _, g := range groups {
		p, err := load(g)
		want = append(want, fmt.Sprint(err))
		wantProjects = append(wantProjects, p)
	}
	isolate(t)
	for i, g := range groups {
		p, err := load(g)
		if got := fmt.Sprint(err); got != want[i] {
			t.Errorf("%s: error\n got %s\nwant %s", g[0], got, want[i])
		}
		if !reflect.DeepEqual(p, wantProjects[i]) {
			t.Errorf("%s: the project differs from the one evaluated in process", g[0])
		}
	}
}

// TestBudget: CUE that asks for memory or time without end is stopped,
// with an error naming the project and the limit.
func TestBudget(t *testing.T) {
	var doubling, concat strings.Builder
	doubling.WriteString("_s0: \"xxxxxxxxxxxxxxxx\"\n")
	concat.WriteString("import \"list\"\n_l0: [1, 2, 3, 4]\n")
	for i := 1; i <= 39; i++ {
		fmt.Fprintf(&doubling, "_s%d: _s%d + _s%d\n", i, i-1, i-1)
	}
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&concat, "_l%d: list.Concat([_l%d, _l%d])\n", i, i-1, i-1)
	}
	doubling.WriteString("workloads: w: {type: \"task\", image: \"x:1\", args: [_s39]}\n")
	concat.WriteString("workloads: w: {type: \"task\", image: \"x:1\", args: [for x in _l60 {\"\\(x)\"}]}\n")
	isolate(t)
	l, err := NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, src, want string }{
		{"doubling.cue", doubling.String(), "project doubling.cue: evaluating it took more than 257 MiB of memory"},
		{"concat.cue", concat.String(), "project concat.cue: evaluating it took more than"},
	} {
		_, err := l.Load([]Source{{Name: tc.name, Data: []byte(tc.src)}})
		if err == nil || !strings.HasPrefix(err.Error(), tc.name+": "+tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// The next project is evaluated by a new child.
	p, err := l.Load([]Source{{Name: "ok.cue", Data: []byte("workloads: ok: {type: \"task\", image: \"x:1\"}\n")}})
	if err != nil || len(p.Workloads) != 1 {
		t.Errorf("after a project over budget: %v", err)
	}
}
