package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/report"
	"github.com/mljob/mljob/internal/validate"
)

func newLintCmd() *cobra.Command {
	var (
		opts   pipeline.LintOptions
		format string
		failOn string
		lc     lintConfigFlags
		out    outputFlags
	)
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Check Job and CronJob manifests as the Kubernetes API server would",
		Long: `Lint checks batch Jobs and CronJobs offline, with the API server's own code:
strict decoding (schema), create-time validation (api-validation), served API
versions (deprecated-api), fields of the target version (kube-version) and the
Pod Security Standards (pod-security).

PATH is a manifest (.yaml, .yml, .json, one or many documents), a CUE workload
file, a directory (walked recursively: directories with .cue files are CUE
projects, rendered then checked; manifests are checked; hidden directories are
skipped) or - for standard input; default ".". Objects that are not Jobs or
CronJobs are counted and skipped.

Every finding says how to fix it (in text, on an indented "fix:" line; not
with --no-fix). Inputs that could not be used (files that do not parse, CUE
that does not evaluate, policies or a configuration that do not load) are
printed on stderr and reported in every format: json "errors", sarif tool
execution notifications, junit testcases in error, github ::error lines.

Exit status: 0 when no finding is at or above --fail-on, 1 when one is, 2 when
an input could not be used (the others are still checked and reported). A
directory without a Job or CronJob is said on stderr, and is not an error.`,
		Example: `  mljob lint jobs/
  helm template . | mljob lint -
  mljob lint --kube-version 1.29 --pod-security restricted --format json cronjob.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, ok := report.Get(format)
			if !ok {
				return fmt.Errorf("unknown --format %q (want %s)", format, strings.Join(report.Names(), ", "))
			}
			if err := lc.apply(cmd, &opts, &failOn); err != nil {
				// A configuration that does not load is an input error:
				// reported in the format asked for, as CI reads it.
				var ie *pipeline.InputError
				if !errors.As(err, &ie) {
					return err
				}
				var errs diag.List
				errs.Append(ie.Err)
				errs.Sort()
				return writeLint(cmd, f, out, &pipeline.LintResult{Errors: errs}, report.FailNever)
			}
			min, err := report.ParseFailOn(failOn)
			if err != nil {
				return fmt.Errorf("--fail-on: %w", err)
			}
			opts.Paths = args
			opts.Stdin = cmd.InOrStdin()
			tuneGC()
			res, err := pipeline.Lint(opts)
			if err != nil {
				return err
			}
			return writeLint(cmd, f, out, res, min)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&format, "format", "f", "text", "output `FORMAT`: "+formatHelp())
	fl.StringVar(&failOn, "fail-on", "error", "exit 1 when a finding no waiver covers is at or above `LEVEL`: "+strings.Join(report.FailOnLevels, ", ")+" (never: findings do not fail)")
	fl.StringVar(&opts.KubeVersion, "kube-version", "", "target Kubernetes `VERSION` (e.g. 1.30; default "+validate.ValidationVersion.String()+", the validation code's)")
	fl.StringVarP(&opts.Namespace, "namespace", "n", "", "`NAMESPACE` of objects that name none (default \"default\")")
	fl.StringVar(&opts.PodSecurity, "pod-security", "baseline", "Pod Security Standards `LEVEL`: "+strings.Join(validate.PodSecurityLevels, ", ")+" (off)")
	lc.register(fl, &opts)
	out.register(fl)
	_ = cmd.RegisterFlagCompletionFunc("format", words(formatWords()...))
	return cmd
}

// writeLint prints the inputs that could not be used on stderr, writes
// the report (which carries them too, for CI), and returns the exit
// status: 2 when an input could not be used, else 1 when a finding is at
// or above min.
func writeLint(cmd *cobra.Command, f report.Format, out outputFlags, res *pipeline.LintResult, min finding.Severity) error {
	printDiags(cmd.ErrOrStderr(), res.Errors)
	for _, p := range res.Empty {
		fmt.Fprintf(cmd.ErrOrStderr(), "mljob: %s: no Job or CronJob found\n", report.Escape(p))
	}
	rep := report.New(res.Findings, res.Objects, res.Skipped)
	rep.Rules = res.Rules
	rep.AddErrors(res.Errors)
	if err := f.Write(cmd.OutOrStdout(), rep, out.options(cmd)); err != nil {
		return err
	}
	switch {
	case rep.Unusable():
		return &exitError{code: ExitInput}
	case rep.Fails(min):
		return &exitError{code: ExitFindings}
	}
	return nil
}

func formatHelp() string {
	var parts []string
	for _, f := range report.Formats() {
		parts = append(parts, f.Name+" ("+f.Description+")")
	}
	return strings.Join(parts, ", ")
}
