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

// Catalogue is the metadata and default parameters of the pack's rules, as
// `mljob rules --format json` writes them: what lists and checks rule ids
// without compiling Rego. It is generated from the pack; a test in
// internal/policy fails when it is stale (-update rewrites it).
//
//go:embed catalogue.json
var Catalogue []byte
