package workload

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Variables of the rendezvous environment that `nodes` gives every pod.
const (
	EnvJobName      = "MLJOB_JOB_NAME"
	EnvNodeRank     = "NODE_RANK"
	EnvNNodes       = "NNODES"
	EnvNProcPerNode = "NPROC_PER_NODE"
	EnvWorldSize    = "WORLD_SIZE"
	EnvMasterAddr   = "MASTER_ADDR"
	EnvMasterPort   = "MASTER_PORT"
	EnvRank         = "RANK"
	EnvLocalRank    = "LOCAL_RANK"
	// EnvCheckpointDir is where `checkpoint` mounts its claim.
	EnvCheckpointDir = "CHECKPOINT_DIR"
)

// TorchrunEnv are torchrun's own variables for its flags (PET_ and the
// flag's name: --nnodes reads PET_NNODES), each with the rendezvous
// variable it is set to.
var TorchrunEnv = [][2]string{
	{"PET_NNODES", EnvNNodes},
	{"PET_NPROC_PER_NODE", EnvNProcPerNode},
	{"PET_NODE_RANK", EnvNodeRank},
	{"PET_MASTER_ADDR", EnvMasterAddr},
	{"PET_MASTER_PORT", EnvMasterPort},
}

// RendezvousEnvNames are the variables mljob sets on the pods of a
// distributed workload with launcher: a workload's `env` may not set
// them.
func RendezvousEnvNames(launcher string) []string {
	names := []string{EnvJobName, EnvNodeRank, EnvNNodes, EnvNProcPerNode, EnvWorldSize, EnvMasterAddr, EnvMasterPort}
	switch launcher {
	case LauncherNone:
		names = append(names, EnvRank, EnvLocalRank)
	default:
		for _, p := range TorchrunEnv {
			names = append(names, p[0])
		}
	}
	return names
}

// ProcsPerNode is NPROC_PER_NODE: the GPUs of each pod, or 1.
func (w *Workload) ProcsPerNode() int64 {
	if w.GPU != nil && w.GPU.Count > 0 {
		return w.GPU.Count
	}
	return 1
}

// WorldSize is WORLD_SIZE: the processes of the whole group (nodes ×
// NPROC_PER_NODE) for torchrun, the pods for a command that is its own
// launcher.
func (w *Workload) WorldSize() int64 {
	n := int64(0)
	if w.Nodes != nil {
		n = int64(*w.Nodes)
	}
	if w.LauncherName() == LauncherNone {
		return n
	}
	return n * w.ProcsPerNode()
}

// maxHostname is the longest pod hostname (a DNS label).
const maxHostname = 63

// distributed checks `nodes` and the fields that go with it.
func (c *checker) distributed(name string) {
	w := c.w
	if w.Nodes == nil {
		for _, f := range []struct {
			name string
			set  bool
		}{{"launcher", w.Launcher != ""}, {"masterPort", w.MasterPort != nil}} {
			if f.set {
				c.errorf(f.name, "%s is for multi-node training: it needs nodes", f.name)
			}
		}
		return
	}
	if w.Type != Training {
		c.errorf("nodes", "nodes is for training workloads, not %s", w.Type)
		return
	}
	n := *w.Nodes
	if w.Schedule != "" {
		c.errorf("nodes", "a scheduled workload cannot train on several nodes: each run's Job gets a new name, which the Service and MASTER_ADDR of the group cannot follow; leave out schedule, or run the group from a pipeline that creates the Job")
	}
	if name != "" && (name[0] < 'a' || name[0] > 'z') {
		c.errorf("", "with nodes the name %q is also the name of the group's Service, which must start with a letter (Kubernetes before 1.36 refuses others)", name)
	}
	// The Job controller names pod i's host <name>-<i>, a DNS label.
	if host := fmt.Sprintf("%s-%d", name, n-1); len(host) > maxHostname && IsDNSLabel(name) {
		c.errorf("nodes", "pod %d's hostname %s is %d characters, more than the %d a hostname may have: shorten the name to at most %d characters", n-1, host, len(host), maxHostname, maxHostname-len(host)+len(name))
	}
	if w.PodReplacementPolicy == "TerminatingOrFailed" {
		c.errorf("podReplacementPolicy", "TerminatingOrFailed would start a second pod of one rank while the old one still shuts down; with nodes it must be Failed (mljob's default for them)")
	}
	reserved := RendezvousEnvNames(w.LauncherName())
	for _, v := range w.Env {
		if slices.Contains(reserved, v.Name) {
			hint := ""
			switch {
			case v.Name == EnvMasterPort:
				hint = "; set masterPort to change the port"
			case strings.HasPrefix(v.Name, "PET_"):
				hint = "; torchrun flags in command override it"
			}
			c.errorf("env."+v.Name, "with nodes mljob sets %s to the group's rendezvous%s", v.Name, hint)
		}
	}
}

// checkpoint checks `checkpoint`.
func (c *checker) checkpoint() {
	w := c.w
	cp := w.Checkpoint
	if cp == nil {
		return
	}
	if w.Type != Training {
		c.errorf("checkpoint", "checkpoint is for training workloads, not %s", w.Type)
	}
	if cp.GracePeriod != "" && w.TerminationGracePeriod != "" {
		c.errorf("checkpoint.gracePeriod", "set checkpoint.gracePeriod or terminationGracePeriod, not both: both are the time a pod has after SIGTERM")
	}
	if w.PodReplacementPolicy == "TerminatingOrFailed" {
		c.errorf("podReplacementPolicy", "TerminatingOrFailed would start a new pod while the old one still writes its checkpoint; with checkpoint it must be Failed (mljob's default)")
	}
	if _, ok := w.Env.Get(EnvCheckpointDir); ok {
		c.errorf("env."+EnvCheckpointDir, "checkpoint sets %s to checkpoint.path", EnvCheckpointDir)
	}
}

// CheckpointGrace is the time a pod of a workload with a checkpoint has
// after SIGTERM, and the field that says so ("" for the default).
func (w *Workload) CheckpointGrace() (string, string) {
	switch {
	case w.Checkpoint.GracePeriod != "":
		return w.Checkpoint.GracePeriod, "checkpoint.gracePeriod"
	case w.TerminationGracePeriod != "":
		return w.TerminationGracePeriod, "terminationGracePeriod"
	}
	return DefaultCheckpointGrace, "checkpoint"
}

// topology checks Kueue's topology-aware placement.
func (c *checker) topology() {
	t := c.w.Topology
	if t == nil {
		return
	}
	switch {
	case t.Required != "" && t.Preferred != "":
		c.errorf("topology", "set topology.required or topology.preferred, not both")
	case t.Required == "" && t.Preferred == "":
		c.errorf("topology", "topology needs required or preferred: the node label whose domains hold the pods")
	}
	for _, f := range []struct{ name, v string }{{"required", t.Required}, {"preferred", t.Preferred}} {
		if f.v == "" {
			continue
		}
		if errs := validation.IsQualifiedName(f.v); len(errs) > 0 {
			c.errorf("topology."+f.name, "%q is not a node label key: %s", f.v, strings.Join(errs, "; "))
		}
	}
	if c.w.Queue == "" {
		c.errorf("topology", "topology is Kueue's Topology Aware Scheduling: it needs queue")
	}
}
