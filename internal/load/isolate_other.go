//go:build !linux

package load

import "syscall"

// childAttr: the evaluator ends when mljob closes its input.
func childAttr() *syscall.SysProcAttr { return nil }

// residentBytes: not known here; the evaluator watches its own heap.
func residentBytes(int) (int64, bool) { return 0, false }
