package report

import (
	"bufio"
	"fmt"
	"io"

	"github.com/mljob/mljob/internal/finding"
)

// ANSI SGR sequences; only written when Options.Color is set.
const (
	sgrReset = "\x1b[0m"
	sgrDim   = "\x1b[2m"
)

var severitySGR = map[finding.Severity]string{
	finding.Error:   "\x1b[1;31m", // bold red
	finding.Warning: "\x1b[1;33m", // bold yellow
	finding.Info:    "\x1b[1;36m", // bold cyan
}

// writeText writes the findings grouped by file, a blank line between
// files, then a summary line:
//
//	jobs/a.yaml:12:9: error: [api-validation] Job default/a: spec.template.spec.restartPolicy: ...
//	  fix: set restartPolicy to Never or OnFailure ...
//	jobs/a.yaml:20:7: warning: [backoff-limit] Job default/a: ... (waived: flaky upstream)
//
//	jobs/b.yaml:3:1: error: [schema] Job default/b: ...
//	  fix: ...
//
//	2 objects checked: 2 findings (2 errors, 0 warnings), 1 waived
//
// Every finding line starts with file:line:col: and the severity, as
// compilers print them, so editors and CI log parsers can jump to it; that
// is why the file is repeated on each line rather than put in a header.
// Under each finding no waiver covers, an indented line says how to fix
// it (not with Options.NoFix). Inputs that could not be used are not
// written: the caller prints them on stderr, and the summary counts them.
func writeText(w io.Writer, r *Report, opts Options) error {
	paint := noPaint
	if opts.Color {
		paint = ansiPaint
	}
	bw := bufio.NewWriter(w)
	for i, f := range r.Findings {
		if i > 0 && f.File != r.Findings[i-1].File {
			fmt.Fprintln(bw)
		}
		fmt.Fprintln(bw, findingLine(f, paint))
		if fix := r.fix(f); fix != "" && f.Suppressed == nil && !opts.NoFix {
			fmt.Fprintln(bw, "  "+paint(sgrDim, "fix: "+oneLine(fix)))
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, summaryLine(r))
	return bw.Flush()
}

// findingLine is one finding as text, its severity painted; a waived
// finding, which does not count, is dimmed and says why it is waived.
func findingLine(f finding.Finding, paint func(sgr, s string) string) string {
	sev, waived := paint(severitySGR[f.Severity], f.Severity.String()), ""
	if f.Suppressed != nil {
		sev = paint(sgrDim, f.Severity.String())
		waived = " " + paint(sgrDim, "(waived: "+f.Suppressed.Reason+")")
	}
	return fmt.Sprintf("%s: %s: %s: %s%s", position(f), sev, subject(f), f.Message, waived)
}

func noPaint(_, s string) string { return s }

func ansiPaint(sgr, s string) string { return sgr + s + sgrReset }
