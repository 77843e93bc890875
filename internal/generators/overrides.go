package generators

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/mljob/mljob/internal/kube"
)

// applyOverrides merges patch into obj as a strategic merge patch and
// decodes the result strictly, so a misspelt field is an error.
func applyOverrides(obj runtime.Object, patch json.RawMessage) (runtime.Object, error) {
	var head struct {
		APIVersion *string `json:"apiVersion"`
		Kind       *string `json:"kind"`
	}
	if err := json.Unmarshal(patch, &head); err != nil {
		return nil, err
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	if head.APIVersion != nil && *head.APIVersion != gvk.GroupVersion().String() || head.Kind != nil && *head.Kind != gvk.Kind {
		return nil, fmt.Errorf("cannot change apiVersion or kind of a %s", gvk.Kind)
	}
	orig, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	merged, err := strategicpatch.StrategicMergePatch(orig, patch, kube.New(gvk))
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	out, err := kube.DecodeStrict(merged, gvk)
	if err != nil {
		return nil, fmt.Errorf("%v (overrides are a partial %s)", err, gvk.Kind)
	}
	return out, nil
}
