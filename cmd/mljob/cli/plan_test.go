package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestPlanDoc keeps the example of docs/plan.md what mljob prints: the
// output the plan_timezones script checks.
func TestPlanDoc(t *testing.T) {
	ar, err := txtar.ParseFile("../../../testdata/script/plan_timezones.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, f := range ar.Files {
		if f.Name == "want-winter.txt" {
			want = string(f.Data)
		}
	}
	doc, err := os.ReadFile("../../../docs/plan.md")
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ mljob plan workloads/ --from 2026-01-10T00:00:00Z --window 6h\n"
	_, after, ok := strings.Cut(string(doc), cmd)
	got, _, _ := strings.Cut(after, "```")
	if want == "" || !ok || got != want {
		t.Errorf("docs/plan.md's example is not the output of testdata/script/plan_timezones.txtar's want-winter.txt:\n%s", want)
	}
}
