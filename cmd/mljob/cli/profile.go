package cli

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// Environment variables that profile a whole mljob command, for the work on
// its speed (docs/benchmarks.md): start-up, flag parsing and output
// included, which the in-process benchmarks leave out.
const (
	// EnvCPUProfile names a file for a CPU profile of the command.
	EnvCPUProfile = "MLJOB_CPUPROFILE"
	// EnvMemProfile names a file for a heap profile written when the
	// command ends: allocations over the run (go tool pprof
	// -sample_index=alloc_space) and what is still live.
	EnvMemProfile = "MLJOB_MEMPROFILE"
)

// startProfiles starts the profiles the environment asks for; stop
// writes them. Failing to write a profile is reported, not fatal: the
// command's own result matters more.
func startProfiles(stderr io.Writer) (stop func()) {
	var cpu *os.File
	if path := os.Getenv(EnvCPUProfile); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "mljob: %s: %v\n", EnvCPUProfile, err)
		} else {
			cpu = f
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				fmt.Fprintf(stderr, "mljob: %s: %v\n", EnvCPUProfile, err)
			}
		}
		if path := os.Getenv(EnvMemProfile); path != "" {
			runtime.GC() // the live heap as of the end of the command
			f, err := os.Create(path)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				fmt.Fprintf(stderr, "mljob: %s: %v\n", EnvMemProfile, err)
			}
		}
	}
}
