package generators

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mljob/mljob/internal/workload"
)

// shmVolume is the name of the /dev/shm volume.
const shmVolume = "dshm"

// volumes builds the pod's volumes and the main container's mounts:
// datasets, outputs, Secret and ConfigMap files, and /dev/shm.
func (g *gen) volumes(c *corev1.Container) ([]corev1.Volume, []corev1.VolumeMount) {
	w := g.w
	var memLimit *resource.Quantity
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		memLimit = &q
	}
	if w.Shm != nil {
		// What is mounted at /dev/shm, or that nothing is.
		g.from(g.mainPath()+".volumeMounts", "shm")
	}
	var vols []corev1.Volume
	var mounts []corev1.VolumeMount
	owner := map[string]string{}
	add := func(field string, v corev1.Volume, m corev1.VolumeMount) {
		if prev, ok := owner[v.Name]; ok {
			g.errorf(field, "volume name %q is also used by %s", v.Name, prev)
			return
		}
		owner[v.Name] = field
		m.Name = v.Name
		g.from(fmt.Sprintf("%s.volumes[%d]", g.podPath, len(vols)), field)
		mf := fmt.Sprintf("%s.volumeMounts[%d]", g.mainPath(), len(mounts))
		g.from(mf, field)
		if strings.HasPrefix(field, "datasets.") || strings.HasPrefix(field, "outputs.") || field == "checkpoint" {
			g.from(mf+".mountPath", field+".path")
			if m.SubPath != "" {
				g.from(mf+".subPath", field+".subPath")
			}
		}
		vols = append(vols, v)
		mounts = append(mounts, m)
	}
	for _, k := range slices.Sorted(maps.Keys(w.Datasets)) {
		d := w.Datasets[k]
		add("datasets."+k, corev1.Volume{Name: k, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: d.Claim, ReadOnly: d.ReadOnly},
		}}, corev1.VolumeMount{MountPath: d.Path, SubPath: d.SubPath, ReadOnly: d.ReadOnly})
	}
	for _, k := range slices.Sorted(maps.Keys(w.Outputs)) {
		o := w.Outputs[k]
		field := "outputs." + k
		v := corev1.Volume{Name: k}
		if o.Claim != "" {
			if o.Size != "" {
				g.errorf(field+".size", "size is for scratch outputs; a claim has its own size")
			}
			v.PersistentVolumeClaim = &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.Claim}
		} else {
			v.EmptyDir = &corev1.EmptyDirVolumeSource{}
			if o.Size != "" {
				if q, ok := g.quantity(field+".size", string(o.Size)); ok {
					v.EmptyDir.SizeLimit = &q
				}
			}
		}
		add(field, v, corev1.VolumeMount{MountPath: o.Path, SubPath: o.SubPath})
	}
	if v, m, ok := g.checkpointVolume(c); ok {
		add("checkpoint", v, m)
		g.from(fmt.Sprintf("%s.volumes[%d].persistentVolumeClaim", g.podPath, len(vols)-1), "checkpoint.claim")
	}
	for _, k := range slices.Sorted(maps.Keys(w.SecretFiles)) {
		add("secretFiles."+k, corev1.Volume{Name: VolumeName("secret-", k), VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: k},
		}}, corev1.VolumeMount{MountPath: w.SecretFiles[k], ReadOnly: true})
	}
	for _, k := range slices.Sorted(maps.Keys(w.ConfigFiles)) {
		add("configFiles."+k, corev1.Volume{Name: VolumeName("config-", k), VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: k}},
		}}, corev1.VolumeMount{MountPath: w.ConfigFiles[k], ReadOnly: true})
	}
	if size, ok := g.shm(memLimit); ok {
		add("shm", corev1.Volume{Name: shmVolume, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: size},
		}}, corev1.VolumeMount{MountPath: "/dev/shm"})
	}
	return vols, mounts
}

// shm returns the /dev/shm size, and whether the workload gets one: GPU
// workloads do unless they say `shm: false`. The profile's default size is
// capped at half the memory limit: /dev/shm is memory the container pays
// for, and a default should not let it take all of it. A size the
// workload sets may not be more than the memory limit: the container
// would be killed before /dev/shm is full.
func (g *gen) shm(memLimit *resource.Quantity) (*resource.Quantity, bool) {
	s := g.w.Shm
	on := g.w.GPU != nil
	size := string(g.p.ShmSize)
	field := ""
	if s != nil {
		on = s.Enabled
		if s.Size != "" {
			size, field = string(s.Size), "shm"
		}
	}
	if !on {
		return nil, false
	}
	if size == "" {
		return nil, true
	}
	q, ok := g.quantity(field, size)
	if !ok {
		return nil, true
	}
	if field != "" && memLimit != nil && q.Cmp(*memLimit) > 0 {
		g.errorf(field, "/dev/shm of %s is more than the container's memory limit %s, which it counts against; set resources.memory (or resources.limits.memory) to more, or shm to less", q.String(), memLimit.String())
		return nil, true
	}
	if field == "" && memLimit != nil {
		half := resource.NewQuantity(memLimit.Value()/2, resource.BinarySI)
		if half.Cmp(q) < 0 {
			q = *half
		}
	}
	return &q, true
}

func (g *gen) quantity(field, v string) (resource.Quantity, bool) {
	q, err := resource.ParseQuantity(v)
	if err != nil {
		g.errorf(field, "invalid quantity %q", v)
		return q, false
	}
	return q, true
}

// VolumeName makes a volume name (a DNS label) from prefix and a
// Kubernetes object name, which may hold dots and be longer.
func VolumeName(prefix, name string) string {
	n := prefix + strings.ReplaceAll(name, ".", "-")
	if len(n) <= 63 {
		return n
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("%s-%08x", strings.TrimRight(n[:54], "-"), h.Sum32())
}

// liftShm lifts a memory-backed /dev/shm: on (and its size), or off for a
// GPU workload that has none.
func (l *lifter) liftShm() {
	w, pod := l.w, l.t.Spec
	has := hasShm(pod, l.main)
	switch {
	case w.GPU != nil && !has:
		w.Shm = &workload.Shm{Enabled: false}
	case has:
		w.Shm = &workload.Shm{Enabled: true}
		if q := shmSize(pod, l.main); q != "" {
			w.Shm.Size = workload.Quantity(q)
		}
	}
}

// shmVolumeOf returns the memory-backed emptyDir mounted at /dev/shm in c.
func shmVolumeOf(pod corev1.PodSpec, c *corev1.Container) *corev1.Volume {
	if c == nil {
		return nil
	}
	for _, m := range c.VolumeMounts {
		if m.MountPath != "/dev/shm" {
			continue
		}
		for i, v := range pod.Volumes {
			if v.Name == m.Name && v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory {
				return &pod.Volumes[i]
			}
		}
	}
	return nil
}

func hasShm(pod corev1.PodSpec, c *corev1.Container) bool { return shmVolumeOf(pod, c) != nil }

func shmSize(pod corev1.PodSpec, c *corev1.Container) string {
	if v := shmVolumeOf(pod, c); v != nil && v.EmptyDir.SizeLimit != nil {
		return v.EmptyDir.SizeLimit.String()
	}
	return ""
}

// liftVolumes lifts the main container's PVC and scratch volumes into
// datasets and outputs, and mounted Secrets and ConfigMaps; other volumes
// stay in overrides.
func (l *lifter) liftVolumes() {
	w, pod, c := l.w, l.t.Spec, l.main
	if c == nil {
		return
	}
	mounts := map[string][]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = append(mounts[m.Name], m)
	}
	usedElsewhere := map[string]bool{}
	for _, o := range append(append([]corev1.Container(nil), pod.InitContainers...), pod.Containers...) {
		if o.Name == c.Name {
			continue
		}
		for _, m := range o.VolumeMounts {
			usedElsewhere[m.Name] = true
		}
	}
	for _, v := range pod.Volumes {
		ms := mounts[v.Name]
		if len(ms) != 1 || usedElsewhere[v.Name] || ms[0].MountPropagation != nil || ms[0].SubPathExpr != "" {
			continue
		}
		m := ms[0]
		switch {
		case v.PersistentVolumeClaim != nil && m.ReadOnly && v.PersistentVolumeClaim.ReadOnly:
			if w.Datasets == nil {
				w.Datasets = map[string]workload.Dataset{}
			}
			w.Datasets[v.Name] = workload.Dataset{Claim: v.PersistentVolumeClaim.ClaimName, Path: m.MountPath, SubPath: m.SubPath, ReadOnly: true}
		case v.PersistentVolumeClaim != nil && !m.ReadOnly && !v.PersistentVolumeClaim.ReadOnly:
			if w.Outputs == nil {
				w.Outputs = map[string]workload.Output{}
			}
			w.Outputs[v.Name] = workload.Output{Claim: v.PersistentVolumeClaim.ClaimName, Path: m.MountPath, SubPath: m.SubPath}
		case v.Secret != nil && m.ReadOnly && m.SubPath == "" && plainProjection(v.Secret.Items, v.Secret.DefaultMode, v.Secret.Optional) &&
			v.Name == VolumeName("secret-", v.Secret.SecretName):
			if w.SecretFiles == nil {
				w.SecretFiles = map[string]string{}
			}
			w.SecretFiles[v.Secret.SecretName] = m.MountPath
		case v.ConfigMap != nil && m.ReadOnly && m.SubPath == "" && plainProjection(v.ConfigMap.Items, v.ConfigMap.DefaultMode, v.ConfigMap.Optional) &&
			v.Name == VolumeName("config-", v.ConfigMap.Name):
			if w.ConfigFiles == nil {
				w.ConfigFiles = map[string]string{}
			}
			w.ConfigFiles[v.ConfigMap.Name] = m.MountPath
		case v.EmptyDir != nil && v.EmptyDir.Medium == "" && !m.ReadOnly:
			if w.Outputs == nil {
				w.Outputs = map[string]workload.Output{}
			}
			o := workload.Output{Path: m.MountPath, SubPath: m.SubPath}
			if v.EmptyDir.SizeLimit != nil {
				o.Size = workload.Quantity(v.EmptyDir.SizeLimit.String())
			}
			w.Outputs[v.Name] = o
		}
	}
}

// plainProjection reports whether a Secret or ConfigMap volume mounts
// every key with the default mode, as secretFiles and configFiles do.
func plainProjection(items []corev1.KeyToPath, mode *int32, optional *bool) bool {
	return len(items) == 0 && (mode == nil || *mode == corev1.SecretVolumeSourceDefaultMode) && optional == nil
}
