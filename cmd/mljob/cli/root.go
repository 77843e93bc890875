// Package cli is mljob's command line: cobra commands that turn flags into
// options for the pipeline package and print what it returns.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/report"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitInput    = 2
)

// exitError carries an exit code for an error already printed (or with
// nothing to print).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// Main runs mljob with os.Args and returns the exit code. CUE projects
// are evaluated in a child process under a budget (see load.Isolate): the
// same executable, started as an evaluator. It writes the profiles that
// MLJOB_CPUPROFILE and MLJOB_MEMPROFILE ask for; a profiled run evaluates
// CUE in process, where the profile sees it, without the budget.
func Main() int {
	if code, ok := load.ServeEvaluator(); ok {
		return code
	}
	if os.Getenv(EnvCPUProfile) == "" && os.Getenv(EnvMemProfile) == "" {
		load.Isolate()
	}
	defer startProfiles(os.Stderr)()
	return Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// Run runs mljob with args and returns the exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := NewRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	// Messages name the user's files and quote their values: they are
	// escaped, one line per diagnostic.
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, report.EscapeLine(ee.err.Error()))
		}
		return ee.code
	}
	var d *diag.Diagnostic
	var list diag.List
	switch {
	case errors.As(err, &list) && err.Error() == list.Error():
		// Diagnostics start with their position, as compilers print them.
		printDiags(stderr, list)
	case errors.As(err, &list):
		printWrapped(stderr, err, list)
	case errors.As(err, &d):
		printWrapped(stderr, err, diag.List{d})
	default:
		fmt.Fprintln(stderr, report.EscapeLine("mljob: "+err.Error()))
	}
	// Everything else (flags, arguments, files) is unusable input.
	return ExitInput
}

// MaxPrinted is how many problems are printed on stderr: sorted by file
// and line, the first ones are the ones to fix first, and more than a
// screenful of them hides the summary. The report formats hold them all.
const MaxPrinted = 20

// printDiags prints problems one a line, at most MaxPrinted, then how
// many more there are. Messages name the user's files and quote their
// values: each is escaped, so that a newline in one cannot start a
// forged line.
func printDiags(w io.Writer, list diag.List) {
	for i, d := range list {
		if i == MaxPrinted {
			fmt.Fprintf(w, "and %d more\n", len(list)-MaxPrinted)
			return
		}
		fmt.Fprintln(w, report.EscapeLine(d.Error()))
	}
}

// printWrapped prints err, which holds list: what err says around the
// list, then the list.
func printWrapped(w io.Writer, err error, list diag.List) {
	full, inner := err.Error(), list.Error()
	before, after, ok := strings.Cut(full, inner)
	if !ok {
		fmt.Fprintln(w, report.EscapeLine(full))
		return
	}
	if before = strings.TrimSuffix(before, "\n"); before != "" {
		fmt.Fprintln(w, report.EscapeLine(before))
	}
	printDiags(w, list)
	if after = strings.TrimPrefix(after, "\n"); after != "" {
		fmt.Fprintln(w, report.EscapeLine(after))
	}
}

// NewRoot builds the command tree.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "mljob",
		Short: "Turn CUE workloads into validated Kubernetes Jobs and CronJobs",
		Long: `mljob turns a few lines of CUE describing batch ML workloads (training,
batch inference, preprocessing, sweeps, scheduled retraining) into validated
Kubernetes batch/v1 Job and CronJob YAML.`,
		Example: `  mljob init ml-workloads                  # start a repository of workloads
  mljob render workloads/                  # print the Jobs and CronJobs
  mljob render workloads/ -o rendered/     # one file per object, for GitOps
  mljob lint workloads/ k8s/               # check workloads and manifests
  mljob plan workloads/ --window 7d        # GPUs at peak, CronJob collisions
  mljob explain training.gpu               # document a field
  source <(mljob completion bash)          # shell completion (also zsh, fish)`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.AddCommand(newRenderCmd(), newLintCmd(), newExplainCmd(), newImportCmd(), newFnCmd(), newVersionCmd())
	root.AddCommand(newPolicyCmd(), newInitCmd(), newRulesCmd(), newPlanCmd())
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		registerCompletions(c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	plainHelp(root)
	return root
}
