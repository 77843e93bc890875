package generators

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/mljob/mljob/internal/workload"
)

// security sets the pod's and the main container's security context:
// the user, group and fsGroup of `securityContext` (else the profile's)
// and a read-only root filesystem; under a profile that asks for the
// restricted Pod Security Standard also what it requires: run as
// non-root, the runtime's default seccomp profile, no privilege
// escalation and no capabilities.
func (g *gen) security(pod *corev1.PodSpec, c *corev1.Container) {
	w, p := g.w, g.p
	ws := w.SecurityContext
	if ws == nil {
		ws = &workload.SecurityContext{}
	}
	ps := g.podPath + ".securityContext."
	cs := g.mainPath() + ".securityContext."
	field := func(v, def *int64, name, path string) *int64 {
		if v != nil {
			g.from(path+name, "securityContext."+name)
			return v
		}
		return def
	}
	psc := &corev1.PodSecurityContext{
		RunAsUser:  field(ws.RunAsUser, p.SecurityContext.RunAsUser, "runAsUser", ps),
		RunAsGroup: field(ws.RunAsGroup, p.SecurityContext.RunAsGroup, "runAsGroup", ps),
		FSGroup:    field(ws.FSGroup, p.SecurityContext.FSGroup, "fsGroup", ps),
	}
	csc := &corev1.SecurityContext{ReadOnlyRootFilesystem: p.SecurityContext.ReadOnlyRootFilesystem}
	if ws.ReadOnlyRootFilesystem != nil {
		csc.ReadOnlyRootFilesystem = ws.ReadOnlyRootFilesystem
		g.from(cs+"readOnlyRootFilesystem", "securityContext.readOnlyRootFilesystem")
	}
	if p.Restricted() {
		psc.RunAsNonRoot = ptr.To(true)
		psc.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
		csc.AllowPrivilegeEscalation = ptr.To(false)
		csc.Capabilities = &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}
	}
	if psc.RunAsUser != nil || psc.RunAsGroup != nil || psc.FSGroup != nil || psc.RunAsNonRoot != nil {
		pod.SecurityContext = psc
	}
	if *csc != (corev1.SecurityContext{}) {
		c.SecurityContext = csc
	}
}

// liftSecurity lifts the pod's user, group and fsGroup and the main
// container's read-only root filesystem; the rest of a security context
// stays in overrides.
func (l *lifter) liftSecurity() {
	sc := &workload.SecurityContext{}
	if p := l.t.Spec.SecurityContext; p != nil {
		sc.RunAsUser, sc.RunAsGroup, sc.FSGroup = p.RunAsUser, p.RunAsGroup, p.FSGroup
	}
	if l.main != nil && l.main.SecurityContext != nil {
		sc.ReadOnlyRootFilesystem = l.main.SecurityContext.ReadOnlyRootFilesystem
	}
	if *sc != (workload.SecurityContext{}) {
		l.w.SecurityContext = sc
	}
}
