// Package workload is the Go form of the mljob workload language: what the
// loader decodes from CUE once the schemas accept it, and what the
// generators turn into Kubernetes objects. Field names and JSON tags follow
// schemas/workload.cue and schemas/profile.cue.
package workload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/mljob/mljob/internal/diag"
)

// Types of workload, as in the schema.
const (
	Training   = "training"
	Inference  = "inference"
	Preprocess = "preprocess"
	Sweep      = "sweep"
	Task       = "task"
)

// Workload is one entry of `workloads`.
type Workload struct {
	Type                   string              `json:"type"`
	Image                  string              `json:"image"`
	Command                []string            `json:"command,omitempty"`
	Args                   []string            `json:"args,omitempty"`
	WorkingDir             string              `json:"workingDir,omitempty"`
	ContainerName          string              `json:"containerName,omitempty"`
	Env                    Env                 `json:"env,omitempty"`
	EnvFrom                []EnvFrom           `json:"envFrom,omitempty"`
	Resources              *Resources          `json:"resources,omitempty"`
	GPU                    *GPU                `json:"gpu,omitempty"`
	Shm                    *Shm                `json:"shm,omitempty"`
	Retries                *int32              `json:"retries,omitempty"`
	RetriesPerIndex        *int32              `json:"retriesPerIndex,omitempty"`
	MaxFailedIndexes       *int32              `json:"maxFailedIndexes,omitempty"`
	Timeout                string              `json:"timeout,omitempty"`
	TTL                    string              `json:"ttl,omitempty"`
	ExitCodes              *ExitCodes          `json:"exitCodes,omitempty"`
	Spot                   bool                `json:"spot,omitempty"`
	Shards                 *int32              `json:"shards,omitempty"`
	Completions            *int32              `json:"completions,omitempty"`
	Nodes                  *int32              `json:"nodes,omitempty"`
	Launcher               string              `json:"launcher,omitempty"`
	MasterPort             *int32              `json:"masterPort,omitempty"`
	Parallelism            *int32              `json:"parallelism,omitempty"`
	Sweep                  SweepGrid           `json:"sweep,omitempty"`
	SuccessPolicy          []SuccessRule       `json:"successPolicy,omitempty"`
	PodReplacementPolicy   string              `json:"podReplacementPolicy,omitempty"`
	TerminationGracePeriod string              `json:"terminationGracePeriod,omitempty"`
	Schedule               string              `json:"schedule,omitempty"`
	TimeZone               string              `json:"timeZone,omitempty"`
	Concurrency            string              `json:"concurrency,omitempty"`
	StartingDeadline       string              `json:"startingDeadline,omitempty"`
	History                *History            `json:"history,omitempty"`
	Suspend                *bool               `json:"suspend,omitempty"`
	Namespace              string              `json:"namespace,omitempty"`
	Labels                 map[string]string   `json:"labels,omitempty"`
	Annotations            map[string]string   `json:"annotations,omitempty"`
	PodAnnotations         map[string]string   `json:"podAnnotations,omitempty"`
	ServiceAccount         string              `json:"serviceAccount,omitempty"`
	PriorityClass          string              `json:"priorityClass,omitempty"`
	Queue                  string              `json:"queue,omitempty"`
	Priority               string              `json:"priority,omitempty"`
	Topology               *Topology           `json:"topology,omitempty"`
	Checkpoint             *Checkpoint         `json:"checkpoint,omitempty"`
	ImagePullSecrets       []string            `json:"imagePullSecrets,omitempty"`
	SecurityContext        *SecurityContext    `json:"securityContext,omitempty"`
	NodeSelector           map[string]string   `json:"nodeSelector,omitempty"`
	Tolerations            []corev1.Toleration `json:"tolerations,omitempty"`
	Datasets               map[string]Dataset  `json:"datasets,omitempty"`
	Outputs                map[string]Output   `json:"outputs,omitempty"`
	SecretFiles            map[string]string   `json:"secretFiles,omitempty"`
	ConfigFiles            map[string]string   `json:"configFiles,omitempty"`
	Overrides              json.RawMessage     `json:"overrides,omitempty"`
}

// Indexed reports whether the workload is an Indexed Job: sharded or a
// sweep.
func (w *Workload) Indexed() bool { return w.Shards != nil || w.Type == Sweep }

// PerIndexRetries reports whether the workload retries each index on its
// own (backoffLimitPerIndex): every indexed workload that does not ask for
// job-wide `retries`.
func (w *Workload) PerIndexRetries() bool { return w.Indexed() && w.Retries == nil }

// Distributed reports whether the workload trains on several pods
// together (`nodes`).
func (w *Workload) Distributed() bool { return w.Nodes != nil }

// Launchers of distributed training.
const (
	LauncherTorchrun = "torchrun"
	LauncherNone     = "none"
)

// DefaultMasterPort is MASTER_PORT when `masterPort` is unset: torchrun's.
const DefaultMasterPort = 29500

// LauncherName is the workload's launcher, torchrun by default.
func (w *Workload) LauncherName() string {
	if w.Launcher == "" {
		return LauncherTorchrun
	}
	return w.Launcher
}

// Port is the rendezvous port of a distributed workload.
func (w *Workload) Port() int32 {
	if w.MasterPort != nil {
		return *w.MasterPort
	}
	return DefaultMasterPort
}

// CompletionCount returns how many indexes or completions the Job has:
// the shards, the sweep grid's points, the nodes or `completions`; 0
// when unset.
func (w *Workload) CompletionCount() int64 {
	switch {
	case w.Type == Sweep:
		return w.Sweep.Points()
	case w.Shards != nil:
		return int64(*w.Shards)
	case w.Nodes != nil:
		return int64(*w.Nodes)
	case w.Completions != nil:
		return int64(*w.Completions)
	}
	return 0
}

// Source says where a workload came from, for messages that blame the
// user's file.
type Source struct {
	// Name is the key under `workloads`.
	Name string
	// Pos is where the workload is defined.
	Pos diag.Pos
	// Fields maps dotted field paths ("gpu.type", "env.TOKEN") to the
	// position of the field in the user's file.
	Fields map[string]diag.Pos
}

// Path returns the user-facing path of a field of the workload, e.g.
// workloads."train-resnet".gpu.type.
func (s *Source) Path(field string) string {
	p := "workloads." + quoteLabel(s.Name)
	if field != "" {
		p += "." + field
	}
	return p
}

// PosOf returns the position of field, or of its nearest ancestor that has
// one, or of the workload.
func (s *Source) PosOf(field string) diag.Pos {
	for f := field; f != ""; {
		if p, ok := s.Fields[f]; ok {
			return p
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return s.Pos
}

// Errorf returns a diagnostic for field of the workload.
func (s *Source) Errorf(field, format string, args ...any) *diag.Diagnostic {
	return diag.Errorf(s.PosOf(field), s.Path(field), format, args...)
}

func quoteLabel(s string) string {
	for i, r := range s {
		if r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return fmt.Sprintf("%q", s)
	}
	return s
}

// Resources are the CPU, memory and storage of the main container.
type Resources struct {
	CPU              Quantity `json:"cpu,omitempty"`
	Memory           Quantity `json:"memory,omitempty"`
	EphemeralStorage Quantity `json:"ephemeralStorage,omitempty"`
	Limits           *struct {
		CPU              Quantity `json:"cpu,omitempty"`
		Memory           Quantity `json:"memory,omitempty"`
		EphemeralStorage Quantity `json:"ephemeralStorage,omitempty"`
	} `json:"limits,omitempty"`
}

// SecurityContext is what a workload (or the profile) sets of the pod's
// and the main container's security context.
type SecurityContext struct {
	RunAsUser              *int64 `json:"runAsUser,omitempty"`
	RunAsGroup             *int64 `json:"runAsGroup,omitempty"`
	FSGroup                *int64 `json:"fsGroup,omitempty"`
	ReadOnlyRootFilesystem *bool  `json:"readOnlyRootFilesystem,omitempty"`
}

// EnvFrom is every key of a Secret or ConfigMap as environment variables.
type EnvFrom struct {
	Secret    string `json:"secret,omitempty"`
	ConfigMap string `json:"configMap,omitempty"`
	Prefix    string `json:"prefix,omitempty"`
	Optional  *bool  `json:"optional,omitempty"`
}

// SuccessRule is one rule of an Indexed Job's success policy.
type SuccessRule struct {
	Indexes string `json:"indexes,omitempty"`
	Count   *int32 `json:"count,omitempty"`
}

// GPU is the GPU request of a workload.
type GPU struct {
	Count int64  `json:"count"`
	Type  string `json:"type,omitempty"`
}

// Shm is the `shm` field: a bool or a size.
type Shm struct {
	Enabled bool
	Size    Quantity
}

// UnmarshalJSON accepts true, false or a quantity.
func (s *Shm) UnmarshalJSON(b []byte) error {
	var on bool
	if err := json.Unmarshal(b, &on); err == nil {
		*s = Shm{Enabled: on}
		return nil
	}
	var q Quantity
	if err := q.UnmarshalJSON(b); err != nil {
		return err
	}
	*s = Shm{Enabled: true, Size: q}
	return nil
}

// ExitCodes are the pod failure rules by exit code.
type ExitCodes struct {
	Fail      []int32 `json:"fail,omitempty"`
	Ignore    []int32 `json:"ignore,omitempty"`
	FailIndex []int32 `json:"failIndex,omitempty"`
}

// Topology is where Kueue places a workload's pods: within one domain of
// a node label, required or preferred.
type Topology struct {
	Required  string `json:"required,omitempty"`
	Preferred string `json:"preferred,omitempty"`
}

// Checkpoint is a claim for checkpoints that survive preemption.
type Checkpoint struct {
	Claim       string `json:"claim"`
	Path        string `json:"path,omitempty"`
	GracePeriod string `json:"gracePeriod,omitempty"`
}

// Defaults of `checkpoint`.
const (
	DefaultCheckpointPath  = "/checkpoints"
	DefaultCheckpointGrace = "2m"
)

// MountPath is where the checkpoint claim is mounted.
func (c *Checkpoint) MountPath() string {
	if c.Path == "" {
		return DefaultCheckpointPath
	}
	return c.Path
}

// History are a CronJob's history limits.
type History struct {
	Successful *int32 `json:"successful,omitempty"`
	Failed     *int32 `json:"failed,omitempty"`
}

// Dataset is a PVC mounted for reading.
type Dataset struct {
	Claim    string `json:"claim"`
	Path     string `json:"path"`
	SubPath  string `json:"subPath,omitempty"`
	ReadOnly bool   `json:"readOnly"`
}

// Output is a writable PVC or scratch volume.
type Output struct {
	Claim   string   `json:"claim,omitempty"`
	Path    string   `json:"path"`
	SubPath string   `json:"subPath,omitempty"`
	Size    Quantity `json:"size,omitempty"`
}

// EnvValue is a literal or a reference to a Secret, ConfigMap or pod field.
type EnvValue struct {
	Value     *string
	Secret    string `json:"secret,omitempty"`
	ConfigMap string `json:"configMap,omitempty"`
	Key       string `json:"key,omitempty"`
	Optional  *bool  `json:"optional,omitempty"`
	Field     string `json:"field,omitempty"`
}

// UnmarshalJSON accepts a string, number, bool or reference object.
func (e *EnvValue) UnmarshalJSON(b []byte) error {
	if s, ok, err := scalarText(b); ok || err != nil {
		*e = EnvValue{Value: &s}
		return err
	}
	type ref EnvValue
	var r ref
	if err := strictUnmarshal(b, &r); err != nil {
		return err
	}
	*e = EnvValue(r)
	return nil
}

// Scalar is a sweep value: a string, number or bool, kept as written.
type Scalar struct {
	// Text is the value as the container sees it.
	Text string
	// JSON is the value as JSON, for the sweep annotation.
	JSON json.RawMessage
}

// UnmarshalJSON accepts a string, number or bool.
func (s *Scalar) UnmarshalJSON(b []byte) error {
	t, ok, err := scalarText(b)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("want a string, number or bool, got %s", b)
	}
	*s = Scalar{Text: t, JSON: append(json.RawMessage(nil), bytes.TrimSpace(b)...)}
	return nil
}

// Quantity is a Kubernetes quantity written as a string or a number.
type Quantity string

// UnmarshalJSON accepts a string or a number.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	s, ok, err := scalarText(b)
	if err != nil {
		return err
	}
	if !ok || string(b) == "true" || string(b) == "false" {
		return fmt.Errorf("want a quantity, got %s", b)
	}
	*q = Quantity(s)
	return nil
}

// scalarText returns the text of a JSON string, number or bool; ok is false
// for other JSON values.
func scalarText(b []byte) (string, bool, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", false, nil
	}
	switch b[0] {
	case '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, true, err
	case 't', 'f':
		var v bool
		err := json.Unmarshal(b, &v)
		return fmt.Sprint(v), true, err
	case '{', '[', 'n':
		return "", false, nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", false, err
	}
	return n.String(), true, nil
}

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// Decode decodes a workload from the JSON of a schema-checked CUE value.
func Decode(b []byte) (*Workload, error) {
	var w Workload
	if err := strictUnmarshal(b, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// MarshalJSON writes a literal as a string, a reference as an object.
func (e EnvValue) MarshalJSON() ([]byte, error) {
	if e.Value != nil {
		return json.Marshal(*e.Value)
	}
	type ref struct {
		Secret    string `json:"secret,omitempty"`
		ConfigMap string `json:"configMap,omitempty"`
		Key       string `json:"key,omitempty"`
		Optional  *bool  `json:"optional,omitempty"`
		Field     string `json:"field,omitempty"`
	}
	return json.Marshal(ref{e.Secret, e.ConfigMap, e.Key, e.Optional, e.Field})
}

// MarshalJSON writes the size, or true/false when there is none.
func (s Shm) MarshalJSON() ([]byte, error) {
	if s.Enabled && s.Size != "" {
		return json.Marshal(string(s.Size))
	}
	return json.Marshal(s.Enabled)
}

// MarshalJSON writes the value as it was read.
func (s Scalar) MarshalJSON() ([]byte, error) { return s.JSON, nil }
