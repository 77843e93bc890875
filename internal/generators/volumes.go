package generators

import (
	"fmt"
	"hash/fnv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// shmVolume is the name of the /dev/shm volume.
const shmVolume = "dshm"

func (g *gen) volumes(memLimit *resource.Quantity) ([]corev1.Volume, []corev1.VolumeMount) {
	w := g.w
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
		mf := fmt.Sprintf("%s.containers[0].volumeMounts[%d]", g.podPath, len(mounts))
		g.from(mf, field)
		if strings.HasPrefix(field, "datasets.") || strings.HasPrefix(field, "outputs.") {
			g.from(mf+".mountPath", field+".path")
			if m.SubPath != "" {
				g.from(mf+".subPath", field+".subPath")
			}
		}
		vols = append(vols, v)
		mounts = append(mounts, m)
	}
	for _, k := range sortedKeys(w.Datasets) {
		d := w.Datasets[k]
		add("datasets."+k, corev1.Volume{Name: k, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: d.Claim, ReadOnly: d.ReadOnly},
		}}, corev1.VolumeMount{MountPath: d.Path, SubPath: d.SubPath, ReadOnly: d.ReadOnly})
	}
	for _, k := range sortedKeys(w.Outputs) {
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
	for _, k := range sortedKeys(w.SecretFiles) {
		add("secretFiles."+k, corev1.Volume{Name: VolumeName("secret-", k), VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: k},
		}}, corev1.VolumeMount{MountPath: w.SecretFiles[k], ReadOnly: true})
	}
	for _, k := range sortedKeys(w.ConfigFiles) {
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
// for, and a default should not let it take all of it.
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
