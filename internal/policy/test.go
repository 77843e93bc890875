package policy

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/mljob/mljob/internal/diag"
)

// TestOptions says which Rego tests to run.
type TestOptions struct {
	// Paths are directories (read recursively) and .rego files: the user's
	// policies and their _test.rego files.
	Paths []string
	// Run, if set, is a regular expression; only tests whose name
	// (data.package.test_name) matches run, as with `opa test --run`.
	Run string
}

// Outcomes of a test.
const (
	Pass    = "PASS"
	Fail    = "FAIL"
	Error   = "ERROR"
	Skipped = "SKIPPED"
)

// TestResult is one Rego test's outcome.
type TestResult struct {
	Pos     diag.Pos
	Name    string // data.package.test_name
	Outcome string // Pass, Fail, Error or Skipped
	Err     string // the error of an Error outcome
	Output  string // what the test printed
}

// Test runs the Rego tests of opts.Paths with OPA's tester, together with
// the built-in pack (so tests can import data.mljob.lib and the built-in
// rules), under the same sandbox and checks as Load: a policy that would
// not load is an error, not a failing test. Results are sorted by
// position.
func Test(ctx context.Context, opts TestOptions) ([]TestResult, error) {
	base, err := builtins()
	if err != nil {
		return nil, err
	}
	srcs, err := readSources(opts.Paths, true)
	if err != nil {
		return nil, err
	}
	set, errs := withUser(base, srcs)
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	users := map[string]bool{}
	for _, s := range srcs {
		users[s.name] = true
	}
	res, err := runTests(ctx, set.modules, opts.Run)
	if err != nil {
		return nil, err
	}
	// Only the user's tests are theirs to see; the pack's are run by
	// mljob's own tests (and are not loaded here anyway).
	out := res[:0]
	for _, r := range res {
		if users[r.Pos.File] {
			out = append(out, r)
		}
	}
	return out, nil
}

// runTests compiles modules in the sandbox and runs their tests.
func runTests(ctx context.Context, modules map[string]*ast.Module, run string) ([]TestResult, error) {
	ch, err := tester.NewRunner().
		SetCompiler(newCompiler().WithEnablePrintStatements(true)).
		SetModules(modules).
		CapturePrintOutput(true).
		Filter(run).
		RunTests(ctx, nil)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return nil, astErrors(err).Err()
		}
		return nil, fmt.Errorf("run tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		t := TestResult{
			Pos:    astPos(r.Location),
			Name:   r.Package + "." + r.Name,
			Output: string(r.Output),
		}
		switch {
		case r.Skip:
			t.Outcome = Skipped
		case r.Error != nil:
			t.Outcome, t.Err = Error, r.Error.Error()
		case r.Fail:
			t.Outcome = Fail
		default:
			t.Outcome = Pass
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pos != out[j].Pos {
			return out[i].Pos.Less(out[j].Pos)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}
