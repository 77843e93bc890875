package manifest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// agree checks the fast path against the YAML parser on one document:
// when quickHead reads a head, the parser reads the same document without
// error and makes the same head of it.
func agree(t *testing.T, data []byte) bool {
	t.Helper()
	c := chunk{data: data, line: 1, col: 1, index: 3}
	q, ok := quickHead("f.yaml", c)
	if !ok {
		return false
	}
	docs, _, err := parseChunk("f.yaml", c, func(*Document) bool { return false })
	if err != nil {
		t.Fatalf("quickHead read a head of a document the parser refuses (%v):\n%s", err, data)
	}
	if len(docs) != 1 {
		t.Fatalf("quickHead read one head, the parser %d documents:\n%s", len(docs), data)
	}
	s := docs[0]
	got := []string{q.File, q.APIVersion, q.Kind, q.Name, q.Namespace, q.GenerateName, string(q.JSON)}
	want := []string{s.File, s.APIVersion, s.Kind, s.Name, s.Namespace, s.GenerateName, string(s.JSON)}
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") || q.Index != s.Index || s.root != nil || q.IsMapping() != s.IsMapping() {
		t.Fatalf("quickHead %q, the parser %q:\n%s", got, want, data)
	}
	return true
}

// documents are the documents of every YAML file in the repository's
// testdata, cut at their separators.
func documents(t *testing.T) [][]byte {
	var out [][]byte
	err := filepath.WalkDir("../../testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		split(path, data, func(c chunk) bool {
			if c.err == nil && !isBlank(c.data) {
				out = append(out, c.data)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 200 {
		t.Fatalf("only %d documents: is testdata there?", len(out))
	}
	return out
}

// mutations are small edits of one line that often make a document
// something else, or invalid.
var mutations = []func(line string) string{
	func(l string) string { return " " + l },
	func(l string) string { return strings.TrimPrefix(l, " ") },
	func(l string) string { return "\t" + l },
	func(l string) string { return l + ": x" },
	func(l string) string { return l + ":" },
	func(l string) string { return l + " #c" },
	func(l string) string { return l + "\"" },
	func(l string) string { return "- " + l },
	func(l string) string { return strings.Replace(l, ": ", ":", 1) },
	func(l string) string { return strings.Replace(l, ": ", ": |", 1) },
	func(l string) string { return strings.Replace(l, ": ", ": '", 1) },
	func(l string) string { return strings.Replace(l, ": ", ": .nan", 1) },
	func(l string) string { return strings.Replace(l, ": ", ": {}", 1) },
	func(l string) string { return strings.Replace(l, ": ", ": yes ", 1) },
	func(l string) string { return strings.Replace(l, ":", " :", 1) },
	func(l string) string { return strings.ToUpper(l) },
	func(l string) string { return "" },
	func(l string) string { return l + "\n" + l },
	func(l string) string { return "  " + l },
	func(l string) string { return strings.Replace(l, "kind", "Kind", 1) },
	func(l string) string { return "..." },
	func(l string) string { return "--- !!map" },
}

// Every document of the testdata, and every one-line mutation of the
// first 40 lines of each, is read alike by quickHead (when it reads it)
// and the YAML parser. (Most of these documents are Jobs, with
// sequences, which quickHead leaves to the parser.)
func TestQuickHeadAgrees(t *testing.T) {
	docs := documents(t)
	read, tried := 0, 0
	for _, d := range docs {
		tried++
		if agree(t, d) {
			read++
		}
		lines := strings.Split(string(d), "\n")
		for i := range min(len(lines), 40) {
			for _, m := range mutations {
				mutated := append(append(append([]string{}, lines[:i]...), m(lines[i])), lines[i+1:]...)
				agree(t, []byte(strings.Join(mutated, "\n")))
			}
		}
	}
	t.Logf("quickHead read %d of %d documents", read, tried)
	if read == 0 {
		t.Errorf("quickHead read none of %d documents", tried)
	}
}

func TestQuickHeadCases(t *testing.T) {
	for _, c := range []struct {
		doc  string
		read bool
	}{
		{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: ml\ndata:\n  key: value\n", true},
		{"kind: ConfigMap # c\napiVersion: v1\nmetadata: # m\n  name: 'cm'\ndata:\n  a.txt: |\n    # not a comment\n      deeper\n\n    x: y\n  b: \"q\"\n", true},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  name: other\n", false}, // duplicate
		{"apiVersion: v1\nkind: ConfigMap\nKind: Secret\n", false},                         // case
		{"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n c: d\n", false},                 // indentation
		{"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: .inf\n", false},                     // JSON cannot
		{"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n    c\n", false},                 // multi-line plain
		{"apiVersion: v1\nkind: ConfigMapList\n", false},                                   // a list
		{"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n      x\n    y\n", false},        // less indented text
		{"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n   \n  x\n", false},              // blank with spaces first
		{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n", false},              // mapping in a value
		{"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"x\\\"\"\n", false},                // escapes
		{"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: 'it''s'\n", false},                  // escaped quote
		{"apiVersion: v1\nkind: &k ConfigMap\n", false},                                    // anchor
		{"apiVersion: v1\nkind: !!str ConfigMap\n", false},                                 // tag
		{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xc3\xa9\n", false},       // non-ASCII
		{"  apiVersion: v1\n  kind: ConfigMap\n", false},                                   // indented document
		{"apiVersion: v1\nkind: ConfigMap\n1: x\ntrue: y\n", false},                        // keys that are not strings
		{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 2024-01-02\n  namespace: 012\n", true},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name:\n  labels: {}\n", true},
		{"apiVersion: v1\nkind: \"\"\n", false},
		{"apiVersion: v1\nkind:\n  a: b\n", false},
	} {
		if got := agree(t, []byte(c.doc)); got != c.read {
			t.Errorf("quickHead read %v, want %v:\n%s", got, c.read, c.doc)
		}
	}
}

// FuzzQuickHead holds quickHead to the YAML parser on any document.
func FuzzQuickHead(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: |\n    x\n"))
	f.Add([]byte("kind: Secret\napiVersion: v1\nmetadata:\n  name: s\n  namespace: ml\nstringData:\n  k: 'v'\n"))
	f.Add([]byte("apiVersion: v1\nkind: Service\nmetadata: # c\n  name: svc\nspec:\n  selector: {}\n  type: >-\n    x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		agree(t, data)
	})
}
