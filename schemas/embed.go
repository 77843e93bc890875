// Package schemas embeds the CUE definition of the mljob workload language.
package schemas

import "embed"

// FS holds the schema files; paths use '/'.
//
//go:embed *.cue
var FS embed.FS
