// Command benchcompare measures mljob against its peers (cue, kubeconform,
// conftest) on the same inputs, for the speed targets of issue 13. It is
// what `make bench-compare` runs (scripts/bench-compare.sh), in two steps:
//
//	benchcompare prepare -out DIR -swagger FILE
//	    writes the corpora, the plain-CUE template, the conftest policy
//	    and kubeconform's JSON schemas into DIR;
//	benchcompare run -out DIR -mljob BIN -peers DIR [-rounds N] [-large=false]
//	    checks that each peer does the same work as mljob, then times every
//	    comparison in interleaved rounds and prints the tables.
//
// Everything it writes stays under DIR; nothing touches the network.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: benchcompare prepare|run [flags] (benchcompare CMD -h for the flags)")
	}
	fs := flag.NewFlagSet("benchcompare "+args[0], flag.ContinueOnError)
	out := fs.String("out", "bin/bench", "`DIR` for the corpora, schemas and policies")
	switch args[0] {
	case "prepare":
		var o prepareOptions
		fs.StringVar(&o.swagger, "swagger", "", "the Kubernetes OpenAPI v2 `FILE` (api/openapi-spec/swagger.json of k8s.io/kubernetes)")
		fs.Uint64Var(&o.seed, "seed", defaultSeed, "corpus `SEED`")
		fs.BoolVar(&o.large, "large", true, "also write the corpora of 10,000")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if o.swagger == "" {
			return fmt.Errorf("prepare: -swagger is required")
		}
		o.out = *out
		return prepare(o)
	case "run":
		var o runOptions
		fs.StringVar(&o.mljob, "mljob", "bin/mljob", "the mljob `BINARY` to measure")
		fs.StringVar(&o.peers, "peers", "bin/peers", "`DIR` holding cue, kubeconform and conftest")
		fs.IntVar(&o.rounds, "rounds", 5, "timed runs of each command, interleaved with its peer's")
		fs.BoolVar(&o.large, "large", true, "also measure the 10,000-workload operations (minutes per round)")
		fs.StringVar(&o.only, "only", "", "measure only the operations whose name contains `TEXT`")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if o.rounds < 1 {
			return fmt.Errorf("run: -rounds must be at least 1")
		}
		o.out = *out
		return measureAll(o)
	}
	return fmt.Errorf("unknown command %q (want prepare or run)", args[0])
}
