package workload

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Profile is the platform profile (schemas/profile.cue) with every default
// filled in.
type Profile struct {
	Namespace string `json:"namespace"`
	Registry  string `json:"registry"`
	Resources struct {
		CPU    Quantity `json:"cpu"`
		Memory Quantity `json:"memory"`
	} `json:"resources"`
	Retries          int32  `json:"retries"`
	RetriesPerIndex  int32  `json:"retriesPerIndex"`
	TTL              string `json:"ttl"`
	Timeout          string `json:"timeout"`
	GPUTimeout       string `json:"gpuTimeout"`
	ScheduleTimeout  string `json:"scheduleTimeout"`
	StartingDeadline string `json:"startingDeadline"`
	History          struct {
		Successful int32 `json:"successful"`
		Failed     int32 `json:"failed"`
	} `json:"history"`
	ShmSize     Quantity `json:"shmSize"`
	LargestNode struct {
		CPU    Quantity `json:"cpu"`
		Memory Quantity `json:"memory"`
	} `json:"largestNode"`
	RequireQueue     bool               `json:"requireQueue"`
	PodSecurity      string             `json:"podSecurity"`
	SecurityContext  SecurityContext    `json:"securityContext"`
	ImagePullSecrets []string           `json:"imagePullSecrets"`
	DefaultGPU       GPUType            `json:"defaultGPU"`
	GPUTypes         map[string]GPUType `json:"gpuTypes"`
	Spot             struct {
		NodeSelector map[string]string   `json:"nodeSelector"`
		Tolerations  []corev1.Toleration `json:"tolerations"`
	} `json:"spot"`
}

// GPUType says how to request one GPU model and reach its nodes.
type GPUType struct {
	Resource     string              `json:"resource"`
	Products     []string            `json:"products,omitempty"`
	ProductLabel string              `json:"productLabel,omitempty"`
	NodeSelector map[string]string   `json:"nodeSelector,omitempty"`
	Tolerations  []corev1.Toleration `json:"tolerations,omitempty"`
	// PerGPU is the CPU and memory a workload gets for each GPU when it
	// sets none.
	PerGPU *struct {
		CPU    Quantity `json:"cpu,omitempty"`
		Memory Quantity `json:"memory,omitempty"`
	} `json:"perGPU,omitempty"`
}

// DecodeProfile decodes a profile from the JSON of a schema-checked CUE value.
func DecodeProfile(b []byte) (*Profile, error) {
	var p Profile
	if err := strictUnmarshal(b, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Restricted reports whether the profile asks for the restricted Pod
// Security Standard.
func (p *Profile) Restricted() bool { return p.PodSecurity == "restricted" }

// GPUType returns the profile's GPU type for a workload's gpu.type (""
// for the default kind).
func (p *Profile) GPUType(name string) (GPUType, bool) {
	if name == "" {
		return p.DefaultGPU, true
	}
	t, ok := p.GPUTypes[name]
	return t, ok
}

// Check checks what the profile's schema cannot: quantities and
// durations. Fields are below the profile ("resources.memory").
func (p *Profile) Check() []Problem {
	var out []Problem
	size := func(field string, q Quantity) {
		if q == "" {
			return
		}
		if msg := CheckSize(q); msg != "" {
			out = append(out, Problem{field, msg})
		}
	}
	size("resources.memory", p.Resources.Memory)
	size("shmSize", p.ShmSize)
	size("largestNode.memory", p.LargestNode.Memory)
	for _, c := range []struct {
		field string
		q     Quantity
	}{{"resources.cpu", p.Resources.CPU}, {"largestNode.cpu", p.LargestNode.CPU}} {
		if msg := checkPositive(c.q); msg != "" {
			out = append(out, Problem{c.field, msg})
		}
	}
	gpu := func(field string, t GPUType) {
		if t.PerGPU == nil {
			return
		}
		size(field+".perGPU.memory", t.PerGPU.Memory)
		if t.PerGPU.CPU != "" {
			if msg := checkPositive(t.PerGPU.CPU); msg != "" {
				out = append(out, Problem{field + ".perGPU.cpu", msg})
			}
		}
	}
	gpu("defaultGPU", p.DefaultGPU)
	for _, name := range slices.Sorted(maps.Keys(p.GPUTypes)) {
		gpu("gpuTypes."+name, p.GPUTypes[name])
	}
	for _, d := range []struct{ field, v string }{
		{"ttl", p.TTL}, {"timeout", p.Timeout}, {"gpuTimeout", p.GPUTimeout},
		{"scheduleTimeout", p.ScheduleTimeout}, {"startingDeadline", p.StartingDeadline},
	} {
		if d.v == "" {
			continue
		}
		if _, err := ParseDuration(d.v); err != nil {
			out = append(out, Problem{d.field, err.Error()})
		}
	}
	if p.Restricted() && p.SecurityContext.RunAsUser != nil && *p.SecurityContext.RunAsUser == 0 {
		out = append(out, Problem{"securityContext.runAsUser", "runAsUser 0 (root) is not allowed by the restricted Pod Security Standard"})
	}
	return out
}
