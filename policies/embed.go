// Package policies is mljob's built-in rule pack, written in Rego: one
// package per rule (mljob.rules.<id with '_' for '-'>, with its # METADATA),
// the helpers they share (mljob.lib, under lib/), and a *_test.rego beside
// each. README.md documents the input every rule, built-in or a user's,
// is evaluated against. internal/policy compiles and runs them.
package policies

import "embed"

// FS holds every .rego file of the pack, tests included. Paths use '/'.
//
//go:embed *.rego lib/*.rego
var FS embed.FS
