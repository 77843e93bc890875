package report_test

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/report"
)

// junitReport is the JUnit XML a CI server reads.
type junitReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, r *report.Report) junitReport {
	t.Helper()
	f, _ := report.Get("junit")
	var buf bytes.Buffer
	if err := f.Write(&buf, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(xml.Header)) {
		t.Errorf("no XML declaration:\n%s", buf.Bytes())
	}
	var got junitReport
	dec := xml.NewDecoder(&buf)
	dec.Strict = true
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("JUnit does not parse: %v", err)
	}
	return got
}

func TestJUnit(t *testing.T) {
	got := parseJUnit(t, sample())
	if got.Tests != 5 || got.Failures != 2 || got.Errors != 0 || got.Skipped != 2 {
		t.Errorf("testsuites: %d tests, %d failures, %d errors, %d skipped; want 5, 2, 0, 2", got.Tests, got.Failures, got.Errors, got.Skipped)
	}
	type suite struct {
		name                     string
		tests, failures, skipped int
	}
	var suites []suite
	for _, s := range got.Suites {
		suites = append(suites, suite{s.Name, s.Tests, s.Failures, s.Skipped})
		if len(s.Cases) != s.Tests {
			t.Errorf("suite %s: %d testcases, tests=%d", s.Name, len(s.Cases), s.Tests)
		}
		for _, c := range s.Cases {
			if c.Classname != s.Name || !strings.HasPrefix(c.Name, "[") {
				t.Errorf("suite %s: testcase %q of class %q", s.Name, c.Name, c.Classname)
			}
		}
	}
	// One suite per file in report order; findings with no file under "-".
	want := []suite{{"-", 1, 1, 0}, {"cron/nightly.yaml", 2, 0, 1}, {"jobs/train.yaml", 2, 1, 1}}
	if !reflect.DeepEqual(suites, want) {
		t.Errorf("suites %+v, want %+v", suites, want)
	}

	cron := got.Suites[1].Cases
	if info := cron[0]; info.Failure != nil || info.Skipped != nil || !strings.Contains(info.SystemOut, "info: [kube-version]") {
		t.Errorf("an info finding passes with its text in system-out: %+v", info)
	}
	if waived := cron[1]; waived.Skipped == nil || waived.Skipped.Message != "waived: vendor chart, fixed upstream in 2.3" || waived.Failure != nil {
		t.Errorf("a waived finding is skipped with its reason: %+v", waived)
	}
	fail := got.Suites[2].Cases[0].Failure
	if fail == nil || fail.Type != "error" || !strings.HasPrefix(fail.Message, "Job ml/train: spec.template.spec.restartPolicy: Required value") ||
		!strings.HasPrefix(fail.Text, "jobs/train.yaml:7:5: error: [api-validation]") || !strings.Contains(fail.Text, "\nfix: ") {
		t.Errorf("an error is a failure with the finding and its fix: %+v", fail)
	}
}

// TestJUnitEmpty: a clean run is one passing testcase, never an empty
// report.
func TestJUnitEmpty(t *testing.T) {
	got := parseJUnit(t, report.New(nil, 4, 0))
	if got.Tests != 1 || got.Failures != 0 || len(got.Suites) != 1 || len(got.Suites[0].Cases) != 1 {
		t.Fatalf("%+v", got)
	}
	if c := got.Suites[0].Cases[0]; c.Name != "4 objects checked" || c.Failure != nil || c.Skipped != nil {
		t.Errorf("testcase %+v", c)
	}
}

// TestJUnitEscapes: markup and control characters in messages still give
// well-formed XML that reads back as written.
func TestJUnitEscapes(t *testing.T) {
	msg := `<b>&"quoted" ]]> ` + "tab\tend"
	got := parseJUnit(t, report.New([]finding.Finding{{Rule: "x", Severity: finding.Error, Message: msg}}, 1, 0))
	if f := got.Suites[0].Cases[0].Failure; f == nil || f.Message != msg || !strings.Contains(f.Text, msg) {
		t.Errorf("failure %+v, want message %q", f, msg)
	}
}
