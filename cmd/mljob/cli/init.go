package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/scaffold"
)

func newInitCmd() *cobra.Command {
	var opts scaffold.Options
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Start a workloads repository",
		Long: `Init writes the skeleton of a workloads repository into DIR (default "."):

  .mljob.yaml                   lint settings, with rules and waivers to fill in
  workloads/profile.cue         the platform profile: namespace, registry, defaults
  workloads/train.cue           a training workload on a GPU
  workloads/nightly.cue         a scheduled workload (a CronJob)
  rendered/                     their Jobs and CronJobs, as mljob render -o writes them
  .pre-commit-config.yaml       the mljob-lint and mljob-render-check hooks
  .github/workflows/mljob.yaml  CI: lint with findings in code scanning, render --check
  README.md                     how to work in the repository

Right after init, "mljob lint" and "mljob render workloads/ -o rendered/
--check" pass in DIR. Init refuses to overwrite a file that exists, and then
writes nothing, unless --force; other files in DIR are left alone.`,
		Example: `  mljob init ml-workloads
  cd ml-workloads && git init && pre-commit install
  mljob init --force .   # restore the skeleton's files in an existing repository`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			res, err := scaffold.Init(opts)
			var exists *scaffold.ExistsError
			if errors.As(err, &exists) {
				for _, f := range exists.Files {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: exists\n", display(opts.Dir, f))
				}
				return &exitError{code: ExitInput, err: fmt.Errorf("init: nothing written: %d files exist (--force overwrites them)", len(exists.Files))}
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, f := range res.Files {
				fmt.Fprintf(w, "wrote %s\n", display(opts.Dir, f))
			}
			fmt.Fprintf(w, "\nNext: edit %s for your cluster; %s says the rest.\n", display(opts.Dir, "workloads/profile.cue"), display(opts.Dir, "README.md"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite files of the skeleton that exist")
	return cmd
}

// display is f, a path under dir, as the user would type it.
func display(dir, f string) string {
	return filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(f)))
}
