package generators

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"

	"github.com/mljob/mljob/internal/workload"
)

// indexLabel is the pod label that holds an Indexed Job's index.
const indexLabel = "batch.kubernetes.io/job-completion-index"

// env builds the main container's variables in the order they are
// written: Kubernetes expands $(NAME) in a value only from the variables
// before it.
func (g *gen) env() []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, v := range g.w.Env {
		env = append(env, envVar(v))
	}
	return env
}

func envVar(v workload.EnvVar) corev1.EnvVar {
	e := corev1.EnvVar{Name: v.Name}
	switch x := v.Value; {
	case x.Value != nil:
		e.Value = *x.Value
	case x.Secret != "":
		e.ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: x.Secret}, Key: x.Key, Optional: x.Optional}}
	case x.ConfigMap != "":
		e.ValueFrom = &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: x.ConfigMap}, Key: x.Key, Optional: x.Optional}}
	case x.Field != "":
		e.ValueFrom = &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: x.Field}}
	}
	return e
}

// generatedEnv puts a variable mljob sets first in env, so the user's
// values may refer to it, unless the user set one of that name.
func (g *gen) generatedEnv(c *corev1.Container, e corev1.EnvVar) {
	for _, old := range c.Env {
		if old.Name == e.Name {
			return
		}
	}
	c.Env = append([]corev1.EnvVar{e}, c.Env...)
}

// indexEnv defines JOB_COMPLETION_INDEX first when a value of env refers
// to it: the Job controller adds it at the end of env, where $(...) in
// the values before cannot see it.
func (g *gen) indexEnv(c *corev1.Container) {
	for _, v := range g.w.Env {
		if v.Value.Value != nil && refersTo(*v.Value.Value, "JOB_COMPLETION_INDEX") {
			g.generatedEnv(c, indexEnvVar())
			return
		}
	}
}

func indexEnvVar() corev1.EnvVar {
	return corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['" + indexLabel + "']"},
	}}
}

// refersTo reports whether Kubernetes would expand $(name) in s, with the
// kubelet's own expansion code.
func refersTo(s, name string) bool {
	found := false
	expansion.Expand(s, func(ref string) string {
		found = found || ref == name
		return ""
	})
	return found
}

// recordEnv records where the main container's variables came from, once
// env is final.
func (g *gen) recordEnv(c *corev1.Container) {
	cp := g.mainPath() + "."
	for i, e := range c.Env {
		path := fmt.Sprintf("%senv[%d]", cp, i)
		if _, ok := g.w.Env.Get(e.Name); ok {
			g.from(path, "env."+e.Name)
		} else if f := g.rendezvousField(e.Name); f != "" {
			g.from(path, f)
		} else if e.Name == workload.EnvCheckpointDir && g.w.Checkpoint != nil {
			g.from(path, g.checkpointField())
		}
	}
	for i := range g.w.EnvFrom {
		g.from(fmt.Sprintf("%senvFrom[%d]", cp, i), fmt.Sprintf("envFrom.%d", i))
	}
}

// envFrom builds the Secrets and ConfigMaps whose keys all become
// variables.
func (g *gen) envFrom() []corev1.EnvFromSource {
	var out []corev1.EnvFromSource
	for _, f := range g.w.EnvFrom {
		s := corev1.EnvFromSource{Prefix: f.Prefix}
		if f.Secret != "" {
			s.SecretRef = &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: f.Secret}, Optional: f.Optional}
		} else {
			s.ConfigMapRef = &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: f.ConfigMap}, Optional: f.Optional}
		}
		out = append(out, s)
	}
	return out
}

// liftEnv lifts the main container's env and envFrom, in order.
func (l *lifter) liftEnv() {
	c := l.main
	if c == nil {
		return
	}
	var env workload.Env
	for _, e := range c.Env {
		var v workload.EnvValue
		switch {
		case e.ValueFrom == nil:
			s := e.Value
			v = workload.EnvValue{Value: &s}
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			v = workload.EnvValue{Secret: r.Name, Key: r.Key, Optional: r.Optional}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			v = workload.EnvValue{ConfigMap: r.Name, Key: r.Key, Optional: r.Optional}
		case e.ValueFrom.FieldRef != nil && (e.ValueFrom.FieldRef.APIVersion == "" || e.ValueFrom.FieldRef.APIVersion == "v1"):
			v = workload.EnvValue{Field: e.ValueFrom.FieldRef.FieldPath}
		default:
			// A resource field or a file: overrides carry the whole env.
			l.w.Env = nil
			return
		}
		env = append(env, workload.EnvVar{Name: e.Name, Value: v})
	}
	l.w.Env = env
	// The index variable mljob defines first when a value refers to it.
	if len(env) > 0 && env[0].Name == "JOB_COMPLETION_INDEX" && env[0].Value.Field == indexEnvVar().ValueFrom.FieldRef.FieldPath {
		rest := env[1:]
		for _, v := range rest {
			if v.Value.Value != nil && refersTo(*v.Value.Value, "JOB_COMPLETION_INDEX") {
				l.w.Env = rest
				break
			}
		}
	}
	for _, f := range c.EnvFrom {
		switch {
		case f.SecretRef != nil:
			l.w.EnvFrom = append(l.w.EnvFrom, workload.EnvFrom{Secret: f.SecretRef.Name, Prefix: f.Prefix, Optional: f.SecretRef.Optional})
		case f.ConfigMapRef != nil:
			l.w.EnvFrom = append(l.w.EnvFrom, workload.EnvFrom{ConfigMap: f.ConfigMapRef.Name, Prefix: f.Prefix, Optional: f.ConfigMapRef.Optional})
		}
	}
}

// dropGeneratedEnv removes a variable that render adds by itself.
func (l *lifter) dropGeneratedEnv(name, value string) {
	if v, ok := l.w.Env.Get(name); ok && v.Value != nil && *v.Value == value {
		l.w.Env = l.w.Env.Without(name)
	}
}
