package cli

import (
	"fmt"
	"io"
	"os"
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
skipped.`,
		Example: `  mljob import k8s/train-job.yaml > workloads/train.cue
  helm template chart/ | mljob import - > workloads/imported.cue`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pipeline.DefaultProfile()
			if err != nil {
				return err
			}
			var results []*importer.Result
			var names []string
			for _, f := range args {
				var data []byte
				if f == "-" {
					data, err = io.ReadAll(cmd.InOrStdin())
				} else {
					data, err = os.ReadFile(f)
				}
				if err != nil {
					return &pipeline.InputError{Err: fmt.Errorf("read manifests: %w", err)}
				}
				objs, skipped, err := importer.Read(f, data)
				if err != nil {
					return &pipeline.InputError{Err: err}
				}
				if skipped > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: skipped %d objects that are not batch/v1 Jobs or CronJobs\n", f, skipped)
				}
				for _, o := range objs {
					r, err := importer.Object(o, p)
					if err != nil {
						return &pipeline.InputError{Err: fmt.Errorf("%s: %w", f, err)}
					}
					for _, n := range r.Notes {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", f, n)
					}
					results = append(results, r)
				}
				names = append(names, f)
			}
			if len(results) == 0 {
				return &pipeline.InputError{Err: fmt.Errorf("no batch/v1 Job or CronJob in %s", strings.Join(names, ", "))}
			}
			out, err := importer.CUE(results, "Imported by mljob import from "+strings.Join(names, ", ")+".")
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
}
