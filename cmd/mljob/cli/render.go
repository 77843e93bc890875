package cli

import (
	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/render"
)

func newRenderCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "render [PATH...]",
		Short: "Render CUE workloads as Job and CronJob YAML",
		Long: `Render loads the CUE workloads in each PATH, checks them against the mljob
schema and writes one Job or CronJob per workload, sorted by namespace, kind
and name. PATH is a directory (its .cue files are one project), DIR/... (every
directory below DIR) or .cue files (one project together); default ".".`,
		Example: `  mljob render examples/gpu-training
  mljob render ./workloads/... -o rendered/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := pipeline.Render(pipeline.RenderOptions{Paths: args})
			if err != nil {
				return err
			}
			if out != "" {
				return render.WriteDir(out, res.Documents)
			}
			return render.WriteStream(cmd.OutOrStdout(), res.Documents)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write one file per object into `DIR` instead of stdout")
	return cmd
}
