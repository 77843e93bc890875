// Package ci_test checks the CI examples, and the workflow mljob init
// writes: every mljob command in them is a valid invocation, and the
// commands are run on a repository made by mljob init, where they pass.
package ci_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/cmd/mljob/cli"
	"github.com/mljob/mljob/internal/report"
	"github.com/mljob/mljob/internal/scaffold"
)

// command is one mljob command line of a CI file.
type command struct {
	line   string
	args   []string // after "mljob"
	stdout string   // the file stdout is redirected to, if any
	// comment: the line is in a YAML comment, an alternative offered to
	// the reader; it is checked but not run.
	comment bool
}

// shellOps end the mljob command: what follows is the shell's.
var shellOps = []string{">", "|", "||", "&&", ";", "2>", "2>&1"}

func parseCommand(line string) (command, bool) {
	c := command{line: line}
	fields := strings.Fields(line)
	if len(fields) < 2 || fields[0] != "mljob" {
		return c, false
	}
	for i := 1; i < len(fields); i++ {
		f := fields[i]
		if slices.Contains(shellOps, f) {
			if f == ">" && i+1 < len(fields) {
				c.stdout = fields[i+1]
			}
			break
		}
		c.args = append(c.args, f)
	}
	return c, true
}

// commands finds the mljob commands in the values of run:, script: and
// before_script: (GitHub, GitLab), and in comments.
func commands(t *testing.T, data []byte) []command {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out []command
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(k, e)
			}
		case []any:
			for _, e := range v {
				walk(key, e)
			}
		case string:
			if key != "run" && key != "script" && key != "before_script" {
				return
			}
			for _, line := range strings.Split(v, "\n") {
				if c, ok := parseCommand(strings.TrimSpace(line)); ok {
					out = append(out, c)
				}
			}
		}
	}
	walk("", doc)
	for _, line := range strings.Split(string(data), "\n") {
		// A command in a comment is set off from the prose, indented:
		// "#   mljob lint ...".
		text, ok := strings.CutPrefix(strings.TrimSpace(line), "#  ")
		if !ok {
			continue
		}
		if c, ok := parseCommand(strings.TrimSpace(text)); ok {
			c.comment = true
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b command) int { return strings.Compare(a.line, b.line) })
	return out
}

// literal: the examples spell out their paths, so a reader can run the
// command as written.
var literal = regexp.MustCompile(`^[-a-zA-Z0-9_./=]+$`)

// checkParses finds the subcommand and parses its flags and arguments as
// the CLI would, without running it.
func checkParses(t *testing.T, c command) {
	t.Helper()
	for _, a := range c.args {
		if !literal.MatchString(a) {
			t.Errorf("%s: argument %q is not a literal path or flag", c.line, a)
		}
	}
	root := cli.NewRoot()
	sub, rest, err := root.Find(c.args)
	if err != nil || sub == root {
		t.Errorf("%s: no such mljob command (%v)", c.line, err)
		return
	}
	if err := sub.ParseFlags(rest); err != nil {
		t.Errorf("%s: %v", c.line, err)
		return
	}
	if err := sub.ValidateArgs(sub.Flags().Args()); err != nil {
		t.Errorf("%s: %v", c.line, err)
	}
}

// format is the --format value of args, if any.
func format(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--format="); ok {
			return v
		}
		if (a == "--format" || a == "-f") && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// runAll runs the commands in a repository made by mljob init: CI files
// are written for that layout. Commands in comments are not run: they
// need other layouts (overlays).
func runAll(t *testing.T, cmds []command) {
	dir := t.TempDir()
	if _, err := scaffold.Init(scaffold.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	ran := 0
	for _, c := range cmds {
		if c.comment {
			continue
		}
		if f := format(c.args); f != "" && !slices.Contains(report.Names(), f) {
			// Formats are registered as they are written; a command in
			// a format not in this build is only parsed.
			t.Logf("%s: format %q is not in this build; not run", c.line, f)
			continue
		}
		var out, errOut bytes.Buffer
		if code := cli.Run(c.args, nil, &out, &errOut); code != cli.ExitOK {
			t.Errorf("%s: exit %d in a fresh mljob init repository:\n%s%s", c.line, code, out.String(), errOut.String())
		}
		ran++
	}
	if ran == 0 {
		t.Error("no command was run")
	}
}

// stdoutOf is the file the command of subcommand sub writes stdout to.
func stdoutOf(t *testing.T, cmds []command, sub string) string {
	t.Helper()
	for _, c := range cmds {
		if !c.comment && c.args[0] == sub {
			if c.stdout == "" {
				t.Fatalf("%s: stdout goes to no file", c.line)
			}
			return c.stdout
		}
	}
	t.Fatalf("no mljob %s command", sub)
	return ""
}

// mustHave fails unless cmds have a command run (not only in a comment)
// that starts with prefix.
func mustHave(t *testing.T, cmds []command, prefix string) {
	t.Helper()
	for _, c := range cmds {
		if !c.comment && strings.HasPrefix(c.line, prefix) {
			return
		}
	}
	t.Errorf("no %q command", prefix)
}

type githubWorkflow struct {
	Jobs map[string]struct {
		Steps []struct {
			Uses string
			With map[string]string
		}
	}
}

// checkGitHub checks a GitHub Actions workflow: lint's SARIF is the file
// upload-sarif uploads.
func checkGitHub(t *testing.T, data []byte) {
	cmds := commands(t, data)
	for _, c := range cmds {
		checkParses(t, c)
	}
	mustHave(t, cmds, "mljob render workloads/ -o rendered/ --check")
	mustHave(t, cmds, "mljob lint --format sarif workloads/")
	sarif := stdoutOf(t, cmds, "lint")
	var wf githubWorkflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	uploads := 0
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
				uploads++
				if s.With["sarif_file"] != sarif {
					t.Errorf("upload-sarif uploads %q, lint writes %q", s.With["sarif_file"], sarif)
				}
			}
		}
	}
	if uploads != 1 {
		t.Errorf("%d upload-sarif steps, want 1", uploads)
	}
	runAll(t, cmds)
}

func TestGitHubActions(t *testing.T) {
	data, err := os.ReadFile("github-actions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checkGitHub(t, data)
}

// The workflow mljob init writes.
func TestInitWorkflow(t *testing.T) {
	skel, err := scaffold.Files()
	if err != nil {
		t.Fatal(err)
	}
	checkGitHub(t, skel[filepath.ToSlash(".github/workflows/mljob.yaml")])
}

// GitLab: lint's JUnit report is the job's junit report artifact.
func TestGitLabCI(t *testing.T) {
	data, err := os.ReadFile("gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	cmds := commands(t, data)
	for _, c := range cmds {
		checkParses(t, c)
	}
	mustHave(t, cmds, "mljob render workloads/ -o rendered/ --check")
	mustHave(t, cmds, "mljob lint --format junit workloads/")
	junit := stdoutOf(t, cmds, "lint")

	var jobs map[string]struct {
		Script    []string
		Artifacts struct {
			When    string
			Reports struct{ JUnit string }
		}
	}
	if err := yaml.Unmarshal(data, &jobs); err != nil {
		t.Fatal(err)
	}
	found := false
	for name, j := range jobs {
		if !slices.ContainsFunc(j.Script, func(s string) bool { return strings.HasPrefix(s, "mljob lint ") }) {
			continue
		}
		found = true
		if j.Artifacts.Reports.JUnit != junit || j.Artifacts.When != "always" {
			t.Errorf("job %s: artifacts %+v, want reports.junit %q when always (a failing lint is when the report matters)", name, j.Artifacts, junit)
		}
	}
	if !found {
		t.Error("no job runs mljob lint")
	}
	runAll(t, cmds)
}
