package pipeline

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/generators"
	"github.com/mljob/mljob/internal/kube"
	"github.com/mljob/mljob/internal/kustomize"
	"github.com/mljob/mljob/internal/render"
)

// buildOverlay builds the kustomize overlay on top of the rendered
// documents; dirs[i] is the project directory of docs[i]. Objects of the
// result keep the workload they came from and where its fields are, so
// later findings still point at the user's .cue file.
func buildOverlay(overlay string, docs []render.Document, dirs []string) ([]render.Document, error) {
	byDir := map[string]map[string][]byte{}
	byOrig := map[string]*render.Document{}
	for i := range docs {
		d := &docs[i]
		if dirs[i] == "" {
			return nil, fmt.Errorf("--overlay needs each project in one directory: %s's files are in several", d.Source.Path(""))
		}
		files := byDir[dirs[i]]
		if files == nil {
			files = map[string][]byte{}
			byDir[dirs[i]] = files
		}
		files[d.FileName()] = render.FileContent(d)
		byOrig[d.Kind()+"/"+d.Name()] = d
	}
	var bases []kustomize.Base
	for dir, files := range byDir {
		names := make([]string, 0, len(files))
		var dirDocs []render.Document
		for n := range files {
			names = append(names, n)
		}
		for i := range docs {
			if dirs[i] == dir {
				dirDocs = append(dirDocs, docs[i])
			}
		}
		var configs []string
		for n, b := range render.KustomizeFiles(dirDocs) {
			files[n] = b
			configs = append(configs, n)
		}
		files[render.KustomizationFile] = render.Kustomization(names, configs...)
		bases = append(bases, kustomize.Base{Dir: dir, Files: files})
	}
	res, err := kustomize.Build(overlay, bases)
	if err != nil {
		return nil, err
	}
	file := kustomize.File(overlay)
	blame := kustomize.NewBlame(file)
	out := make([]render.Document, 0, len(res))
	var errs diag.List
	for _, r := range res {
		d, err := overlayDocument(overlay, file, blame, r, byOrig)
		if err != nil {
			errs.Append(err)
			continue
		}
		out = append(out, d)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// overlayDocument turns one object of the overlay's output into a
// document: typed for the kinds mljob checks, decoded strictly (a patch
// that adds an unknown field is refused), and passed through as YAML for
// the others.
func overlayDocument(overlay, file string, blame *kustomize.Blame, r kustomize.Resource, byOrig map[string]*render.Document) (render.Document, error) {
	name := filepath.ToSlash(overlay)
	d := render.Document{YAML: r.YAML, Overlay: file, OverlayPos: blame.Pos}
	d.Head.APIVersion, d.Head.Kind = r.APIVersion, r.Kind
	d.Head.Metadata.Name, d.Head.Metadata.Namespace = r.Name, r.Namespace

	// The workload's name label survives namePrefix and namespace changes
	// (kustomize drops its own record of previous names when the build
	// ends); names are unique per kind across the rendered workloads.
	var labels struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	orig := r.OrigName
	if yaml.Unmarshal(r.YAML, &labels) == nil && labels.Metadata.Labels[generators.LabelName] != "" {
		orig = labels.Metadata.Labels[generators.LabelName]
	}
	base, ok := byOrig[r.Kind+"/"+orig]
	if ok {
		d.Source, d.Fields = base.Source, base.Fields
		d.Origin = fmt.Sprintf("%s over %s (%s)", name, base.Source.Pos, base.Source.Path(""))
	} else {
		d.Origin = name
	}

	k := kube.GVK(r.APIVersion, r.Kind)
	if kube.New(k) == nil {
		return d, nil
	}
	j, err := yaml.YAMLToJSON(r.YAML)
	if err != nil {
		return render.Document{}, d.Errorf("", "%s %s from overlay %s: %v", r.Kind, r.Name, name, err)
	}
	obj, err := kube.DecodeStrict(j, k)
	if err != nil {
		return render.Document{}, d.Errorf("", "%s %s from overlay %s: %v", r.Kind, r.Name, name, err)
	}
	d.Obj = obj
	enc, err := kube.Encode(obj)
	if err != nil {
		return render.Document{}, d.Errorf("", "%s %s from overlay %s: %v", r.Kind, r.Name, name, err)
	}
	d.JSON, d.YAML = enc.JSON, enc.YAML
	if base != nil {
		// What the overlay set or changed is the overlay's; the rest
		// still comes from the workload's fields.
		var before, after any
		if json.Unmarshal(base.JSON, &before) == nil && json.Unmarshal(d.JSON, &after) == nil {
			d.Overlaid = map[string]bool{}
			for _, p := range kube.ChangedPaths(before, after, reflect.TypeOf(obj)) {
				d.Overlaid[p] = true
			}
		}
	}
	return d, nil
}
