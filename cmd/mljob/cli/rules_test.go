package cli_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/mljob/mljob/cmd/mljob/cli"
)

const rulesDoc = "../../../docs/rules.md"

// TestRulesDoc: docs/rules.md is what `mljob rules --format markdown`
// prints; -update rewrites it.
func TestRulesDoc(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli.Run([]string{"rules", "--format", "markdown"}, nil, &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("mljob rules exited %d: %s", code, stderr.String())
	}
	if *update {
		if err := os.WriteFile(rulesDoc, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Errorf("%s is stale; run go test ./cmd/mljob/cli -run TestRulesDoc -update and review the diff", rulesDoc)
	}
}
