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
// then the summary line as plain log output. Waived findings are not
// annotated: they were accepted, and annotations are for what to fix (the
// summary counts them).
func writeGitHub(w io.Writer, r *Report, _ Options) error {
	bw := bufio.NewWriter(w)
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			continue
		}
		var props []string
		if f.File != "" {
			props = append(props, "file="+githubProperty(f.File))
			if f.Line > 0 {
				props = append(props, "line="+strconv.Itoa(f.Line))
				if f.Column > 0 {
					props = append(props, "col="+strconv.Itoa(f.Column))
				}
			}
		}
		props = append(props, "title="+githubProperty("["+f.Rule+"]"))
		msg := about(f)
		if fix := r.remediation(f.Rule); fix != "" {
			msg += "\nfix: " + fix
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", githubCommand[f.Severity], strings.Join(props, ","), githubData(msg))
	}
	fmt.Fprintln(bw, summaryLine(r))
	return bw.Flush()
}

// githubData escapes a command's message as the Actions runner unescapes
// it (actions/toolkit command.ts): % first, then the line breaks that
// would end the command.
var githubData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// githubProperty escapes a property value: as data, plus the : and , that
// separate properties.
var githubProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
