package generators

import (
	"encoding/json"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	sigsjson "sigs.k8s.io/json"
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
	var out runtime.Object
	switch obj.(type) {
	case *batchv1.Job:
		out = &batchv1.Job{}
	case *batchv1.CronJob:
		out = &batchv1.CronJob{}
	default:
		return nil, fmt.Errorf("cannot override a %T", obj)
	}
	merged, err := strategicpatch.StrategicMergePatch(orig, patch, out)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	strict, err := sigsjson.UnmarshalStrict(merged, out)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("%v (overrides are a partial %s)", strict[0], gvk.Kind)
	}
	return out, nil
}
