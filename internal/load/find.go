package load

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Group is the files of one project.
type Group struct {
	// Name is what the user named: a directory or "files".
	Name  string
	Files []string
	// Sources, when set, are the project's content, read already.
	Sources []Source
}

// FindProjects turns command-line paths into projects: a directory is one
// project (its .cue files, not its sub-directories), DIR/... is every
// directory below DIR that holds .cue files, and files named directly form
// one project together.
func FindProjects(paths []string) ([]Group, error) {
	var groups []Group
	var loose []string
	for _, p := range paths {
		recursive := false
		if rest, ok := strings.CutSuffix(p, "/..."); ok {
			p, recursive = rest, true
			if p == "" {
				p = "/"
			}
		} else if p == "..." {
			p, recursive = ".", true
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read workloads: %w", err)
		}
		switch {
		case !info.IsDir():
			if !strings.HasSuffix(p, ".cue") {
				return nil, fmt.Errorf("read workloads: %s: not a .cue file", p)
			}
			loose = append(loose, p)
		case recursive:
			err := filepath.WalkDir(p, func(dir string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() {
					return nil
				}
				if dir != p && skipDir(d.Name()) {
					return filepath.SkipDir
				}
				files, err := cueFiles(dir)
				if err != nil {
					return err
				}
				if len(files) > 0 {
					groups = append(groups, Group{Name: dir, Files: files})
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("read workloads: %w", err)
			}
		default:
			files, err := cueFiles(p)
			if err != nil {
				return nil, fmt.Errorf("read workloads: %w", err)
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("read workloads: %s: no .cue files", p)
			}
			groups = append(groups, Group{Name: p, Files: files})
		}
	}
	if len(loose) > 0 {
		groups = append(groups, Group{Name: "files", Files: loose})
	}
	return Once(groups, map[string]bool{}), nil
}

// Once returns groups with every file in the first group that has it: a
// file named twice, or named and found again in its directory, is read
// once (twice, its workloads would collide with themselves). seen holds
// the absolute paths of the files taken, across calls. A group left
// without files is dropped; groups of Sources are kept as they are.
func Once(groups []Group, seen map[string]bool) []Group {
	var out []Group
	for _, g := range groups {
		if len(g.Sources) > 0 {
			out = append(out, g)
			continue
		}
		files := g.Files[:0:0]
		for _, f := range g.Files {
			abs, err := filepath.Abs(f)
			if err != nil {
				abs = filepath.Clean(f)
			}
			if !seen[abs] {
				seen[abs] = true
				files = append(files, f)
			}
		}
		if len(files) > 0 {
			g.Files = files
			out = append(out, g)
		}
	}
	return out
}

func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "cue.mod" || name == "node_modules"
}

func cueFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".cue") && !strings.HasPrefix(e.Name(), ".") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	return files, nil
}
