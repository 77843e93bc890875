package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

func init() {
	Register(Format{
		Name:        "text",
		Description: "one line per finding, file:line:col: [rule] object: message",
		Write:       writeText,
	})
	Register(Format{
		Name:        "json",
		Description: `{"findings":[...],"summary":{...}}, the schema in docs/lint.md`,
		Write:       writeJSON,
	})
}

// writeText writes one line per finding and a summary line:
//
//	jobs/train.yaml:12:9: [api-validation] Job default/train: spec.template.spec.restartPolicy: ...
//	2 objects checked: 1 finding (1 error, 0 warnings); 3 other objects skipped
func writeText(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, f := range r.Findings {
		pos := f.Pos.String()
		if pos == "" {
			pos = "-"
		}
		fmt.Fprintf(bw, "%s: [%s] %s: %s\n", pos, f.Rule, f.Object, f.Message)
	}
	s := r.Summary
	fmt.Fprintf(bw, "%s checked: %s (%s, %s)", plural(s.Objects, "object"), plural(s.Findings, "finding"),
		plural(s.Errors, "error"), plural(s.Warnings, "warning"))
	if r.Skipped > 0 {
		fmt.Fprintf(bw, "; %s skipped (not a Job or CronJob)", plural(r.Skipped, "other object"))
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeJSON writes the report as one indented JSON object.
func writeJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
