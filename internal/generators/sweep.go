package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mljob/mljob/internal/workload"
)

// Point is one combination of sweep parameters, in the order the
// parameters are written.
type Point []Param

// Param is one parameter value of a sweep point.
type Param struct {
	Name  string
	Value workload.Scalar
}

// Grid returns the cartesian product of a sweep: parameters and values in
// the order written, the last parameter varying fastest. It returns nil
// when the grid would have more than max points.
func Grid(sweep workload.SweepGrid, max int) ([]Point, int) {
	n := 1
	for _, p := range sweep {
		n *= len(p.Values)
		if n > max || n == 0 {
			return nil, n
		}
	}
	points := make([]Point, n)
	for i := range points {
		p := make(Point, len(sweep))
		rest := i
		for j := len(sweep) - 1; j >= 0; j-- {
			vals := sweep[j].Values
			p[j] = Param{Name: sweep[j].Name, Value: vals[rest%len(vals)]}
			rest /= len(vals)
		}
		points[i] = p
	}
	return points, n
}

// sweepScriptName is the $0 of the start script; import recognises it.
const sweepScriptName = "mljob-sweep"

// sweep turns the main container into a sweep trial: a /bin/sh start script
// picks index JOB_COMPLETION_INDEX's parameters, exports them as
// SWEEP_<NAME> and appends them as --name=value, then runs the command.
// The grid is also written to the Job's mljob.dev/sweep annotation.
func (g *gen) sweep(c *corev1.Container, meta *metav1.ObjectMeta) int32 {
	points, n := Grid(g.w.Sweep, workload.MaxSweepPoints)
	if points == nil {
		return 1 // the language check has said why
	}
	var script, annot bytes.Buffer
	script.WriteString("case \"$JOB_COMPLETION_INDEX\" in\n")
	annot.WriteString("[")
	for i, p := range points {
		fmt.Fprintf(&script, "%d) export", i)
		for _, prm := range p {
			fmt.Fprintf(&script, " %s=%s", workload.SweepEnvName(prm.Name), shellQuote(prm.Value.Text))
		}
		script.WriteString("; set -- \"$@\"")
		for _, prm := range p {
			fmt.Fprintf(&script, " %s", shellQuote("--"+prm.Name+"="+prm.Value.Text))
		}
		script.WriteString(" ;;\n")
		if i > 0 {
			annot.WriteString(",")
		}
		annot.WriteString("{")
		for j, prm := range p {
			if j > 0 {
				annot.WriteString(",")
			}
			name, _ := json.Marshal(prm.Name)
			fmt.Fprintf(&annot, "%s:%s", name, prm.Value.JSON)
		}
		annot.WriteString("}")
	}
	script.WriteString("*) echo \"mljob: no sweep parameters for index $JOB_COMPLETION_INDEX\" >&2; exit 2 ;;\nesac\nexec \"$@\"\n")
	annot.WriteString("]")

	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[AnnotSweep] = annot.String()
	c.Args = append(append([]string(nil), c.Command...), c.Args...)
	c.Command = []string{"/bin/sh", "-c", EscapeExpansion(script.String()), sweepScriptName}
	g.generatedEnv(c, corev1.EnvVar{Name: "MLJOB_SWEEP_SIZE", Value: fmt.Sprint(n)})
	cp := g.mainPath() + "."
	g.from(cp+"command", "sweep")
	g.from(cp+"args", "sweep")
	return int32(n)
}

// EscapeExpansion escapes s so that the kubelet's $(VAR) expansion of
// command and args gives s back byte for byte: every '$' is written "$$",
// which the kubelet turns back into one '$', whatever follows it.
func EscapeExpansion(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// liftSweep recognises a sweep that mljob rendered: its grid annotation
// and start script, which must be exactly the one mljob writes for that
// grid. Parameters and values come back in the order they first appear,
// which is the order they were written in.
func (l *lifter) liftSweep() {
	w, c := l.w, l.main
	if c == nil || l.jobMeta.GetLabels()[LabelType] != workload.Sweep {
		return
	}
	if len(c.Command) != 4 || c.Command[0] != "/bin/sh" || c.Command[1] != "-c" || c.Command[3] != sweepScriptName {
		return
	}
	var grid []json.RawMessage
	if json.Unmarshal([]byte(l.jobMeta.GetAnnotations()[AnnotSweep]), &grid) != nil || len(grid) == 0 {
		return
	}
	var sweep workload.SweepGrid
	seen := map[string]bool{}
	for _, point := range grid {
		var params workload.SweepGrid
		if err := decodePoint(point, &params); err != nil {
			return
		}
		for _, prm := range params {
			i := -1
			for j := range sweep {
				if sweep[j].Name == prm.Name {
					i = j
				}
			}
			if i < 0 {
				sweep = append(sweep, workload.SweepParam{Name: prm.Name})
				i = len(sweep) - 1
			}
			for _, v := range prm.Values {
				if key := prm.Name + "\x00" + string(v.JSON); !seen[key] {
					seen[key] = true
					sweep[i].Values = append(sweep[i].Values, v)
				}
			}
		}
	}
	// Only the script mljob writes for this grid is a sweep.
	probe := &gen{w: &workload.Workload{Type: workload.Sweep, Sweep: sweep, Command: c.Args}, p: l.p, prov: Provenance{}}
	probe.podPath = "spec.template.spec"
	want := corev1.Container{Command: c.Args}
	probe.sweep(&want, &metav1.ObjectMeta{})
	if want.Command[2] != c.Command[2] {
		return
	}
	w.Type = workload.Sweep
	w.Sweep = sweep
	w.Command, w.Args = c.Args, nil
	w.Shards = nil
	s := l.s
	if s.Parallelism != nil && s.Completions != nil && *s.Parallelism != *s.Completions {
		w.Parallelism = s.Parallelism
	} else {
		w.Parallelism = nil
	}
	if w.ContainerName == workload.TypeContainerName(workload.Sweep) {
		w.ContainerName = ""
	}
	l.dropGeneratedEnv("MLJOB_SWEEP_SIZE", fmt.Sprint(len(grid)))
	l.dropGeneratedEnv("MLJOB_SHARDS", fmt.Sprint(len(grid)))
}

// decodePoint reads one point of the grid annotation, keeping the order
// of its parameters.
func decodePoint(b json.RawMessage, out *workload.SweepGrid) error {
	var wrapped bytes.Buffer
	// A point is {"lr":0.1,...}; as a sweep each value is a list.
	var m workload.SweepGrid
	d := json.NewDecoder(bytes.NewReader(b))
	if _, err := d.Token(); err != nil {
		return err
	}
	wrapped.WriteString("{")
	first := true
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return err
		}
		key, _ := json.Marshal(t)
		if !first {
			wrapped.WriteString(",")
		}
		first = false
		fmt.Fprintf(&wrapped, "%s:[%s]", key, raw)
	}
	wrapped.WriteString("}")
	if err := json.Unmarshal(wrapped.Bytes(), &m); err != nil {
		return err
	}
	*out = m
	return nil
}

// indexed reports whether the lifted Job is Indexed.
func (l *lifter) indexed() bool {
	return l.s.CompletionMode != nil && *l.s.CompletionMode == batchv1.IndexedCompletion
}
