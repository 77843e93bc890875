// Package kustomize builds a kustomize overlay on top of workloads that
// mljob renders, in process: the rendered objects form an in-memory base
// that the user's overlay names as a resource directory, exactly as if the
// YAML had been written there.
package kustomize

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/mljob/mljob/internal/diag"
)

// File returns the kustomization file of dir as kustomize finds it
// (kustomization.yaml, kustomization.yml or Kustomization), or dir when
// there is none.
func File(dir string) string {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, n)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return filepath.ToSlash(p)
		}
	}
	return filepath.ToSlash(dir)
}

// Blame says which line of a kustomization file most likely set a field
// of an object the overlay built, from the field's path: namePrefix for
// names, namespace, images for container images, labels, annotations,
// and otherwise the patches.
type Blame struct {
	file  string
	lines map[string]int // top-level key -> line
}

// NewBlame reads the top-level keys of the kustomization file.
func NewBlame(file string) *Blame {
	b := &Blame{file: file, lines: map[string]int{}}
	data, err := os.ReadFile(file)
	if err != nil {
		return b
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return b
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		b.lines[m.Content[i].Value] = m.Content[i].Line
	}
	return b
}

// Pos returns the file and the line of the key most likely to have set
// the value at path.
func (b *Blame) Pos(path string) diag.Pos {
	var keys []string
	switch {
	case path == "metadata.name":
		keys = []string{"namePrefix", "nameSuffix"}
	case strings.HasSuffix(path, "metadata.namespace"):
		keys = []string{"namespace"}
	case strings.HasSuffix(path, ".image"):
		keys = []string{"images"}
	case strings.Contains(path, "labels"), strings.Contains(path, "selector"):
		keys = []string{"labels", "commonLabels"}
	case strings.Contains(path, "annotations"):
		keys = []string{"commonAnnotations"}
	}
	keys = append(keys, "patches", "patchesStrategicMerge", "patchesJson6902", "replacements", "transformers")
	for _, k := range keys {
		if l, ok := b.lines[k]; ok {
			return diag.Pos{File: b.file, Line: l, Column: 1}
		}
	}
	return diag.Pos{File: b.file}
}

// Base is a directory whose content mljob supplies: the rendered files
// and a kustomization listing them. On disk the directory holds the .cue
// workloads.
type Base struct {
	Dir   string
	Files map[string][]byte
}

// Resource is one object of the overlay's output.
type Resource struct {
	YAML []byte
	// Kind, Namespace and Name as built; OrigNamespace and OrigName as
	// the base had them, before namePrefix and namespace changed them.
	APIVersion, Kind, Namespace, Name string
	OrigNamespace, OrigName           string
}

// Build runs kustomize on the overlay directory with bases supplied from
// memory. It fails when the overlay does not use any of the bases: then
// the overlay would not contain the workloads at all.
func Build(overlay string, bases []Base) ([]Resource, error) {
	abs, err := filepath.Abs(overlay)
	if err != nil {
		return nil, err
	}
	fs, err := newOverlayFS(bases)
	if err != nil {
		return nil, err
	}
	if err := checkOffline(fs, abs); err != nil {
		return nil, err
	}
	// Plugins, exec functions and helm stay off, as in the default
	// options: kustomize runs no program.
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	var rm resmap.ResMap
	err = withoutNetwork(func() (err error) {
		rm, err = k.Run(fs, abs)
		return err
	})
	if err != nil {
		return nil, explain(overlay, fs, err)
	}
	if !fs.baseUsed() {
		var dirs []string
		for _, d := range fs.dirs {
			rel, err := filepath.Rel(abs, d)
			if err != nil {
				rel = d
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		sort.Strings(dirs)
		return nil, fmt.Errorf("overlay %s does not use the rendered workloads: add %s to its resources", overlay, strings.Join(dirs, " or "))
	}
	return resources(rm)
}

// explain turns a failed build into what the user must fix: an overlay
// directory without a kustomization, or a file or directory the
// kustomization names that does not exist, at its line. Other failures
// keep kustomize's words, prefixed with the overlay.
func explain(overlay string, fs *overlayFS, err error) error {
	info, serr := os.Stat(overlay)
	switch {
	case serr != nil:
		return fmt.Errorf("overlay %s: no such directory", overlay)
	case !info.IsDir():
		return fmt.Errorf("overlay %s: not a directory (want a directory with a kustomization.yaml)", overlay)
	}
	file := File(overlay)
	if file == filepath.ToSlash(overlay) {
		return fmt.Errorf("overlay %s: no kustomization.yaml in it", overlay)
	}
	abs, aerr := filepath.Abs(overlay)
	if aerr != nil {
		return fmt.Errorf("overlay %s: %w", overlay, err)
	}
	var errs diag.List
	for _, ref := range references(file) {
		if strings.Contains(ref.path, "://") || strings.HasPrefix(ref.path, "github.com/") {
			continue // remote: kustomize says what went wrong
		}
		if fs.Exists(filepath.Join(abs, ref.path)) {
			continue
		}
		msg := fmt.Sprintf("overlay %s: %s: %s not found", overlay, ref.field, ref.path)
		if ref.field == "resources" && filepath.Ext(ref.path) == "" {
			if near := fs.nearestBase(overlay, ref.path); near != "" {
				msg += "; the rendered workloads are in " + near
			}
		}
		errs = append(errs, diag.Errorf(diag.Pos{File: file, Line: ref.line, Column: ref.col}, "", "%s", msg))
	}
	if len(errs) > 0 {
		return errs.Err()
	}
	return fmt.Errorf("overlay %s: %w", overlay, err)
}

// reference is a path a kustomization names, and where.
type reference struct {
	field, path string
	line, col   int
}

// references lists the local paths a kustomization file names:
// resources, components, patch files, generator files.
func references(file string) []reference {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	var refs []reference
	add := func(field string, n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Value != "" {
			refs = append(refs, reference{field: field, path: n.Value, line: n.Line, col: n.Column})
		}
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, val := m.Content[i].Value, m.Content[i+1]
		if val.Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range val.Content {
			switch key {
			case "resources", "components", "patchesStrategicMerge", "crds":
				add(key, item)
			case "patches", "patchesJson6902":
				if item.Kind == yaml.MappingNode {
					for j := 0; j+1 < len(item.Content); j += 2 {
						if item.Content[j].Value == "path" {
							add(key, item.Content[j+1])
						}
					}
				}
			case "configMapGenerator", "secretGenerator":
				if item.Kind != yaml.MappingNode {
					continue
				}
				for j := 0; j+1 < len(item.Content); j += 2 {
					if k := item.Content[j].Value; k == "files" || k == "envs" {
						for _, f := range item.Content[j+1].Content {
							// files: [key=path] names the key first.
							if _, path, ok := strings.Cut(f.Value, "="); ok {
								f2 := *f
								f2.Value = path
								f = &f2
							}
							add(key, f)
						}
					}
				}
			}
		}
	}
	return refs
}

// nearestBase is the rendered workloads' directory, relative to the
// overlay, that a missing resource most likely meant: the only one, or
// the one of the same name.
func (o *overlayFS) nearestBase(overlay, ref string) string {
	abs, err := filepath.Abs(overlay)
	if err != nil {
		return ""
	}
	var rels []string
	for _, d := range o.dirs {
		rel, err := filepath.Rel(abs, d)
		if err != nil {
			continue
		}
		rels = append(rels, filepath.ToSlash(rel))
	}
	if len(rels) == 1 {
		return rels[0]
	}
	for _, r := range rels {
		if filepath.Base(r) == filepath.Base(ref) {
			return r
		}
	}
	return ""
}

func resources(rm resmap.ResMap) ([]Resource, error) {
	var out []Resource
	for _, r := range rm.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		org := r.OrgId()
		out = append(out, Resource{
			YAML:          y,
			APIVersion:    r.GetApiVersion(),
			Kind:          r.GetKind(),
			Namespace:     r.GetNamespace(),
			Name:          r.GetName(),
			OrigNamespace: org.Namespace,
			OrigName:      org.Name,
		})
	}
	return out, nil
}

// overlayFS reads the disk, except below the base directories, which it
// serves from memory. It is read-only.
type overlayFS struct {
	filesys.FileSystem // the disk
	mem                filesys.FileSystem
	dirs               []string
	mu                 sync.Mutex
	used               bool
}

func newOverlayFS(bases []Base) (*overlayFS, error) {
	o := &overlayFS{FileSystem: filesys.MakeFsOnDisk(), mem: filesys.MakeFsInMemory()}
	for _, b := range bases {
		dir, err := filepath.Abs(b.Dir)
		if err != nil {
			return nil, err
		}
		if err := o.mem.MkdirAll(dir); err != nil {
			return nil, err
		}
		for name, data := range b.Files {
			if err := o.mem.WriteFile(filepath.Join(dir, name), data); err != nil {
				return nil, err
			}
		}
		o.dirs = append(o.dirs, dir)
	}
	return o, nil
}

// inBase reports whether p is a base directory or below one.
func (o *overlayFS) inBase(p string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	for _, d := range o.dirs {
		if abs == d || strings.HasPrefix(abs, d+string(filepath.Separator)) {
			o.mu.Lock()
			o.used = true
			o.mu.Unlock()
			return true
		}
	}
	return false
}

func (o *overlayFS) baseUsed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.used
}

func (o *overlayFS) pick(p string) filesys.FileSystem {
	if o.inBase(p) {
		return o.mem
	}
	return o.FileSystem
}

func (o *overlayFS) Open(p string) (filesys.File, error) { return o.pick(p).Open(p) }
func (o *overlayFS) IsDir(p string) bool                 { return o.pick(p).IsDir(p) }
func (o *overlayFS) ReadDir(p string) ([]string, error)  { return o.pick(p).ReadDir(p) }
func (o *overlayFS) Exists(p string) bool                { return o.pick(p).Exists(p) }
func (o *overlayFS) ReadFile(p string) ([]byte, error)   { return o.pick(p).ReadFile(p) }
func (o *overlayFS) Glob(p string) ([]string, error)     { return o.pick(p).Glob(p) }
func (o *overlayFS) Walk(p string, fn filepath.WalkFunc) error {
	return o.pick(p).Walk(p, fn)
}
func (o *overlayFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	return o.pick(p).CleanedAbs(p)
}

// Writes are refused: building an overlay never changes the disk.
func (o *overlayFS) Create(p string) (filesys.File, error) { return nil, errReadOnly(p) }
func (o *overlayFS) Mkdir(p string) error                  { return errReadOnly(p) }
func (o *overlayFS) MkdirAll(p string) error               { return errReadOnly(p) }
func (o *overlayFS) RemoveAll(p string) error              { return errReadOnly(p) }
func (o *overlayFS) WriteFile(p string, _ []byte) error    { return errReadOnly(p) }

func errReadOnly(p string) error { return fmt.Errorf("kustomize: %s: read-only file system", p) }
