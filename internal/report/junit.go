package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mljob/mljob/internal/finding"
)

// JUnit XML in the shape GitLab and Jenkins read (the Ant/Surefire
// dialect): a testsuite per file, a testcase per finding. Times are 0:
// lint is not timed, and the output must not change from run to run.
type junitTestsuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	// File and Line are not in the Ant schema, but GitLab links the file
	// and Jenkins ignores them (pytest writes them too).
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	Error     *junitFailure `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

const junitRun = "mljob lint"

// writeJUnit writes one testsuite per file, sorted by file, and one
// testcase per finding, named "[rule] object: field" and classed by file:
// errors and warnings are failures (of type error or warning), info
// findings pass with their text in system-out, waived findings are
// skipped with the reason. An input that could not be used is a testcase
// in error (type input), first in its file's suite, counted in the
// suite's and the root's errors. A run without findings or errors is one
// passing testcase, so the report is never empty (CI systems treat an
// empty one as a broken job).
func writeJUnit(w io.Writer, r *Report, _ Options) error {
	out := junitTestsuites{Name: junitRun, Time: "0"}
	suites := map[string]*junitSuite{}
	var files []string
	suite := func(file string) *junitSuite {
		if s, ok := suites[file]; ok {
			return s
		}
		name := file
		if name == "" {
			name = "-"
		}
		s := &junitSuite{Name: name, Time: "0"}
		suites[file] = s
		files = append(files, file)
		return s
	}
	for _, e := range r.Errors {
		s := suite(e.File)
		name := "input error"
		if e.Line > 0 {
			name = fmt.Sprintf("input error at line %d", e.Line)
		}
		s.Cases = append(s.Cases, junitCase{Name: name, Classname: s.Name, File: e.File, Line: e.Line, Time: "0",
			Error: &junitFailure{Message: e.Message, Type: "input", Text: e.String()}})
		s.Tests++
		s.Errors++
	}
	for _, f := range r.Findings {
		s := suite(f.File)
		file := s.Name
		c := junitCase{Name: junitName(f), Classname: file, File: f.File, Line: f.Line, Time: "0"}
		switch {
		case f.Suppressed != nil:
			c.Skipped = &junitSkipped{Message: "waived: " + f.Suppressed.Reason}
			s.Skipped++
		case f.Severity >= finding.Warning:
			c.Failure = &junitFailure{Message: about(f), Type: f.Severity.String(), Text: junitDetail(r, f)}
			s.Failures++
		default:
			c.SystemOut = junitDetail(r, f)
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	sort.Strings(files)
	for _, f := range files {
		out.Suites = append(out.Suites, *suites[f])
	}
	if len(out.Suites) == 0 {
		out.Suites = []junitSuite{{Name: junitRun, Tests: 1, Time: "0", Cases: []junitCase{
			{Name: plural(r.Summary.Objects, "object") + " checked", Classname: junitRun, Time: "0"},
		}}}
	}
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitName names a finding's testcase; the field path tells apart the
// findings of one rule on one object.
func junitName(f finding.Finding) string {
	if f.Path != "" {
		return subject(f) + ": " + f.Path
	}
	return subject(f)
}

// junitDetail is the body of a failure: the finding as the text format
// prints it, and how to fix it.
func junitDetail(r *Report, f finding.Finding) string {
	var b strings.Builder
	b.WriteString(findingLine(f, noPaint))
	if fix := r.fix(f); fix != "" {
		b.WriteString("\nfix: " + fix)
	}
	return b.String()
}
