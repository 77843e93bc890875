package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/policy"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with Rego policies",
		Long: `Policies are rules written in Rego, beside mljob's built-in ones. See
policies/README.md for the input they are evaluated against and the metadata
each rule needs.`,
		Example: `  mljob policy test policies/`,
	}
	cmd.AddCommand(newPolicyTestCmd())
	return cmd
}

func newPolicyTestCmd() *cobra.Command {
	var opts policy.TestOptions
	cmd := &cobra.Command{
		Use:   "test PATH...",
		Short: "Run the Rego tests of policies",
		Long: `Test runs the tests (rules named test_*) of the .rego files in each PATH, a
directory (read recursively) or a file, with OPA's test runner. The built-in
rule pack is loaded too, so tests can import data.mljob.lib. Policies are
loaded as lint loads them: sandboxed, and with their METADATA checked.

Exit status: 0 when every test passes, 1 when one fails, 2 when the policies
could not be loaded.`,
		Example: `  mljob policy test policy/
  mljob policy test --run team_label policy/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			res, err := policy.Test(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if len(res) == 0 {
				return &exitError{code: ExitInput, err: errors.New("no tests found in " + strings.Join(args, ", "))}
			}
			if failed := printTestResults(cmd.OutOrStdout(), res); failed {
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Run, "run", "", "run only tests whose name (data.package.test_name) matches `REGEX`")
	return cmd
}

// printTestResults prints one line per test, then the tally, as `opa
// test -v` does without timings (output must not change from run to run).
// It reports whether a test failed or erred.
func printTestResults(w io.Writer, res []policy.TestResult) bool {
	counts := map[string]int{}
	for _, r := range res {
		counts[r.Outcome]++
		fmt.Fprintf(w, "%s: %s: %s\n", r.Pos, r.Name, r.Outcome)
		if r.Outcome == policy.Pass {
			continue
		}
		for _, text := range []string{r.Err, r.Output} {
			for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
				if line != "" {
					fmt.Fprintf(w, "  %s\n", line)
				}
			}
		}
	}
	fmt.Fprintln(w, strings.Repeat("-", 40))
	for _, o := range []string{policy.Pass, policy.Fail, policy.Error, policy.Skipped} {
		if counts[o] > 0 || o == policy.Pass {
			fmt.Fprintf(w, "%s: %d/%d\n", o, counts[o], len(res))
		}
	}
	return counts[policy.Fail]+counts[policy.Error] > 0
}
