package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/explain"
	"github.com/mljob/mljob/internal/pipeline"
)

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain [TYPE[.FIELD...]]",
		Short: "Document the workload language",
		Long: `Explain prints the documentation of the workload language from its schema:
a field's description, its type with allowed values and defaults, and its
sub-fields. Without an argument it lists the workload types and fields.`,
		Example: `  mljob explain
  mljob explain training
  mljob explain training.gpu
  mljob explain sweep.sweep
  mljob explain profile.gpuTypes`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeExplain,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := explain.Load()
			if err != nil {
				return err
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			profile, err := pipeline.DefaultProfile()
			if err != nil {
				return err
			}
			out, err := s.Write(path, profile)
			if err != nil {
				return &pipeline.InputError{Err: err}
			}
			fmt.Fprint(cmd.OutOrStdout(), out)
			return nil
		},
	}
}
