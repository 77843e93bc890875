package generators_test

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

// serviceEnv is what the kubelet adds for the cluster's own Service
// whatever the pod says (enableServiceLinks adds more).
var serviceEnv = map[string]string{
	"KUBERNETES_SERVICE_HOST": "10.0.0.1",
	"KUBERNETES_SERVICE_PORT": "443",
}

// kubeletStart is what the kubelet starts for container c of a pod of
// job at index: the argv and environment, made as the kubelet makes them
// (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables, then
// pkg/kubelet/container ExpandContainerCommandAndArgs) with its own
// expansion code. The Job controller first appends JOB_COMPLETION_INDEX
// to an Indexed Job's containers (pkg/controller/job
// addCompletionIndexEnvVariable). Secret and ConfigMap values are
// "<secret:NAME/KEY>".
func kubeletStart(job *batchv1.Job, c corev1.Container, index int) (argv []string, env map[string]string) {
	if m := job.Spec.CompletionMode; m != nil && *m == batchv1.IndexedCompletion {
		has := false
		for _, e := range c.Env {
			has = has || e.Name == "JOB_COMPLETION_INDEX"
		}
		if !has {
			c.Env = append(append([]corev1.EnvVar(nil), c.Env...), corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']"}}})
		}
	}
	labels := map[string]string{"batch.kubernetes.io/job-completion-index": fmt.Sprint(index)}
	tmp := envOf(c, func(p string) string {
		if k, ok := strings.CutPrefix(p, "metadata.labels['"); ok {
			return labels[strings.TrimSuffix(k, "']")]
		}
		return "<field:" + p + ">"
	})
	env = map[string]string{}
	for k, v := range serviceEnv {
		env[k] = v
	}
	for k, v := range tmp {
		env[k] = v
	}
	all := expansion.MappingFuncFor(env)
	for _, s := range c.Command {
		argv = append(argv, expansion.Expand(s, all))
	}
	for _, s := range c.Args {
		argv = append(argv, expansion.Expand(s, all))
	}
	return argv, env
}

// envOf is the environment the kubelet makes for container c (pkg/kubelet
// makeEnvironmentVariables): each variable in order, a value's $(NAME)
// expanded from those before it and the Service variables with the
// kubelet's own expansion code; field reads a downward API field path.
// Secret and ConfigMap values are "<secret:NAME/KEY>" and
// "<configmap:NAME/KEY>".
func envOf(c corev1.Container, field func(path string) string) map[string]string {
	env := map[string]string{}
	mapping := expansion.MappingFuncFor(env, serviceEnv)
	for _, e := range c.Env {
		v := e.Value
		switch {
		case v != "":
			v = expansion.Expand(v, mapping)
		case e.ValueFrom == nil:
		case e.ValueFrom.FieldRef != nil:
			v = field(e.ValueFrom.FieldRef.FieldPath)
		case e.ValueFrom.SecretKeyRef != nil:
			v = "<secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key + ">"
		case e.ValueFrom.ConfigMapKeyRef != nil:
			v = "<configmap:" + e.ValueFrom.ConfigMapKeyRef.Name + "/" + e.ValueFrom.ConfigMapKeyRef.Key + ">"
		}
		env[e.Name] = v
	}
	return env
}

func containerWith(arg string) corev1.Container {
	return corev1.Container{Command: []string{arg}, Env: []corev1.EnvVar{{Name: "A", Value: "a"}, {Name: "X", Value: "x"}}}
}
