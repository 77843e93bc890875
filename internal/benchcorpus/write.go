package benchcorpus

import (
	"embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/pipeline"
)

// PerFile is how many workloads one .cue file of a corpus holds.
const PerFile = 10

// TemplateFile is the name of the plain-CUE template (template.cue).
const TemplateFile = "template.cue"

//go:embed template.cue conftest/*.rego
var assets embed.FS

// Template returns the plain-CUE equivalent of mljob render for the
// corpus: `cue export -e stream --out text template.cue FILES...` renders
// the workload files FILES as mljob does.
func Template() []byte {
	b, err := assets.ReadFile(TemplateFile)
	if err != nil {
		panic(err) // embedded
	}
	return b
}

// ConftestPolicy returns the conftest policy files (name → Rego): six of
// mljob's rules in conftest's `deny` form, each message starting with
// "[RULE-ID]".
func ConftestPolicy() map[string][]byte {
	out := map[string][]byte{}
	err := fs.WalkDir(assets, "conftest", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		out[filepath.Base(p)] = b
		return err
	})
	if err != nil {
		panic(err) // embedded
	}
	return out
}

// ConftestRules are the ids of mljob's rules that ConftestPolicy mirrors.
var ConftestRules = []string{"active-deadline", "backoff-limit", "image-tag", "resource-limits", "restart-policy", "ttl-after-finished"}

// File is a file of a corpus: a name relative to its directory, and its
// content.
type File struct {
	Name string
	Data []byte
}

// ProjectFiles returns ws as the .cue files of one mljob project, PerFile
// workloads to a file.
func ProjectFiles(ws []Workload) []File {
	var files []File
	for i := 0; i < len(ws); i += PerFile {
		var b strings.Builder
		for j := i; j < min(i+PerFile, len(ws)); j++ {
			if j > i {
				b.WriteString("\n")
			}
			b.WriteString(ws[j].CUE())
		}
		files = append(files, File{Name: fmt.Sprintf("w%05d.cue", i/PerFile), Data: []byte(b.String())})
	}
	return files
}

// SplitFiles returns ws as dirs projects of equal size, in
// sub-directories p000, p001, ...: a repository of many small projects,
// rendered with `mljob render DIR/...`.
func SplitFiles(ws []Workload, dirs int) []File {
	var files []File
	per := (len(ws) + dirs - 1) / dirs
	for d := 0; d*per < len(ws); d++ {
		for _, f := range ProjectFiles(ws[d*per : min((d+1)*per, len(ws))]) {
			f.Name = filepath.Join(fmt.Sprintf("p%03d", d), f.Name)
			files = append(files, f)
		}
	}
	return files
}

// Manifests returns objs as one YAML file each, named as `render -o`
// names them. About one object in six gets a defect that one of the six
// conftest rules (ConftestRules) reports, and one in fifty a misspelt
// field that strict schema validation rejects: a linter that finds nothing
// does less work than one that reports. Which objects, depends on the seed
// and the object's name only, so a smaller corpus has the same defects as
// the same objects of a larger one. objs are left as they are.
func Manifests(objs []Object, seed uint64) ([]File, error) {
	out := make([]File, len(objs))
	for i, o := range objs {
		obj, err := clone(o.Object)
		if err != nil {
			return nil, err
		}
		h := fnv.New64a()
		h.Write([]byte(o.FileName))
		spoil(obj, rand.New(rand.NewPCG(seed, h.Sum64())))
		y, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		out[i] = File{Name: o.FileName, Data: y}
	}
	return out, nil
}

func clone(obj map[string]any) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var c map[string]any
	err = json.Unmarshal(b, &c)
	return c, err
}

// Object is a rendered object, as YAML decodes it.
type Object struct {
	// FileName is the object's file under `mljob render -o`.
	FileName string
	Object   map[string]any
}

// Objects renders ws with mljob, in mljob's order.
func Objects(ws []Workload) ([]Object, error) {
	files := ProjectFiles(ws)
	srcs := make([]load.Source, len(files))
	for i, f := range files {
		srcs[i] = load.Source{Name: f.Name, Data: f.Data}
	}
	res, err := pipeline.Render(pipeline.RenderOptions{Inline: srcs})
	if err != nil {
		return nil, fmt.Errorf("render corpus: %w", err)
	}
	out := make([]Object, len(res.Documents))
	for i := range res.Documents {
		d := &res.Documents[i]
		out[i].FileName = d.FileName()
		if err := yaml.Unmarshal(d.YAML, &out[i].Object); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// spoil gives some objects a defect.
func spoil(obj map[string]any, r *rand.Rand) {
	jobSpec := obj["spec"].(map[string]any)
	if obj["kind"] == "CronJob" {
		jobSpec = jobSpec["jobTemplate"].(map[string]any)["spec"].(map[string]any)
	}
	pod := jobSpec["template"].(map[string]any)["spec"].(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	if chance(r, 0.02) {
		c["imagePullPolice"] = "Always" // for imagePullPolicy
	}
	if !chance(r, 0.17) {
		return
	}
	switch r.IntN(6) {
	case 0:
		name, _, _ := strings.Cut(c["image"].(string), ":")
		c["image"] = name + ":latest"
	case 1:
		delete(c["resources"].(map[string]any), "limits")
	case 2:
		delete(jobSpec, "backoffLimit")
		delete(jobSpec, "backoffLimitPerIndex")
	case 3:
		delete(jobSpec, "ttlSecondsAfterFinished")
	case 4:
		delete(jobSpec, "activeDeadlineSeconds")
	case 5:
		delete(pod, "restartPolicy")
	}
}

// WriteFiles writes files under dir, creating directories as needed.
func WriteFiles(dir string, files []File) error {
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// DataStreamFile is the file of a DataFiles corpus that exports the
// objects as one YAML stream.
const DataStreamFile = "stream.cue"

// DataFiles returns objs as plain CUE data (JSON is CUE), PerFile objects
// to a file, and DataStreamFile, which exports them as a YAML stream:
// `cue export -e stream --out text DIR/*.cue`. CUE then only parses,
// unifies and prints the objects, a lower bound for any CUE that renders
// them.
func DataFiles(objs []Object) ([]File, error) {
	files := []File{{Name: DataStreamFile, Data: []byte(`import "encoding/yaml"

objects: [string]: {...}

stream: yaml.MarshalStream([for _, o in objects {o}])
`)}}
	for i := 0; i < len(objs); i += PerFile {
		var b strings.Builder
		for _, o := range objs[i:min(i+PerFile, len(objs))] {
			j, err := json.Marshal(o.Object)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "objects: %q: %s\n", o.FileName, j)
		}
		files = append(files, File{Name: fmt.Sprintf("d%05d.cue", i/PerFile), Data: []byte(b.String())})
	}
	return files, nil
}
