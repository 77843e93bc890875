package render

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/pmezard/go-difflib/difflib"
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
func planDir(docs []Document, opts DirOptions) (map[string][]byte, error) {
	files := make(map[string][]byte, len(docs))
	owner := map[string]*Document{}
	for i := range docs {
		d := &docs[i]
		name := d.FileName()
		if name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || strings.Contains(name, "..") {
			return nil, d.Errorf("", "%s name %q cannot be a file name in the output directory", d.Kind(), d.Name())
		}
		if prev, ok := owner[name]; ok {
			return nil, d.Errorf("", "%s %s exists in namespaces %s and %s; render them to separate directories", d.Kind(), d.Name(), prev.Namespace(), d.Namespace())
		}
		owner[name] = d
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
func existing(dir string, files map[string][]byte, opts DirOptions) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
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
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
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
// Every file is first written to a temporary file in dir, then renamed
// into place, so no file is ever half-written. SIGINT and SIGTERM are held
// back while the renames run, so an interrupted render leaves either the
// old or the new set of files.
func WriteDir(dir string, docs []Document, opts DirOptions) error {
	files, err := planDir(docs, opts)
	if err != nil {
		return err
	}
	old, err := existing(dir, files, opts)
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write output: %w", err)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	names := sortedNames(files)
	temps := make(map[string]string, len(names))
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, name := range names {
		if bytes.Equal(old[name], files[name]) {
			continue // unchanged: keep the file and its time stamp
		}
		tmp, err := writeTemp(dir, files[name])
		if err != nil {
			cleanup()
			return err
		}
		temps[name] = tmp
		select {
		case s := <-sigs:
			cleanup()
			return fmt.Errorf("write output: interrupted by %v; %s is unchanged", s, dir)
		default:
		}
	}
	for _, name := range names {
		tmp, ok := temps[name]
		if !ok {
			continue
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			cleanup()
			return fmt.Errorf("write output: %w", err)
		}
		delete(temps, name)
	}
	for name := range old {
		if _, keep := files[name]; !keep {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
	}
	return nil
}

func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".mljob-*.tmp")
	if err != nil {
		return "", fmt.Errorf("write output: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write output: %w", err)
	}
	return f.Name(), nil
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
	// Diff is a unified diff of every difference.
	Diff string
}

// Clean reports whether dir is up to date.
func (d *DirDiff) Clean() bool { return len(d.Stale)+len(d.Missing)+len(d.Extra) == 0 }

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
	b.WriteString(d.Diff)
	return b.String()
}

// CheckDir compares dir with what WriteDir would write, without writing.
func CheckDir(dir string, docs []Document, opts DirOptions) (*DirDiff, error) {
	files, err := planDir(docs, opts)
	if err != nil {
		return nil, err
	}
	old, err := existing(dir, files, opts)
	if err != nil {
		return nil, fmt.Errorf("check output: %w", err)
	}
	d := &DirDiff{}
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
