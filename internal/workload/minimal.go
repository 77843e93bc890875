package workload

import (
	"fmt"
	"strings"
)

// Types are the workload types of the language, as in the schema.
var Types = []string{Training, Inference, Preprocess, Sweep, Task}

// MinimalProject is a project of minimal workloads (image, command,
// type), one for every valid combination of type × GPU or not × schedule
// or not × no index, shards, a sweep or nodes. It is the language's
// promise that mljob's defaults need nothing more: the tests render it,
// lint it and hand it to a real API server. It returns the CUE text and
// the number of objects it renders (a workload with nodes renders a Job
// and its Service).
func MinimalProject() (string, int) {
	var b strings.Builder
	n := 0
	for _, typ := range Types {
		for _, gpu := range []bool{false, true} {
			for _, schedule := range []bool{false, true} {
				for _, index := range []string{"none", "shards", "sweep", "nodes"} {
					var fields []string
					switch {
					case index == "sweep" && typ == Sweep:
						fields = append(fields, `sweep: {lr: [0.1, 0.01]}`)
					case index == "shards" && (typ == Inference || typ == Preprocess):
						fields = append(fields, `shards: 4`)
					case index == "nodes" && typ == Training && !schedule:
						fields = append(fields, `nodes: 2`)
						n++ // and its Service
					case index == "none" && typ != Sweep:
					default:
						continue // not a valid combination
					}
					if gpu {
						fields = append(fields, `gpu: count: 1`)
					}
					if schedule {
						fields = append(fields, `schedule: "0 2 * * *"`)
					}
					name := fmt.Sprintf("%s-%s-%v-%v", typ, index, gpu, schedule)
					name = strings.NewReplacer("true", "t", "false", "f").Replace(name)
					fmt.Fprintf(&b, "workloads: %q: {type: %q, image: \"ghcr.io/acme/tool:1.0\", command: [\"run\"], %s}\n", name, typ, strings.Join(fields, ", "))
					n++
				}
			}
		}
	}
	return b.String(), n
}
