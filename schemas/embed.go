// Package schemas embeds the CUE definition of the mljob workload language.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
)

// FS holds the schema files; paths use '/'.
//
//go:embed *.cue
var FS embed.FS

// Parse parses every schema file, with comments (they are the language's
// documentation), naming each prefix+file name in positions.
func Parse(prefix string) ([]*ast.File, error) {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		src, err := fs.ReadFile(FS, e.Name())
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(prefix+e.Name(), src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse schema: %w", err)
		}
		files = append(files, f)
	}
	return files, nil
}
