package policy_test

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/policy"
)

// TestExamplesPassErrorRules: what `mljob render` makes of the examples
// passes every error-level rule (warnings are the user's call: a GPU job
// without a timeout, say).
func TestExamplesPassErrorRules(t *testing.T) {
	const examples = "../../examples"
	if _, err := os.Stat(examples); err != nil {
		t.Skipf("no examples: %v", err)
	}
	res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{examples + "/..."}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Documents) == 0 {
		t.Fatal("the examples render to nothing")
	}
	e, err := policy.Load(policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d objects", len(res.Documents))
	for _, d := range res.Documents {
		var obj map[string]any
		if err := yaml.Unmarshal(d.YAML, &obj); err != nil {
			t.Fatal(err)
		}
		file := d.Source.Pos.String()
		fs, err := e.Eval(obj, file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, f := range fs {
			if f.Severity >= finding.Error {
				t.Errorf("%s: %s: [%s] %s (%s)", file, f.Object, f.Rule, f.Message, f.Path)
			} else {
				t.Logf("%s: %s: [%s] %s", file, f.Object, f.Rule, f.Message)
			}
		}
	}
}
