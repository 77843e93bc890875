package validate

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"k8s.io/utils/ptr"
)

// TestSelectChecksMatchesEvaluator checks that the checks selected to name
// failures give exactly the results of the upstream evaluator, at every
// level and policy version.
func TestSelectChecksMatchesEvaluator(t *testing.T) {
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pods := samplePods()
	versions := []psapi.Version{psapi.LatestVersion()}
	for m := 0; m <= ValidationVersion.Minor+1; m++ {
		versions = append(versions, psapi.MajorMinorVersion(1, m))
	}
	for _, level := range []psapi.Level{psapi.LevelBaseline, psapi.LevelRestricted, psapi.LevelPrivileged} {
		for _, v := range versions {
			lv := psapi.LevelVersion{Level: level, Version: v}
			checks := selectChecks(lv)
			for name, p := range pods {
				want := policy.AggregateCheckResults(eval.EvaluatePod(lv, &p.ObjectMeta, &p.Spec))
				var results []policy.CheckResult
				for _, c := range checks {
					results = append(results, c.check(&p.ObjectMeta, &p.Spec))
				}
				got := policy.AggregateCheckResults(results)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, pod %s:\n got %+v\nwant %+v", lv, name, got, want)
				}
			}
		}
	}
}

func samplePods() map[string]corev1.PodTemplateSpec {
	c := func(mod func(*corev1.Container)) corev1.PodTemplateSpec {
		p := corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
		mod(&p.Spec.Containers[0])
		return p
	}
	pod := func(mod func(*corev1.PodSpec)) corev1.PodTemplateSpec {
		p := corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
		mod(&p.Spec)
		return p
	}
	restricted := func(sc *corev1.SecurityContext) {
		sc.RunAsNonRoot = ptr.To(true)
		sc.AllowPrivilegeEscalation = ptr.To(false)
		sc.Capabilities = &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}
		sc.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	}
	return map[string]corev1.PodTemplateSpec{
		"plain":      c(func(*corev1.Container) {}),
		"privileged": c(func(x *corev1.Container) { x.SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)} }),
		"caps": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN", "CHOWN"}}}
		}),
		"restricted": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{}
			restricted(x.SecurityContext)
		}),
		"restricted but root": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{RunAsUser: ptr.To[int64](0)}
			restricted(x.SecurityContext)
		}),
		"restricted plus caps": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{}
			restricted(x.SecurityContext)
			x.SecurityContext.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE", "SYS_ADMIN"}
		}),
		"unconfined seccomp": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}}
		}),
		"proc mount": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{ProcMount: ptr.To(corev1.UnmaskedProcMount)}
		}),
		"selinux": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t", User: "root"}}
		}),
		"windows host process": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{WindowsOptions: &corev1.WindowsSecurityContextOptions{HostProcess: ptr.To(true)}}
		}),
		"host port": c(func(x *corev1.Container) { x.Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}} }),
		"probe host": c(func(x *corev1.Container) {
			x.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.1", Port: intstr.FromInt32(80)}}}
		}),
		"apparmor field": c(func(x *corev1.Container) {
			x.SecurityContext = &corev1.SecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}}
		}),
		"apparmor annotation": func() corev1.PodTemplateSpec {
			p := c(func(*corev1.Container) {})
			p.ObjectMeta = metav1.ObjectMeta{Annotations: map[string]string{"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}}
			return p
		}(),
		"host namespaces": pod(func(s *corev1.PodSpec) { s.HostNetwork, s.HostPID, s.HostIPC = true, true, true }),
		"host path": pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
		}),
		"nfs volume": pod(func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "s", Path: "/"}}}}
		}),
		"sysctls": pod(func(s *corev1.PodSpec) {
			s.SecurityContext = &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{{Name: "kernel.msgmax", Value: "1"}, {Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}}}
		}),
		"pod-level restricted": pod(func(s *corev1.PodSpec) {
			s.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
			s.Containers[0].SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
		}),
		"init and ephemeral": pod(func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{{Name: "init", Image: "i", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}}
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "e", Image: "i"}}}
		}),
	}
}

// TestBlame checks the field a failing check is traced to.
func TestBlame(t *testing.T) {
	pods := samplePods()
	checks := map[policy.CheckID]psCheck{}
	for _, c := range selectChecks(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}) {
		checks[c.id] = c
	}
	for _, tc := range []struct {
		pod   string
		check policy.CheckID
		want  string
	}{
		{"privileged", "privileged", "spec.containers[0].securityContext.privileged"},
		{"caps", "capabilities_restricted", "spec.containers[0].securityContext.capabilities.add"},
		{"plain", "capabilities_restricted", "spec.containers[0].securityContext.capabilities.drop"},
		{"host namespaces", "hostNamespaces", "spec.hostNetwork"},
		{"host path", "restrictedVolumes", "spec.volumes[0]"},
		{"host port", "hostPorts", "spec.containers[0].ports[0].hostPort"},
		{"sysctls", "sysctls", "spec.securityContext.sysctls"},
		{"apparmor annotation", "appArmorProfile", "metadata.annotations"},
		{"init and ephemeral", "privileged", "spec.initContainers[0].securityContext.privileged"},
		{"probe host", "hostProbesAndHostLifecycle", "spec.containers[0]"},
	} {
		p := pods[tc.pod]
		c, ok := checks[tc.check]
		if !ok {
			t.Fatalf("no check %s", tc.check)
		}
		if c.check(&p.ObjectMeta, &p.Spec).Allowed {
			t.Errorf("%s: check %s allows the pod", tc.pod, tc.check)
			continue
		}
		if got := blame(c, &p); got != tc.want {
			t.Errorf("%s, %s: blame = %s, want %s", tc.pod, tc.check, got, tc.want)
		}
	}
}
