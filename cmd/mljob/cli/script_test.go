package cli_test

import (
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mljob/mljob/cmd/mljob/cli"
)

var update = flag.Bool("update", false, "rewrite golden files and testscript expectations")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mljob": func() { os.Exit(cli.Main()) },
	})
}

// TestScripts runs the CLI scripts in testdata/script: each is a txtar
// archive of input files and commands with their expected output and exit
// code. -update rewrites the expected output in the archives.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "../../../testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			// Examples are referenced from scripts as $EXAMPLES/NAME.
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLES", wd+"/../../../examples")
			return nil
		},
	})
}
