// Command mljob turns CUE workload descriptions into Kubernetes Job and
// CronJob YAML and lints batch manifests.
package main

import (
	"os"

	"github.com/mljob/mljob/cmd/mljob/cli"
)

func main() { os.Exit(cli.Main()) }
