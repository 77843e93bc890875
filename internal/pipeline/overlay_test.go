package pipeline_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/render"
)

// Building an overlay in memory must give what kustomize itself gives when
// the rendered base is written to disk with --kustomization and the
// overlay names that directory.
func TestOverlayMatchesKustomizeOnDisk(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			tmp := t.TempDir()
			// Same layout as examples/overlays, with the base on disk.
			base := filepath.Join(tmp, "workloads")
			res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{"../../examples/overlays/workloads"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := render.WriteDir(base, res.Documents, render.DirOptions{Kustomization: true}); err != nil {
				t.Fatal(err)
			}
			k, err := os.ReadFile("../../examples/overlays/" + env + "/kustomization.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(tmp, env), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, env, "kustomization.yaml"), k, 0o644); err != nil {
				t.Fatal(err)
			}
			rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(tmp, env))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{}
			for _, r := range rm.Resources() {
				y, _ := r.AsYAML()
				var m map[string]any
				if err := yaml.Unmarshal(y, &m); err != nil {
					t.Fatal(err)
				}
				want[r.GetKind()+"/"+r.GetName()] = m
			}

			got := map[string]any{}
			ov, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{"../../examples/overlays/workloads"}, Overlay: "../../examples/overlays/" + env})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ov.Documents {
				var m map[string]any
				if err := yaml.Unmarshal(d.YAML, &m); err != nil {
					t.Fatal(err)
				}
				got[d.Kind()+"/"+d.Meta().GetName()] = m
			}
			if len(got) != 2 || !reflect.DeepEqual(got, want) {
				t.Errorf("in-memory overlay differs from kustomize on disk\n got %v\nwant %v", got, want)
			}
		})
	}
}
