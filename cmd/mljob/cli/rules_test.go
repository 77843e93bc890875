package cli_test

import (
	"bytes"
	"testing"

	"github.com/mljob/mljob/cmd/mljob/cli"
	"github.com/mljob/mljob/internal/golden"
)

const rulesDoc = "../../../docs/rules.md"

// TestRulesDoc: docs/rules.md is what `mljob rules --format markdown`
// prints; -update rewrites it.
func TestRulesDoc(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli.Run([]string{"rules", "--format", "markdown"}, nil, &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("mljob rules exited %d: %s", code, stderr.String())
	}
	golden.Check(t, rulesDoc, stdout.Bytes(), *update)
}
