package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"
	cuejson "cuelang.org/go/encoding/json"
)

// CUE writes imported workloads as one CUE file of the mljob language.
// header is a comment put at the top (without //).
func CUE(results []*Result, header string) ([]byte, error) {
	var out bytes.Buffer
	for _, line := range strings.Split(strings.TrimSpace(header), "\n") {
		fmt.Fprintf(&out, "// %s\n", line)
	}
	for _, r := range results {
		// Indented JSON: the CUE formatter keeps JSON's line breaks.
		data, err := json.MarshalIndent(map[string]any{"workloads": map[string]any{r.Name: r.Workload}}, "", "  ")
		if err != nil {
			return nil, err
		}
		expr, err := cuejson.Extract(r.Name, data)
		if err != nil {
			return nil, err
		}
		st, ok := expr.(*ast.StructLit)
		if !ok {
			return nil, fmt.Errorf("import: unexpected CUE %T", expr)
		}
		compactLists(st)
		if len(r.Overridden) > 0 {
			addOverridesComment(st, r.Overridden)
		}
		b, err := format.Node(&ast.File{Decls: st.Elts}, format.Simplify())
		if err != nil {
			return nil, err
		}
		out.WriteString("\n")
		out.Write(b)
	}
	return out.Bytes(), nil
}

// compactLists puts lists of plain values on one line: ["python",
// "train.py"] rather than one element a line.
func compactLists(n ast.Node) {
	ast.Walk(n, func(n ast.Node) bool {
		l, ok := n.(*ast.ListLit)
		if !ok {
			return true
		}
		for _, e := range l.Elts {
			if _, ok := e.(*ast.BasicLit); !ok {
				return true
			}
		}
		for i, e := range l.Elts {
			if i == 0 {
				ast.SetRelPos(e, token.NoSpace)
			} else {
				ast.SetRelPos(e, token.Blank)
			}
		}
		l.Rbrack = l.Rbrack.WithRel(token.NoSpace)
		return false
	}, nil)
}

// addOverridesComment documents the overrides field of the workload.
func addOverridesComment(st *ast.StructLit, paths []string) {
	ast.Walk(st, func(n ast.Node) bool {
		f, ok := n.(*ast.Field)
		if !ok {
			return true
		}
		if name, _, _ := ast.LabelName(f.Label); name == "overrides" {
			text := "// What the workload fields do not express, merged last. Review it:\n// " + strings.Join(wrap(paths, 72), "\n// ")
			ast.AddComment(f, &ast.CommentGroup{Doc: true, List: commentList(text)})
			return false
		}
		return true
	}, nil)
}

func commentList(text string) []*ast.Comment {
	var cs []*ast.Comment
	for _, l := range strings.Split(text, "\n") {
		cs = append(cs, &ast.Comment{Text: l})
	}
	return cs
}

func wrap(words []string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range words {
		if cur != "" && len(cur)+2+len(w) > width {
			lines = append(lines, cur+",")
			cur = ""
		}
		if cur != "" {
			cur += ", "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}
