package kustomize

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// fakeGit puts a git first on PATH that records its arguments in the
// returned log file and fails.
func fakeGit(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "git.log")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return log
}

func gitCalls(t *testing.T, log string) string {
	t.Helper()
	b, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRemoteResourcesRefused: an overlay that names a remote resource, in
// any field or in a base it includes, is refused with an error naming the
// resource and its line; kustomize never starts git (a fake git on PATH
// records every call) and makes no HTTP request.
func TestRemoteResourcesRefused(t *testing.T) {
	log := fakeGit(t)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: remote}\n")
	}))
	defer srv.Close()
	t.Chdir(t.TempDir())
	write(t, map[string]string{
		"workloads/w.cue":                  "",
		"local/kustomization.yaml":         "resources:\n- github.com/acme/platform/base?ref=v1\n",
		"patch.yaml":                       "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\n",
		"component/kustomization.yaml":     "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: " + srv.URL + "/patch.yaml\n",
		"overlay-valid/kustomization.yaml": "resources: [../workloads]\n",
	})
	bases := []Base{{Dir: "workloads", Files: map[string][]byte{"kustomization.yaml": []byte("resources: []\n")}}}
	for _, tc := range []struct {
		name, kustomization, want string
	}{
		{"https git", "resources:\n- ../workloads\n- https://github.com/acme/platform//base?ref=v1\n", `overlay/kustomization.yaml:3:3: resources[1]: "https://github.com/acme/platform//base?ref=v1": remote resources are not fetched`},
		{"github short", "resources: [../workloads, github.com/acme/platform/base]\n", `resources[1]: "github.com/acme/platform/base": remote`},
		{"scp", "resources: [../workloads, 'git@github.com:acme/platform.git']\n", `"git@github.com:acme/platform.git": remote`},
		{"ssh", "resources: [../workloads, ssh://git@example.com/acme/platform.git]\n", `"ssh://git@example.com/acme/platform.git": remote`},
		{"file repo", "resources: [../workloads, file:///srv/repo]\n", `"file:///srv/repo": remote`},
		{"git:: prefix", "resources: [../workloads, 'git::https://example.com/acme/platform']\n", `remote`},
		{"http file", "resources: [../workloads, " + srv.URL + "/job.yaml]\n", `"` + srv.URL + `/job.yaml": remote`},
		{"component", "resources: [../workloads]\ncomponents: [https://example.com/acme/c.git]\n", `components[0]`},
		{"patch url", "resources: [../workloads]\npatches:\n- path: " + srv.URL + "/p.yaml\n", `patches[0].path: "` + srv.URL + `/p.yaml": remote`},
		{"generator file", "resources: [../workloads]\nconfigMapGenerator:\n- name: c\n  files: [key=" + srv.URL + "/x]\n", `configMapGenerator[0].files[0]: "` + srv.URL + `/x": remote`},
		{"openapi", "resources: [../workloads]\nopenapi: {path: " + srv.URL + "/schema.json}\n", `openapi.path`},
		{"in a local base", "resources: [../workloads, ../local]\n", `local/kustomization.yaml:2:3: resources[0]: "github.com/acme/platform/base?ref=v1": remote`},
		{"in a local component", "resources: [../workloads]\ncomponents: [../component]\n", `component/kustomization.yaml:4:9: patches[0].path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(t, map[string]string{"overlay/kustomization.yaml": tc.kustomization})
			_, err := Build("overlay", bases)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrRemote) && !strings.Contains(err.Error(), ErrRemote.Error()) {
				t.Errorf("error = %v\nwant %q", err, tc.want)
			}
		})
	}
	if calls := gitCalls(t, log); calls != "" {
		t.Errorf("git was run:\n%s", calls)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d HTTP requests", n)
	}
	if _, err := Build("overlay-valid", bases); err != nil {
		t.Errorf("a local overlay: %v", err)
	}

	// The fake git does record calls: kustomize on its own runs it.
	write(t, map[string]string{"bare/kustomization.yaml": "resources: [github.com/acme/platform/base]\n"})
	krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), "bare")
	if calls := gitCalls(t, log); !strings.Contains(calls, "init") {
		t.Errorf("the fake git saw no call from kustomize itself: %q", calls)
	}
}
