package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/importer"
	"github.com/mljob/mljob/internal/pipeline"
)

func newImportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE...",
		Short: "Turn existing Job and CronJob YAML into mljob workloads",
		Long: `Import reads batch/v1 Jobs and CronJobs from YAML or JSON files and prints
them as workloads of the mljob language. What the language cannot express
goes into each workload's "overrides", so rendering the result gives objects
equal to the originals (after the API server's defaults; mljob adds its own
labels). Import checks that round trip before printing. Other kinds are
skipped. Objects the API server would reject are refused, with file:line.`,
		Example: `  mljob import k8s/train-job.yaml > workloads/train.cue
  helm template chart/ | mljob import - > workloads/imported.cue`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := pipeline.Import(pipeline.ImportOptions{Paths: args, Stdin: cmd.InOrStdin()})
			if err != nil {
				return err
			}
			for _, f := range args {
				if f == "-" {
					f = pipeline.StdinName
				}
				if n := res.Skipped[f]; n > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: skipped %d objects that are not batch/v1 Jobs or CronJobs\n", f, n)
				}
			}
			results := make([]*importer.Result, len(res.Objects))
			for i, o := range res.Objects {
				for _, n := range o.Result.Notes {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", o.File, n)
				}
				results[i] = o.Result
			}
			out, err := importer.CUE(results, "Imported by mljob import from "+strings.Join(args, ", ")+".")
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
}
