package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

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
			fmt.Fprintln(bw, "  "+paint(sgrDim, "fix: "+Escape(oneLine(fix))))
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
		waived = " " + paint(sgrDim, "(waived: "+Escape(f.Suppressed.Reason)+")")
	}
	return fmt.Sprintf("%s: %s: %s: %s%s", EscapeLine(position(f)), sev, Escape(subject(f)), Escape(f.Message), waived)
}

// EscapeLine is Escape for what starts a line: a leading "::" (a GitHub
// Actions workflow command, from a file named so) becomes "./::".
func EscapeLine(s string) string {
	if strings.HasPrefix(s, "::") {
		s = "./" + s
	}
	return Escape(s)
}

// Escape makes a string of the user's safe to print on a terminal or in a
// CI log: control characters (a newline that would start a forged
// "file:1:1: error:" or "::error::" line, an escape sequence), Unicode
// format characters (bidirectional overrides) and invalid UTF-8 are
// written as Go escapes (\n, \x1b, \u202e). Tabs stay.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r != '\t' && unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteByte('\t')
		case r < 0x100 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func noPaint(_, s string) string { return s }

func ansiPaint(sgr, s string) string { return sgr + s + sgrReset }
