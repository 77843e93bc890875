package generators_test

import (
	"testing"

	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/workload"
)

// profile returns the built-in profile, as a project without `profile`
// gets it.
func profile(t *testing.T) *workload.Profile {
	t.Helper()
	l, err := load.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.Load([]load.Source{{Name: "p.cue", Data: []byte("workloads: {}")}})
	if err != nil {
		t.Fatal(err)
	}
	return p.Profile
}
