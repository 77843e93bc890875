package policy

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated part of policies/README.md")

const (
	readme      = "../../policies/README.md"
	beginMarker = "<!-- BEGIN RULES -->\n"
	endMarker   = "<!-- END RULES -->\n"
)

// TestREADME: the rule catalogue of policies/README.md is generated from
// the rules' metadata and default_params; -update rewrites it.
func TestREADME(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range e.Rules() {
		fmt.Fprintf(&b, "\n### %s (%s)\n\n%s.\n\n%s\n\nFix: %s\n", m.ID, m.Severity, m.Title, m.Description, m.Remediation)
		params, _ := e.DefaultParams(m.ID)
		if len(params) == 0 {
			continue
		}
		b.WriteString("\n| parameter | default |\n| --- | --- |\n")
		for _, k := range sortedKeys(params) {
			v, err := json.Marshal(params[k])
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "| `%s` | `%s` |\n", k, v)
		}
	}
	b.WriteString("\n")

	old, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(old, []byte(beginMarker)), bytes.Index(old, []byte(endMarker))
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q section", readme, beginMarker, endMarker)
	}
	want := string(old[:i+len(beginMarker)]) + b.String() + string(old[j:])
	if want == string(old) {
		return
	}
	if *update {
		if err := os.WriteFile(readme, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale; run go test ./internal/policy -run TestREADME -update", readme)
}
