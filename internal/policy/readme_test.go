package policy

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/golden"
	"github.com/mljob/mljob/internal/rules"
)

var update = flag.Bool("update", false, "rewrite the generated part of policies/README.md")

const (
	readme      = "../../policies/README.md"
	beginMarker = "<!-- BEGIN RULES -->\n"
	endMarker   = "<!-- END RULES -->\n"
)

// TestREADME: the catalogue of built-in rules in policies/README.md is
// generated from the rules' metadata and default_params, with the
// renderer of docs/rules.md; -update rewrites it.
func TestREADME(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("\n")
	// Under the README's "## Built-in rules".
	if err := rules.WriteMarkdown(&b, e.Docs(), 3); err != nil {
		t.Fatal(err)
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

// TestCatalogue: policies/catalogue.json, which lists and checks rule ids
// without compiling Rego, is what compiling the pack gives; -update
// rewrites it.
func TestCatalogue(t *testing.T) {
	const path = "../../policies/catalogue.json"
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := rules.GetCatalogueFormat("json")
	var got bytes.Buffer
	if err := f.Write(&got, e.Docs()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, path, got.Bytes(), *update)
}
