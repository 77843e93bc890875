package generators

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/mljob/mljob/internal/workload"
)

// CheckpointVolume names the volume of `checkpoint`.
const CheckpointVolume = "checkpoint"

// checkpointVolume is the claim of `checkpoint`, mounted read-write, and
// its path in CHECKPOINT_DIR. The grace period and pod replacement are
// set by scheduling and replacementPolicy.
func (g *gen) checkpointVolume(c *corev1.Container) (corev1.Volume, corev1.VolumeMount, bool) {
	cp := g.w.Checkpoint
	if cp == nil {
		return corev1.Volume{}, corev1.VolumeMount{}, false
	}
	g.generatedEnv(c, corev1.EnvVar{Name: workload.EnvCheckpointDir, Value: cp.MountPath()})
	return corev1.Volume{Name: CheckpointVolume, VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: cp.Claim},
	}}, corev1.VolumeMount{MountPath: cp.MountPath()}, true
}

// checkpointField is the workload field CHECKPOINT_DIR comes from.
func (g *gen) checkpointField() string {
	if g.w.Checkpoint != nil && g.w.Checkpoint.Path != "" {
		return "checkpoint.path"
	}
	return "checkpoint"
}

// liftCheckpoint recognises the claim `checkpoint` mounts: the volume
// named checkpoint, a PersistentVolumeClaim mounted read-write where
// CHECKPOINT_DIR says, with a grace period and pods replaced only once
// stopped. Without all of them it stays an output.
func (l *lifter) liftCheckpoint() {
	w, s := l.w, l.s
	o, ok := w.Outputs[CheckpointVolume]
	if !ok || o.Claim == "" || o.SubPath != "" || w.Type != workload.Training {
		return
	}
	dir, ok := w.Env.Get(workload.EnvCheckpointDir)
	if !ok || dir.Value == nil || *dir.Value != o.Path || l.t.Spec.TerminationGracePeriodSeconds == nil ||
		ptr.Deref(s.PodReplacementPolicy, "") != batchv1.Failed {
		return
	}
	cp := &workload.Checkpoint{Claim: o.Claim, GracePeriod: w.TerminationGracePeriod}
	if o.Path != workload.DefaultCheckpointPath {
		cp.Path = o.Path
	}
	if d, err := workload.ParseDuration(workload.DefaultCheckpointGrace); err == nil && *l.t.Spec.TerminationGracePeriodSeconds == d {
		cp.GracePeriod = ""
	}
	w.Checkpoint = cp
	delete(w.Outputs, CheckpointVolume)
	if len(w.Outputs) == 0 {
		w.Outputs = nil
	}
	w.Env = w.Env.Without(workload.EnvCheckpointDir)
	w.TerminationGracePeriod = ""
	w.PodReplacementPolicy = ""
}
