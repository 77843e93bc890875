package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/krmfn"
)

func newFnCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "fn",
		Short: "Run as a KRM function (kustomize, kpt): ResourceList in, ResourceList out",
		Long: `Fn reads a ResourceList on stdin and writes one on stdout, following the KRM
function specification, so mljob can run inside kustomize (as an exec
function) or kpt. Its functionConfig is an MLJob:

  apiVersion: fn.mljob.dev/v1alpha1
  kind: MLJob
  metadata:
    name: workloads
    annotations:
      config.kubernetes.io/function: |
        exec:
          path: mljob
          args: [fn]
  spec:
    paths: [workloads]   # CUE projects to render into items (generator)
    source: |            # or CUE written inline
      workloads: train: {type: "training", image: "ghcr.io/acme/train:1"}
    validate: true       # lint Jobs and CronJobs of items (validator)

Generated Jobs and CronJobs are added to items; with validate, findings are
reported as results (severity, resource, field, file), and an error-level
finding fails the function. In kustomize, list the MLJob under generators:
to generate, and under transformers: to validate (a validate-only run
returns the items unchanged; kustomize's validators: field refuses exec
functions' output even then).`,
		Example: `  # with the MLJob above listed under generators: in kustomization.yaml
  kustomize build --enable-alpha-plugins --enable-exec .
  mljob fn < resource-list.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := findConfig()
			if err != nil {
				return err
			}
			if err := krmfn.Run(cmd.InOrStdin(), cmd.OutOrStdout(), krmfn.LintValidator, cfg.MaxInputSize()); err != nil {
				// Findings fail the function with 1, unusable input
				// (the ResourceList, its functionConfig, the workloads)
				// with 2.
				code := ExitFindings
				var bad *krmfn.InputError
				if errors.As(err, &bad) {
					code = ExitInput
				}
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
}
