package pipeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

// A namePrefix and nameSuffix rename a distributed Job and its Service
// alike, and the pods' subdomain and the Service's selector with them
// (MASTER_ADDR is built from the Job's name by the pods themselves): with
// the base written by render -o DIR --kustomization and built by
// kustomize on disk, and with the overlay built in process by render
// --overlay. Each result lints clean, distributed-rendezvous included.
func TestOverlayRenamesDistributedPair(t *testing.T) {
	const example = "../../examples/distributed-training"
	// testdata/distributed/overlay, over the base on disk.
	overlay := "resources: [../base]\nnamePrefix: team-a-\nnameSuffix: -v2\nnamespace: team-a\n"
	tmp := t.TempDir()
	res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{example}})
	if err != nil {
		t.Fatal(err)
	}
	if err := render.WriteDir(filepath.Join(tmp, "base"), res.Documents, render.DirOptions{Kustomization: true}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "team-a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "team-a", "kustomization.yaml"), []byte(overlay), 0o644); err != nil {
		t.Fatal(err)
	}
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(tmp, "team-a"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []byte
	for _, r := range rm.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		onDisk = append(append(onDisk, "---\n"...), y...)
	}

	// The same overlay, in process, over the CUE project.
	ov, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{example}, Overlay: "../../testdata/distributed/overlay"})
	if err != nil {
		t.Fatal(err)
	}
	var rendered bytes.Buffer
	if err := render.WriteStream(&rendered, ov.Documents); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		yaml []byte
	}{{"kustomize on disk", onDisk}, {"render --overlay", rendered.Bytes()}} {
		t.Run(c.name, func(t *testing.T) {
			var job struct {
				Metadata struct{ Name string }
				Spec     struct {
					Template struct {
						Spec struct {
							Subdomain  string
							Containers []struct {
								Env []struct{ Name, Value string }
							}
						}
					}
				}
			}
			var svc struct {
				Metadata struct{ Name string }
				Spec     struct{ Selector map[string]string }
			}
			for _, doc := range strings.Split(string(c.yaml), "\n---\n") {
				switch {
				case strings.Contains(doc, "\nkind: Job\n"):
					if err := yaml.Unmarshal([]byte(doc), &job); err != nil {
						t.Fatal(err)
					}
				case strings.Contains(doc, "\nkind: Service\n"):
					if err := yaml.Unmarshal([]byte(doc), &svc); err != nil {
						t.Fatal(err)
					}
				}
			}
			const name = "team-a-train-llm-v2"
			if job.Metadata.Name != name || job.Spec.Template.Spec.Subdomain != name || svc.Metadata.Name != name ||
				svc.Spec.Selector["batch.kubernetes.io/job-name"] != name {
				t.Errorf("Job %q, subdomain %q, Service %q, selector %v: want all %s", job.Metadata.Name,
					job.Spec.Template.Spec.Subdomain, svc.Metadata.Name, svc.Spec.Selector, name)
			}
			lint, err := pipeline.Lint(pipeline.LintOptions{Manifests: []pipeline.Manifest{{Name: "out.yaml", Data: c.yaml}}})
			if err != nil {
				t.Fatal(err)
			}
			if lint.Objects != 2 || len(lint.Errors) > 0 {
				t.Errorf("%d objects checked, errors %v; want the Job and its Service", lint.Objects, lint.Errors)
			}
			for _, f := range lint.Findings {
				t.Errorf("%s: [%s] %s: %s", f.Pos, f.Rule, f.Object, f.Message)
			}
		})
	}
}
