package cli

import (
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/mljob/mljob/internal/report"
)

// outputFlags are lint's flags about how the report is written, beside
// --format and --fail-on.
type outputFlags struct {
	noColor bool
	noFix   bool
}

func (o *outputFlags) register(fl *pflag.FlagSet) {
	fl.BoolVar(&o.noColor, "no-color", false, "no colours in text output (used only on a terminal, and not when NO_COLOR is set)")
	fl.BoolVar(&o.noFix, "no-fix", false, "no \"fix:\" line under each finding in text output")
}

// options are the report options for writing to cmd's standard output.
func (o *outputFlags) options(cmd *cobra.Command) report.Options {
	return report.Options{
		Color:       !o.noColor && colorTerminal(cmd.OutOrStdout()),
		ToolVersion: version(),
		NoFix:       o.noFix,
	}
}

// colorTerminal reports whether w takes colours: it is a terminal, and
// neither NO_COLOR (https://no-color.org: set and not empty) nor
// TERM=dumb asks for none. Pipes, files and CI logs get plain text.
func colorTerminal(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
