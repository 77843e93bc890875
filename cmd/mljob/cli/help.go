package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Help lists boolean flags plainly, "-h, --help", as most tools do:
// pflag writes "--help[=true|false]" for them.

func init() {
	cobra.AddTemplateFunc("plainFlagUsages", plainFlagUsages)
}

// plainHelp makes cmd's usage (and its subcommands', which inherit the
// template) list flags with plainFlagUsages.
func plainHelp(cmd *cobra.Command) {
	t := cmd.UsageTemplate()
	t = strings.ReplaceAll(t, ".LocalFlags.FlagUsages", "plainFlagUsages .LocalFlags")
	t = strings.ReplaceAll(t, ".InheritedFlags.FlagUsages", "plainFlagUsages .InheritedFlags")
	cmd.SetUsageTemplate(t)
}

// plainFlagUsages is fs.FlagUsages with boolean flags shown without
// their optional value. It lists a copy: the flags themselves keep
// their types (cobra reads --help as a bool).
func plainFlagUsages(fs *pflag.FlagSet) string {
	out := pflag.NewFlagSet("", pflag.ContinueOnError)
	out.SortFlags = fs.SortFlags
	fs.VisitAll(func(f *pflag.Flag) {
		g := *f
		if f.Value.Type() == "bool" {
			g.Value = plainBool{f.Value}
		}
		out.AddFlag(&g)
	})
	return out.FlagUsages()
}

// plainBool is a bool flag's value under a type name pflag shows
// nothing for.
type plainBool struct{ pflag.Value }

func (plainBool) Type() string     { return "boolfunc" }
func (plainBool) IsBoolFlag() bool { return true }
