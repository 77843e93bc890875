package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mljob/mljob/cmd/mljob/cli"
)

// The exit status of `mljob policy test`: 0 all pass, 1 a test fails, 2 the
// policies do not load (testdata/script/policy.txtar checks the output).
func TestPolicyTestExitStatus(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"pass/a_test.rego":    "package a_test\n\ntest_ok if true\n",
		"fail/a_test.rego":    "package a_test\n\ntest_not_ok if false\n",
		"error/a_test.rego":   "package a_test\n\ntest_errs if 1 / 0 == 1\n",
		"sandbox/a_test.rego": "package a_test\n\ntest_env if opa.runtime().env\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for sub, want := range map[string]int{"pass": cli.ExitOK, "fail": cli.ExitFindings, "error": cli.ExitFindings, "sandbox": cli.ExitInput, "missing": cli.ExitInput} {
		var out, errOut bytes.Buffer
		if got := cli.Run([]string{"policy", "test", filepath.Join(dir, sub)}, nil, &out, &errOut); got != want {
			t.Errorf("policy test %s: exit %d, want %d\n%s%s", sub, got, want, out.String(), errOut.String())
		}
	}
}
