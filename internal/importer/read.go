package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Read returns the batch/v1 Jobs and CronJobs of a YAML or JSON stream,
// and how many other objects it skipped.
func Read(name string, data []byte) ([]runtime.Object, int, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []runtime.Object
	skipped := 0
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue
		}
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(j, &head); err != nil {
			return nil, 0, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		var obj runtime.Object
		switch {
		case head.APIVersion == "batch/v1" && head.Kind == "Job":
			obj = &batchv1.Job{}
		case head.APIVersion == "batch/v1" && head.Kind == "CronJob":
			obj = &batchv1.CronJob{}
		default:
			skipped++
			continue
		}
		strict, err := sigsjson.UnmarshalStrict(j, obj)
		if err == nil && len(strict) > 0 {
			err = strict[0]
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: document %d (%s): %w; fix it first (mljob lint shows where)", name, i, head.Kind, err)
		}
		objs = append(objs, obj)
	}
	return objs, skipped, nil
}
