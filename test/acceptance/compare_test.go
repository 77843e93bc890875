package acceptance

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mljob/mljob/internal/apiserver"
)

// outcome is one document's two verdicts.
type outcome struct {
	// Key names the document stably: "SEED MUTATION" for mutants,
	// "FILE#N" for files.
	Key    string
	Class  string
	Doc    []byte
	Server apiserver.Verdict
	Lint   lintVerdict
}

// The ways the verdicts can disagree.
const (
	lintAcceptsServerRejects = "mljob-accepts-server-rejects"
	lintRejectsServerAccepts = "mljob-rejects-server-accepts"
	lintPanics               = "mljob-panics"
	// pathsDiffer: both reject, but the server names a field mljob's
	// findings do not.
	pathsDiffer = "paths-differ"
)

var disagreements = []string{lintAcceptsServerRejects, lintRejectsServerAccepts, lintPanics, pathsDiffer}

// disagreement is "" when mljob and the server agree.
func (o *outcome) disagreement() string {
	switch {
	case o.Lint.Panic != "":
		return lintPanics
	case o.Server.Accepted && o.Lint.Rejected:
		return lintRejectsServerAccepts
	case !o.Server.Accepted && !o.Lint.Rejected:
		return lintAcceptsServerRejects
	case !o.Server.Accepted && len(o.missingPaths()) > 0:
		return pathsDiffer
	}
	return ""
}

var (
	indexRe = regexp.MustCompile(`\[[^\]]*\]`)
	// Go names of embedded structs: .VolumeSource, .ProbeHandler.
	goTypeRe = regexp.MustCompile(`\.[A-Z][A-Za-z0-9]*`)
)

// normPath drops list indexes, map keys and Go type names: the JSON
// decoder's type errors name
// "spec.template.spec.volumes.VolumeSource.secret.secretName" where
// mljob names "spec.template.spec.volumes[1].secret.secretName".
func normPath(p string) string {
	return goTypeRe.ReplaceAllString(indexRe.ReplaceAllString(p, ""), "")
}

// missingPaths are the fields the server names that no rejecting
// finding of mljob's names.
func (o *outcome) missingPaths() []string {
	have := map[string]bool{}
	for _, p := range o.Lint.Paths {
		have[normPath(p)] = true
	}
	var out []string
	for _, f := range o.Server.Fields {
		if !have[normPath(f)] {
			out = append(out, f)
		}
	}
	return out
}

func (o *outcome) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s\n", o.Key, o.Class, o.disagreement())
	fmt.Fprintf(&b, "  server: %s\n", o.Server)
	if len(o.Server.Fields) > 0 {
		fmt.Fprintf(&b, "  server fields: %s\n", strings.Join(o.Server.Fields, ", "))
	}
	for _, w := range o.Server.Warnings {
		fmt.Fprintf(&b, "  server warning: %s\n", w)
	}
	switch {
	case o.Lint.Panic != "":
		fmt.Fprintf(&b, "  mljob: panic: %s\n", o.Lint.Panic)
	case o.Lint.Rejected:
		fmt.Fprintf(&b, "  mljob: rejected\n")
		for _, m := range o.Lint.Messages {
			fmt.Fprintf(&b, "    %s\n", m)
		}
	default:
		fmt.Fprintf(&b, "  mljob: accepted\n")
	}
	b.WriteString("  document:\n")
	for _, line := range strings.Split(strings.TrimRight(string(o.Doc), "\n"), "\n") {
		b.WriteString("    | " + line + "\n")
	}
	return b.String()
}

// agreementTable counts verdicts per class.
func agreementTable(outs []outcome) string {
	type row struct {
		total, agree int
		by           map[string]int
	}
	rows := map[string]*row{}
	var classes []string
	add := func(class string, o *outcome) {
		r := rows[class]
		if r == nil {
			r = &row{by: map[string]int{}}
			rows[class] = r
			classes = append(classes, class)
		}
		r.total++
		if d := o.disagreement(); d == "" {
			r.agree++
		} else {
			r.by[d]++
		}
	}
	for i := range outs {
		add(outs[i].Class, &outs[i])
	}
	sort.Strings(classes)
	for i := range outs {
		add("TOTAL", &outs[i]) // appended last, after the sort
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%-14s %6s %6s %18s %18s %8s %8s\n", "", "", "", "mljob accepts,", "mljob rejects,", "mljob", "paths")
	fmt.Fprintf(&b, "%-14s %6s %6s %18s %18s %8s %8s\n", "class", "total", "agree", "server rejects", "server accepts", "panics", "differ")
	for _, c := range classes {
		r := rows[c]
		fmt.Fprintf(&b, "%-14s %6d %6d %18d %18d %8d %8d\n", c, r.total, r.agree,
			r.by[lintAcceptsServerRejects], r.by[lintRejectsServerAccepts], r.by[lintPanics], r.by[pathsDiffer])
	}
	return b.String()
}

// exceptionGroup is one diagnosis in the exceptions file and the cases
// it explains.
type exceptionGroup struct {
	Reason       string   `yaml:"reason"`
	Todo         bool     `yaml:"todo"`
	Disagreement string   `yaml:"disagreement"`
	Cases        []string `yaml:"cases"`
}

// exceptionsFile is relative to the repository root (TestAPIServer runs there).
const exceptionsFile = "testdata/apiserver/exceptions.yaml"

func loadExceptions(t *testing.T) []exceptionGroup {
	t.Helper()
	data, err := os.ReadFile(exceptionsFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var groups []exceptionGroup
	if err := dec.Decode(&groups); err != nil {
		t.Fatalf("%s: %v", exceptionsFile, err)
	}
	return groups
}

// checkExceptions fails t for every disagreement the exceptions file
// does not list, and for every listed case that no longer disagrees (or
// disagrees differently): the file stays the exact list of what is left
// to fix.
func checkExceptions(t *testing.T, outs []outcome, groups []exceptionGroup) {
	byKey := map[string]*outcome{}
	for i := range outs {
		if byKey[outs[i].Key] != nil {
			t.Errorf("two documents named %q", outs[i].Key)
		}
		byKey[outs[i].Key] = &outs[i]
	}
	listed := map[string]bool{}
	for gi, g := range groups {
		where := fmt.Sprintf("%s: entry %d (%q)", exceptionsFile, gi+1, g.Reason)
		if strings.TrimSpace(g.Reason) == "" {
			t.Errorf("%s: no reason", where)
		}
		if !slices.Contains(disagreements, g.Disagreement) {
			t.Errorf("%s: disagreement %q is not one of %s", where, g.Disagreement, strings.Join(disagreements, ", "))
		}
		if len(g.Cases) == 0 {
			t.Errorf("%s: no cases; remove the entry", where)
		}
		for _, c := range g.Cases {
			if listed[c] {
				t.Errorf("%s: %q is listed twice", where, c)
			}
			listed[c] = true
			o := byKey[c]
			switch {
			case o == nil:
				t.Errorf("%s: no document %q any more; remove it", where, c)
			case o.disagreement() == "":
				t.Errorf("%s: %q agrees now; remove it from the exceptions", where, c)
			case o.disagreement() != g.Disagreement:
				t.Errorf("%s: %q is now %s, not %s:\n%s", where, c, o.disagreement(), g.Disagreement, o.report())
			}
		}
	}
	var missing []*outcome
	for i := range outs {
		if outs[i].disagreement() != "" && !listed[outs[i].Key] {
			missing = append(missing, &outs[i])
		}
	}
	if len(missing) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d disagreements between mljob and kube-apiserver are not in %s.\n"+
		"Fix mljob, or diagnose each and add it:\n\n", len(missing), exceptionsFile)
	shown := 0
	for _, o := range missing {
		if shown < 30 {
			b.WriteString(o.report())
			shown++
		}
	}
	if len(missing) > shown {
		fmt.Fprintf(&b, "... and %d more (go test -run TestAPIServer ./test/acceptance -args -report FILE writes them all)\n", len(missing)-shown)
	}
	b.WriteString("\nnew entries:\n")
	byKind := map[string][]string{}
	for _, o := range missing {
		byKind[o.disagreement()] = append(byKind[o.disagreement()], o.Key)
	}
	for _, d := range disagreements {
		if len(byKind[d]) == 0 {
			continue
		}
		entry, _ := yaml.Marshal([]exceptionGroup{{Reason: "TODO: diagnose", Todo: true, Disagreement: d, Cases: byKind[d]}})
		b.Write(entry)
	}
	t.Error(b.String())
}
