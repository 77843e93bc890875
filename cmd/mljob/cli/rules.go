package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/rules"
)

func newRulesCmd() *cobra.Command {
	var (
		opts   pipeline.RulesOptions
		format string
	)
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules lint checks",
		Long: `Rules lists every rule mljob lint checks, sorted by id: the Kubernetes
checks written in Go and the Rego rule pack, with --policy your own
policies' rules too. Severities and parameters are the defaults, before
.mljob.yaml changes them.

The text format is one rule a line (id, severity, title); json gives each
rule's metadata and default parameters; markdown is the catalogue of
docs/rules.md.`,
		Example: `  mljob rules
  mljob rules --format json | jq -r '.[] | select(.severity == "error") | .id'
  mljob rules --policy policy/ --format markdown > RULES.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, ok := rules.GetCatalogueFormat(format)
			if !ok {
				return fmt.Errorf("unknown --format %q (want %s)", format, strings.Join(catalogueFormatNames(), ", "))
			}
			docs, err := pipeline.Rules(opts)
			if err != nil {
				return err
			}
			return f.Write(cmd.OutOrStdout(), docs)
		},
	}
	fl := cmd.Flags()
	var help []string
	for _, f := range rules.CatalogueFormats {
		help = append(help, f.Name+" ("+f.Description+")")
	}
	fl.StringVarP(&format, "format", "f", "text", "output `FORMAT`: "+strings.Join(help, ", "))
	fl.StringArrayVar(&opts.Policies, "policy", nil, "also list the rules of the user policy `DIR` or .rego file (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("format", words(catalogueFormatNames()...))
	return cmd
}

func catalogueFormatNames() []string {
	var names []string
	for _, f := range rules.CatalogueFormats {
		names = append(names, f.Name)
	}
	return names
}
