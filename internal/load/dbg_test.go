package load

import (
	"fmt"
	"testing"

	"cuelang.org/go/cue"
)

func TestDbg(t *testing.T) {
	l, _ := NewLoader()
	w := l.Schema("#Workload")
	for _, n := range []string{"env", "datasets", "sweep", "overrides"} {
		v := Field(w, n)
		p := cue.MakePath(cue.Str("x"))
		e := v.FillPath(p, v.Context().CompileString("_")).LookupPath(p)
		e2 := strip(v).FillPath(p, v.Context().CompileString("_")).LookupPath(p)
		fmt.Printf("%s: %v | err=%v | %v | err2=%v\n", n, e, e.Err(), e2, e2.Err())
	}
	pr := Field(l.Schema("#Profile"), "retries")
	for _, a := range disjuncts(strip(pr.Eval())) {
		fmt.Printf("alt %q conc=%v\n", fmt.Sprint(a), a.IsConcrete())
	}
}
