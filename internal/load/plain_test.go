package load

import (
	"strings"
	"testing"
)

// Plain data is evaluated in process; anything that could make a small
// file costly goes to the child evaluator and its budget.
func TestPlainData(t *testing.T) {
	for _, c := range []struct {
		src   string
		plain bool
	}{
		{`workloads: x: {type: "task", image: "a:1", retries: 2, env: {A: "b"}, args: ["-1", 2.5, -3, true, null]}`, true},
		{"package p\n\nworkloads: \"x-y\": {type: \"task\"}\nprofile: gpuTypes: t4: {resource: \"nvidia.com/gpu\"}", true},
		{`workloads: x: {type: "task", image: img}` + "\nimg: \"a:1\"", false}, // a reference
		{`a: "x"` + "\n" + `b: a + a`, false},
		{`workloads: x: {image: "a:\(v)"}` + "\nv: 1", false},
		{`workloads: {for i in [1, 2] {"w\(i)": {}}}`, false},
		{`import "list"` + "\n" + `a: list.Concat([[1], [2]])`, false},
		{`workloads: [string]: {retries: 2}`, false},
		{`workloads: X=x: {}`, false},
		{`let a = 1` + "\n" + `b: 2`, false},
		{`workloads: x: {#D: 1}` + "\n" + `{a: 1}`, false},
		{`workloads: x: {type: "task"} @attr()`, false},
		{`a: ` + strings.Repeat("[", plainDepth+2) + strings.Repeat("]", plainDepth+2), false},
		{`a: "` + strings.Repeat("x", plainMax) + `"`, false},
		{`a: {`, false}, // does not parse: the child says why
	} {
		if got := plainData([]Source{{Name: "w.cue", Data: []byte(c.src)}}); got != c.plain {
			t.Errorf("plainData(%.60q) = %v, want %v", c.src, got, c.plain)
		}
	}
}
