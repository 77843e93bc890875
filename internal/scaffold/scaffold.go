// Package scaffold writes the skeleton of a workloads repository (mljob
// init): a configuration, a platform profile, a training and a scheduled
// workload with their rendered output, a pre-commit configuration, a CI
// workflow and a README.
//
// The files are the ones under files/, written as they are; only the
// rendered output is made at run time, by the render library, so that it is
// always what `mljob render workloads/ -o rendered/` writes.
package scaffold

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/render"
)

// files holds the repository skeleton; "all:" keeps the dot files
// (.mljob.yaml, .github/, .pre-commit-config.yaml).
//
//go:embed all:files
var files embed.FS

// The layout the skeleton's configuration files name.
const (
	WorkloadsDir = "workloads"
	RenderedDir  = "rendered"
)

// Options says where to write.
type Options struct {
	// Dir is the repository's directory, created when missing.
	Dir string
	// Force overwrites files that exist. Without it nothing is written
	// when any file Init would write exists.
	Force bool
}

// Result is what Init wrote.
type Result struct {
	// Files are relative to Dir, with '/', sorted.
	Files []string
}

// ExistsError lists the files Init would have overwritten.
type ExistsError struct {
	// Files are relative to Options.Dir, with '/', sorted.
	Files []string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%d files exist already: %s", len(e.Files), strings.Join(e.Files, ", "))
}

// Files returns the skeleton as path -> content, paths relative to the
// repository root with '/': the embedded files and the rendered output of
// the workloads among them.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	var srcs []load.Source
	err := fs.WalkDir(files, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "files/")
		out[rel] = b
		if path.Dir(rel) == WorkloadsDir && path.Ext(rel) == ".cue" {
			// Named as `mljob render workloads/` names them from the
			// repository root, so the "# Source:" lines match.
			srcs = append(srcs, load.Source{Name: rel, Data: b})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	res, err := pipeline.Render(pipeline.RenderOptions{Inline: srcs})
	if err != nil {
		return nil, fmt.Errorf("render the skeleton's workloads: %w", err)
	}
	for i := range res.Documents {
		d := &res.Documents[i]
		out[RenderedDir+"/"+d.FileName()] = render.FileContent(d)
	}
	return out, nil
}

// Init writes the skeleton into opts.Dir. Writes go through an os.Root, so
// nothing lands outside Dir, not even through a symbolic link in it.
func Init(opts Options) (*Result, error) {
	skel, err := Files()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(skel))
	for n := range skel {
		names = append(names, n)
	}
	sort.Strings(names)

	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	defer root.Close()

	// Look before writing anything: a refusal leaves Dir as it was.
	var exist []string
	for _, n := range names {
		_, err := root.Lstat(n)
		switch {
		case err == nil:
			exist = append(exist, n)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("init: %w", err)
		}
	}
	if len(exist) > 0 && !opts.Force {
		return nil, &ExistsError{Files: exist}
	}

	for _, n := range names {
		if err := root.MkdirAll(path.Dir(n), 0o755); err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
		if err := root.WriteFile(n, skel[n], 0o644); err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
	}
	return &Result{Files: names}, nil
}
