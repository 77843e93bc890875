package pipeline

import (
	"fmt"
	"path/filepath"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/generators"
	"github.com/mljob/mljob/internal/kustomize"
	"github.com/mljob/mljob/internal/render"
)

// buildOverlay builds the kustomize overlay on top of the rendered
// documents; dirs[i] is the project directory of docs[i]. Jobs and CronJobs
// of the result keep the workload they came from, so later findings still
// point at the user's .cue file.
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
		byOrig[d.Kind()+"/"+d.Meta().GetName()] = d
	}
	var bases []kustomize.Base
	for dir, files := range byDir {
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		files[kustomize.KustomizationFile] = kustomize.Kustomization(names)
		bases = append(bases, kustomize.Base{Dir: dir, Files: files})
	}
	res, err := kustomize.Build(overlay, bases)
	if err != nil {
		return nil, err
	}
	out := make([]render.Document, 0, len(res))
	for _, r := range res {
		d, err := overlayDocument(overlay, r, byOrig)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func overlayDocument(overlay string, r kustomize.Resource, byOrig map[string]*render.Document) (render.Document, error) {
	name := filepath.ToSlash(overlay)
	j, err := yaml.YAMLToJSON(r.YAML)
	if err != nil {
		return render.Document{}, err
	}
	var obj runtime.Object
	if r.APIVersion == "batch/v1" && (r.Kind == "Job" || r.Kind == "CronJob") {
		if r.Kind == "Job" {
			obj = &batchv1.Job{}
		} else {
			obj = &batchv1.CronJob{}
		}
		strict, err := sigsjson.UnmarshalStrict(j, obj)
		if err == nil && len(strict) > 0 {
			err = strict[0]
		}
		if err != nil {
			return render.Document{}, fmt.Errorf("overlay %s: %s %s: %w", name, r.Kind, r.Name, err)
		}
	} else {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(j); err != nil {
			return render.Document{}, fmt.Errorf("overlay %s: %s %s: %w", name, r.Kind, r.Name, err)
		}
		obj = u
	}
	d := render.Document{Object: generators.Object{Obj: obj}}
	// The workload's name label survives namePrefix and namespace
	// changes (kustomize drops its own record of previous names when the
	// build ends); names are unique per kind across the rendered workloads.
	orig := r.OrigName
	if m, ok := obj.(metav1.Object); ok && m.GetLabels()[generators.LabelName] != "" {
		orig = m.GetLabels()[generators.LabelName]
	}
	if base, ok := byOrig[r.Kind+"/"+orig]; ok {
		d.Source = base.Source
		d.Origin = fmt.Sprintf("%s over %s (%s)", name, base.Source.Pos, base.Source.Path(""))
	} else {
		d.Origin = name
	}
	if _, typed := obj.(*unstructured.Unstructured); typed {
		d.YAML = r.YAML
	} else if d.YAML, err = render.Marshal(obj); err != nil {
		return render.Document{}, fmt.Errorf("overlay %s: %s %s: %w", name, r.Kind, r.Name, err)
	}
	return d, nil
}
