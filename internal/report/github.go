package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mljob/mljob/internal/finding"
)

// githubCommand is the workflow command of each severity.
var githubCommand = map[finding.Severity]string{finding.Error: "error", finding.Warning: "warning", finding.Info: "notice"}

// writeGitHub writes one GitHub Actions workflow command per finding no
// waiver covers, which the runner turns into an annotation on the file and
// line:
//
//	::error file=jobs/a.yaml,line=12,col=9,title=[api-validation]::Job default/a: spec...%0Afix: ...
//
// then the summary line as plain log output. An input that could not be
// used is an error annotation too, titled "input error", before the
// findings. Waived findings are not
// annotated: they were accepted, and annotations are for what to fix (the
// summary counts them).
func writeGitHub(w io.Writer, r *Report, _ Options) error {
	bw := bufio.NewWriter(w)
	for _, e := range r.Errors {
		props := append(githubPos(e.File, e.Line, e.Column), "title="+githubProperty("input error"))
		fmt.Fprintf(bw, "::error %s::%s\n", strings.Join(props, ","), githubData(e.Message))
	}
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			continue
		}
		props := append(githubPos(f.File, f.Line, f.Column), "title="+githubProperty("["+f.Rule+"]"))
		msg := about(f)
		if fix := r.fix(f); fix != "" {
			msg += "\nfix: " + fix
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", githubCommand[f.Severity], strings.Join(props, ","), githubData(msg))
	}
	fmt.Fprintln(bw, summaryLine(r))
	return bw.Flush()
}

// githubPos is the file, line and col properties of a position, as far
// as it is known.
func githubPos(file string, line, col int) []string {
	var props []string
	if file != "" {
		props = append(props, "file="+githubProperty(file))
		if line > 0 {
			props = append(props, "line="+strconv.Itoa(line))
			if col > 0 {
				props = append(props, "col="+strconv.Itoa(col))
			}
		}
	}
	return props
}

// githubData escapes a command's message as the Actions runner unescapes
// it (actions/toolkit command.ts): % first, then the line breaks that
// would end the command.
var githubData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// githubProperty escapes a property value: as data, plus the : and , that
// separate properties.
var githubProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
