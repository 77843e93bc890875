package generators

import (
	"bytes"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mljob/mljob/internal/workload"
)

// Point is one combination of sweep parameters, in parameter-name order.
type Point []Param

// Param is one parameter value of a sweep point.
type Param struct {
	Name  string
	Value workload.Scalar
}

// Grid returns the cartesian product of a sweep, parameter names sorted,
// the last parameter varying fastest. It returns nil when the grid would
// have more than max points.
func Grid(sweep map[string][]workload.Scalar, max int) ([]Point, int) {
	names := sortedKeys(sweep)
	n := 1
	for _, name := range names {
		n *= len(sweep[name])
		if n > max || n == 0 {
			return nil, n
		}
	}
	points := make([]Point, n)
	for i := range points {
		p := make(Point, len(names))
		rest := i
		for j := len(names) - 1; j >= 0; j-- {
			vals := sweep[names[j]]
			p[j] = Param{Name: names[j], Value: vals[rest%len(vals)]}
			rest /= len(vals)
		}
		points[i] = p
	}
	return points, n
}

// sweep turns the main container into a sweep trial: a /bin/sh start script
// picks index JOB_COMPLETION_INDEX's parameters, exports them as
// SWEEP_<NAME> and appends them as --name=value, then runs the command.
// The grid is also written to the Job's mljob.dev/sweep annotation.
func (g *gen) sweep(c *corev1.Container, meta *metav1.ObjectMeta) int32 {
	points, n := Grid(g.w.Sweep, MaxSweepPoints)
	if points == nil {
		g.errorf("sweep", "the sweep grid has %d points; at most %d are allowed in one Job", n, MaxSweepPoints)
		return 1
	}
	envNames := map[string]string{}
	for _, name := range g.w.SweepNames() {
		env := envName(name)
		if prev, ok := envNames[env]; ok {
			g.errorf("sweep."+name, "parameters %q and %q both become %s", prev, name, env)
		}
		envNames[env] = name
	}

	var script, annot bytes.Buffer
	script.WriteString("case \"$JOB_COMPLETION_INDEX\" in\n")
	annot.WriteString("[")
	for i, p := range points {
		fmt.Fprintf(&script, "%d) export", i)
		for _, prm := range p {
			fmt.Fprintf(&script, " %s=%s", envName(prm.Name), shellQuote(prm.Value.Text))
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
			fmt.Fprintf(&annot, "%q:%s", prm.Name, prm.Value.JSON)
		}
		annot.WriteString("}")
	}
	script.WriteString("*) echo \"mljob: no sweep parameters for index $JOB_COMPLETION_INDEX\" >&2; exit 2 ;;\nesac\nexec \"$@\"\n")
	annot.WriteString("]")

	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[AnnotSweep] = annot.String()
	// Kubernetes expands $(VAR) in command and args; $$ escapes it.
	text := strings.ReplaceAll(script.String(), "$(", "$$(")
	c.Args = append(append([]string(nil), c.Command...), c.Args...)
	c.Command = []string{"/bin/sh", "-c", text, "mljob-sweep"}
	addEnv(c, corev1.EnvVar{Name: "MLJOB_SWEEP_SIZE", Value: fmt.Sprint(n)})
	return int32(n)
}

// envName is the environment variable of a sweep parameter.
func envName(param string) string { return "SWEEP_" + strings.ToUpper(param) }

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
