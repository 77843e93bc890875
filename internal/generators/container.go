package generators

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/mljob/mljob/internal/workload"
)

// container builds the main container: what it runs, its environment and
// its resources. GPUs, security and volumes are added by their features.
func (g *gen) container() corev1.Container {
	w := g.w
	c := corev1.Container{
		Name:       workload.ContainerName(w),
		Image:      g.image(),
		Command:    w.Command,
		Args:       w.Args,
		WorkingDir: w.WorkingDir,
		EnvFrom:    g.envFrom(),
		Env:        g.env(),
		Resources:  g.resources(),
	}
	cp := g.mainPath() + "."
	if w.ContainerName != "" {
		g.from(cp+"name", "containerName")
	}
	g.from(cp+"image", "image")
	if len(w.Command) > 0 {
		g.from(cp+"command", "command")
	}
	if len(w.Args) > 0 {
		g.from(cp+"args", "args")
	}
	if w.WorkingDir != "" {
		g.from(cp+"workingDir", "workingDir")
	}
	g.gpu(&c)
	return c
}

func (g *gen) image() string {
	img := g.w.Image
	if g.p.Registry == "" || hasRegistryHost(img) {
		return img
	}
	return strings.TrimSuffix(g.p.Registry, "/") + "/" + img
}

// hasRegistryHost reports whether an image reference names its registry,
// as Docker reads it: a first path element with '.' or ':' or "localhost".
func hasRegistryHost(img string) bool {
	first, _, ok := strings.Cut(img, "/")
	if !ok {
		return false
	}
	return strings.ContainsAny(first, ".:") || first == "localhost"
}

// liftContainer lifts what the main container runs.
func (l *lifter) liftContainer() {
	w, c := l.w, l.main
	if c == nil {
		return
	}
	w.Image = c.Image
	if w.Image == "" {
		w.Image = "unknown"
	}
	if c.Name != workload.TypeContainerName(w.Type) {
		w.ContainerName = c.Name
	}
	w.Command, w.Args, w.WorkingDir = c.Command, c.Args, c.WorkingDir
}

// mainContainer picks the container the workload describes: the one named
// after the type, or the first.
func mainContainer(cs []corev1.Container, typ string) *corev1.Container {
	if len(cs) == 0 {
		return nil
	}
	want := workload.TypeContainerName(typ)
	for i := range cs {
		if cs[i].Name == want {
			return &cs[i]
		}
	}
	return &cs[0]
}
