package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// DirOptions says what else goes into the output directory.
type DirOptions struct {
	// Kustomization adds a kustomization.yaml that lists the files.
	Kustomization bool
	// AllowEmpty lets a render of no objects remove every file an earlier
	// render wrote. Without it, that is refused: an empty result is far
	// more often a wrong path or a broken checkout than the wish to
	// delete every workload (which, in a GitOps repository, empties the
	// cluster on the next sync).
	AllowEmpty bool
}

// ErrEmpty is returned when nothing was rendered but the directory holds
// generated files, and DirOptions.AllowEmpty is not set.
var ErrEmpty = errors.New("nothing was rendered")

// planDir checks the documents' file names and returns name -> content.
// Nothing is written: a bad name stops the render before any file changes.
// Names that differ only in case are refused: on a case-insensitive file
// system (macOS, Windows; a checkout there) they are one file.
func planDir(docs []Document, opts DirOptions) (map[string][]byte, error) {
	files := make(map[string][]byte, len(docs))
	owner := map[string]*Document{}
	folded := map[string]*Document{}
	for i := range docs {
		d := &docs[i]
		name := d.FileName()
		if name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || strings.Contains(name, "..") || !printable(name) {
			return nil, d.Errorf("", "%s name %q cannot be a file name in the output directory", d.Kind(), d.Name())
		}
		if prev, ok := owner[name]; ok {
			return nil, d.Errorf("", "%s %s exists in namespaces %s and %s; render them to separate directories", d.Kind(), d.Name(), prev.Namespace(), d.Namespace())
		}
		key := foldName(name)
		if prev, ok := folded[key]; ok {
			return nil, d.Errorf("", "%s %q and %s %q would be written to %s and %s, one file on a case-insensitive file system; rename one", prev.Kind(), prev.Name(), d.Kind(), d.Name(), prev.FileName(), name)
		}
		owner[name] = d
		folded[key] = d
		files[name] = FileContent(d)
	}
	if opts.Kustomization {
		names := sortedNames(files)
		extra := KustomizeFiles(docs)
		for name, b := range extra {
			files[name] = b
		}
		files[KustomizationFile] = Kustomization(names, sortedNames(extra)...)
	}
	return files, nil
}

// existing reads what dir holds: the files mljob wrote earlier (.yaml
// files that start with GeneratedHeader), and checks the plan against it.
// Other files are the user's: one with the name of a planned file is an
// error, never overwritten. Removing every generated file is refused
// unless opts.AllowEmpty.
func existing(root, dir string, files map[string][]byte, opts DirOptions) (map[string][]byte, error) {
	entries, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	var mine []string
	for _, e := range entries {
		_, planned := files[e.Name()]
		if !strings.HasSuffix(e.Name(), ".yaml") && !planned {
			continue
		}
		if !e.Type().IsRegular() {
			if planned {
				mine = append(mine, e.Name())
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, err
		}
		switch {
		case bytes.HasPrefix(b, []byte(GeneratedHeader)):
			out[e.Name()] = b
		case planned:
			mine = append(mine, e.Name())
		}
	}
	if len(mine) > 0 {
		sort.Strings(mine)
		return nil, fmt.Errorf("%s: %s not written by mljob (no %q header); move or delete it, render will not overwrite it",
			filepath.ToSlash(dir), namesList(mine), strings.TrimSpace(GeneratedHeader))
	}
	if len(files) == 0 && len(out) > 0 && !opts.AllowEmpty {
		return nil, fmt.Errorf("%w, but %s holds %d files an earlier render wrote; nothing was changed. Check the paths and the working directory, or pass --allow-empty to remove them",
			ErrEmpty, filepath.ToSlash(dir), len(out))
	}
	return out, nil
}

// printable reports whether a file name is valid UTF-8 without control
// characters (a NUL, a newline, an escape sequence).
func printable(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// foldName is a name as case-insensitive file systems compare names:
// Unicode case folding after normalization.
func foldName(name string) string {
	return cases.Fold().String(norm.NFC.String(name))
}

func namesList(names []string) string {
	if len(names) == 1 {
		return names[0] + " is"
	}
	return strings.Join(names, ", ") + " are"
}

// WriteDir writes one file per document into dir and removes the files an
// earlier render wrote that are no longer generated. Files without the
// generated header are never touched.
//
// A kill at any moment leaves dir with either the complete old set of
// generated files or the complete new set (see switch.go): the new set is
// written into a staging directory inside dir and switched in at once.
// SIGINT, SIGTERM and SIGHUP stop a render while it writes (dir is left as
// it was) and are held back while it switches. What an interrupted render
// leaves behind, the next one removes, and CheckDir reports.
func WriteDir(dir string, docs []Document, opts DirOptions) error {
	files, err := planDir(docs, opts)
	if err != nil {
		return err
	}
	root, err := outputRoot(dir)
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := recoverDir(root); err != nil {
		return fmt.Errorf("write output: %s: cleaning up after an interrupted render: %w", filepath.ToSlash(dir), err)
	}
	old, err := existing(root, dir, files, opts)
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if upToDate(old, files) {
		return nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("write output: %w", err)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	stage, err := os.MkdirTemp(root, stagePrefix)
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	for _, name := range sortedNames(files) {
		if err := stageFile(root, stage, name, files[name], old); err != nil {
			os.RemoveAll(stage)
			return fmt.Errorf("write output: %w", err)
		}
		select {
		case s := <-sigs:
			os.RemoveAll(stage)
			return fmt.Errorf("write output: interrupted by %v; %s is unchanged", s, filepath.ToSlash(dir))
		default:
		}
	}
	if err := switchDir(root, stage, old, files); err != nil {
		return fmt.Errorf("write output: %w; %s is unchanged", err, filepath.ToSlash(dir))
	}
	return nil
}

// upToDate reports whether the generated files are exactly files.
func upToDate(old, files map[string][]byte) bool {
	if len(old) != len(files) {
		return false
	}
	for name, b := range files {
		if cur, ok := old[name]; !ok || !bytes.Equal(cur, b) {
			return false
		}
	}
	return true
}

// stageFile puts a file of the new set into the staging directory: a
// link to the current file when it does not change (which keeps its time
// stamp), else a new file.
func stageFile(root, stage, name string, data []byte, old map[string][]byte) error {
	dst := filepath.Join(stage, name)
	if cur, ok := old[name]; ok && bytes.Equal(cur, data) {
		if os.Link(filepath.Join(root, name), dst) == nil {
			return nil
		}
	}
	return os.WriteFile(dst, data, 0o644)
}

func sortedNames(m map[string][]byte) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DirDiff is how dir differs from what render would write.
type DirDiff struct {
	// Stale files differ, Missing ones are not there, Extra ones were
	// generated earlier but are no longer. Sorted.
	Stale, Missing, Extra []string
	// Leftovers are what an interrupted render left (a staging
	// directory); the next render removes them.
	Leftovers []string
	// Diff is a unified diff of every difference.
	Diff string
}

// Clean reports whether dir is up to date.
func (d *DirDiff) Clean() bool {
	return len(d.Stale)+len(d.Missing)+len(d.Extra)+len(d.Leftovers) == 0
}

// String is the report `render --check` prints.
func (d *DirDiff) String() string {
	var b strings.Builder
	for _, f := range d.Stale {
		fmt.Fprintf(&b, "stale:   %s\n", f)
	}
	for _, f := range d.Missing {
		fmt.Fprintf(&b, "missing: %s\n", f)
	}
	for _, f := range d.Extra {
		fmt.Fprintf(&b, "extra:   %s (generated earlier, no longer rendered)\n", f)
	}
	for _, f := range d.Leftovers {
		fmt.Fprintf(&b, "leftover: %s (an interrupted render left it; the next render removes it)\n", f)
	}
	b.WriteString(d.Diff)
	return b.String()
}

// CheckDir compares dir with what WriteDir would write, without writing.
func CheckDir(dir string, docs []Document, opts DirOptions) (*DirDiff, error) {
	files, err := planDir(docs, opts)
	if err != nil {
		return nil, err
	}
	root, err := outputRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("check output: %w", err)
	}
	old, err := existing(root, dir, files, opts)
	if err != nil {
		return nil, fmt.Errorf("check output: %w", err)
	}
	d := &DirDiff{}
	for _, l := range leftovers(root) {
		if rel, err := filepath.Rel(root, l); err == nil {
			l = filepath.Join(dir, rel)
		}
		d.Leftovers = append(d.Leftovers, filepath.ToSlash(l))
	}
	var diff strings.Builder
	for _, name := range sortedNames(files) {
		path := filepath.ToSlash(filepath.Join(dir, name))
		cur, ok := old[name]
		if !ok {
			d.Missing = append(d.Missing, path)
			diff.WriteString(unified(path, "", string(files[name])))
			continue
		}
		if !bytes.Equal(cur, files[name]) {
			d.Stale = append(d.Stale, path)
			diff.WriteString(unified(path, string(cur), string(files[name])))
		}
	}
	for _, name := range sortedNames(old) {
		if _, ok := files[name]; !ok {
			path := filepath.ToSlash(filepath.Join(dir, name))
			d.Extra = append(d.Extra, path)
			diff.WriteString(unified(path, string(old[name]), ""))
		}
	}
	d.Diff = diff.String()
	return d, nil
}

func unified(path, a, b string) string {
	from, to := path, path
	if a == "" {
		from = "/dev/null"
	}
	if b == "" {
		to = "/dev/null"
	}
	s, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        difflib.SplitLines(a),
		B:        difflib.SplitLines(b),
		FromFile: from,
		ToFile:   to,
		Context:  3,
	})
	return s
}

// Plan returns the files a render of docs writes into its output
// directory: name -> content. It refuses what WriteDir refuses for the
// documents' names.
func Plan(docs []Document, opts DirOptions) (map[string][]byte, error) {
	return planDir(docs, opts)
}

// MatchesDigests reports whether dir holds exactly the generated files of
// want (name -> SHA-256 of the content, hex, as checkcache.Digests gives):
// no file missing, changed or extra, no leftover of an interrupted render,
// no file of the user's in the way. Anything it cannot tell is false.
func MatchesDigests(dir string, want map[string]string, opts DirOptions) bool {
	root, err := outputRoot(dir)
	if err != nil || len(leftovers(root)) > 0 {
		return false
	}
	planned := make(map[string][]byte, len(want))
	for name := range want {
		planned[name] = nil
	}
	old, err := existing(root, dir, planned, opts)
	if err != nil || len(old) != len(want) {
		return false
	}
	for name, b := range old {
		sum := sha256.Sum256(b)
		if want[name] != hex.EncodeToString(sum[:]) {
			return false
		}
	}
	return true
}
