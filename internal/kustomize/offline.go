package kustomize

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/mljob/mljob/internal/diag"
)

// mljob builds overlays offline: lint is documented to be, and mljob runs
// on untrusted pull requests and in shared repo-servers. kustomize fetches
// a remote resource with git (a URL, github.com/org/repo, user@host:repo,
// file://) or over HTTP (a file's https:// URL), and has no option to stop
// it. So before kustomize runs, every kustomization the overlay reaches is
// read and any reference that kustomize would fetch is refused, naming
// the resource and where it is written; no git is ever started. The HTTP
// transport refuses requests while kustomize runs, in case a field was
// missed.

// ErrRemote is the error of a remote reference.
var ErrRemote = errors.New("remote resources are not fetched: mljob builds overlays offline; vendor the resource into the repository")

// scpLike is user@host:path, which kustomize clones with git.
var scpLike = regexp.MustCompile(`^[^/\s@]+@[^/\s:]+:`)

// isRemote reports whether kustomize would fetch ref rather than read a
// local file or directory.
func isRemote(ref string) bool {
	l := strings.ToLower(strings.TrimSpace(ref))
	return strings.Contains(l, "://") ||
		strings.HasPrefix(l, "git::") ||
		strings.HasPrefix(l, "github.com/") || strings.HasPrefix(l, "github.com:") ||
		strings.HasPrefix(l, "www.github.com/") ||
		scpLike.MatchString(l) ||
		strings.Contains(l, "?ref=") || strings.Contains(l, "?version=")
}

// refField is a field of a kustomization that names files or
// directories: how to find its values, and whether they may be
// kustomization directories to follow.
type refField struct {
	path []string // keys; "*" is every item of a sequence
	dirs bool
	// inline: values with a newline are inline YAML, not paths.
	inline bool
	// kv: values are [key=]path.
	kv bool
}

var refFields = []refField{
	{path: []string{"resources", "*"}, dirs: true},
	{path: []string{"bases", "*"}, dirs: true},
	{path: []string{"components", "*"}, dirs: true},
	{path: []string{"generators", "*"}, dirs: true, inline: true},
	{path: []string{"transformers", "*"}, dirs: true, inline: true},
	{path: []string{"validators", "*"}, dirs: true, inline: true},
	{path: []string{"crds", "*"}},
	{path: []string{"configurations", "*"}},
	{path: []string{"patchesStrategicMerge", "*"}, inline: true},
	{path: []string{"patches", "*", "path"}},
	{path: []string{"patchesJson6902", "*", "path"}},
	{path: []string{"replacements", "*", "path"}},
	{path: []string{"openapi", "path"}},
	{path: []string{"configMapGenerator", "*", "files", "*"}, kv: true},
	{path: []string{"configMapGenerator", "*", "envs", "*"}},
	{path: []string{"configMapGenerator", "*", "env"}},
	{path: []string{"secretGenerator", "*", "files", "*"}, kv: true},
	{path: []string{"secretGenerator", "*", "envs", "*"}},
	{path: []string{"secretGenerator", "*", "env"}},
	{path: []string{"helmCharts", "*", "repo"}},
	{path: []string{"helmChartInflationGenerator", "*", "chartRepoUrl"}},
}

// checkOffline reads the kustomization in dir and those it reaches
// through local directories, and refuses remote references.
func checkOffline(fs filesys.FileSystem, dir string) error {
	var errs diag.List
	seen := map[string]bool{}
	var visit func(dir string)
	visit = func(dir string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		file, data := kustomizationIn(fs, dir)
		if file == "" {
			return
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
			return // kustomize reports it
		}
		for _, f := range refFields {
			for _, fv := range values(doc.Content[0], f.path, "") {
				v := fv.node
				ref := v.Value
				if f.inline && strings.Contains(ref, "\n") {
					continue
				}
				if f.kv {
					if _, p, ok := strings.Cut(ref, "="); ok {
						ref = p
					}
				}
				if isRemote(ref) {
					errs = append(errs, diag.Errorf(diag.Pos{File: display(file), Line: v.Line, Column: v.Column}, fv.path,
						"%q: %v", ref, ErrRemote))
					continue
				}
				if f.dirs && !filepath.IsAbs(ref) {
					if sub := filepath.Join(dir, ref); fs.IsDir(sub) {
						visit(sub)
					}
				}
			}
		}
	}
	visit(dir)
	return errs.Err()
}

// kustomizationIn returns the kustomization file of dir and its content.
func kustomizationIn(fs filesys.FileSystem, dir string) (string, []byte) {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, n)
		if fs.Exists(p) && !fs.IsDir(p) {
			data, err := fs.ReadFile(p)
			if err != nil {
				return "", nil
			}
			return p, data
		}
	}
	return "", nil
}

// fieldValue is a scalar of a kustomization and its field path.
type fieldValue struct {
	node *yaml.Node
	path string
}

// values returns the scalars at path below n, with their field paths
// below prefix.
func values(n *yaml.Node, path []string, prefix string) []fieldValue {
	if len(path) == 0 {
		if n.Kind == yaml.ScalarNode {
			return []fieldValue{{n, prefix}}
		}
		return nil
	}
	var out []fieldValue
	switch {
	case path[0] == "*" && n.Kind == yaml.SequenceNode:
		for i, it := range n.Content {
			out = append(out, values(it, path[1:], fmt.Sprintf("%s[%d]", prefix, i))...)
		}
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == path[0] {
				p := path[0]
				if prefix != "" {
					p = prefix + "." + p
				}
				out = append(out, values(n.Content[i+1], path[1:], p)...)
			}
		}
	}
	return out
}

// display shows a path relative to the working directory when it is
// below it.
func display(p string) string {
	if wd, err := filepath.Abs("."); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(p)
}

// offlineTransport refuses every request.
type offlineTransport struct{}

func (offlineTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("%s: %w", r.URL.Redacted(), ErrRemote)
}

var transportMu sync.Mutex

// withoutNetwork runs fn with HTTP requests through the default transport
// refused.
func withoutNetwork(fn func() error) error {
	transportMu.Lock()
	defer transportMu.Unlock()
	saved := http.DefaultTransport
	http.DefaultTransport = offlineTransport{}
	defer func() { http.DefaultTransport = saved }()
	return fn()
}
