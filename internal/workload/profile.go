package workload

import corev1 "k8s.io/api/core/v1"

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
	TTL              string `json:"ttl"`
	Timeout          string `json:"timeout"`
	StartingDeadline string `json:"startingDeadline"`
	History          struct {
		Successful int32 `json:"successful"`
		Failed     int32 `json:"failed"`
	} `json:"history"`
	ShmSize    Quantity           `json:"shmSize"`
	DefaultGPU GPUType            `json:"defaultGPU"`
	GPUTypes   map[string]GPUType `json:"gpuTypes"`
	Spot       struct {
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
}

// DecodeProfile decodes a profile from the JSON of a schema-checked CUE value.
func DecodeProfile(b []byte) (*Profile, error) {
	var p Profile
	if err := strictUnmarshal(b, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
