package load

import (
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// A project written as plain data (structs, lists and literals, the way
// most workload files are) costs about as much to evaluate as it is long:
// nothing in it refers to anything, so nothing can be doubled, repeated or
// iterated. Such a project is evaluated in process, without the child
// evaluator's start-up; anything else (a reference, an expression, a
// comprehension, a call, a pattern, an import) goes to the child and its
// budget. plainMax bounds what is evaluated here all the same, and
// plainDepth the nesting (the evaluator recurses on it).
const (
	plainMax   = 1 << 20
	plainDepth = 64
)

// plainData reports whether srcs are plain data.
func plainData(srcs []Source) bool {
	size := 0
	for _, s := range srcs {
		if size += len(s.Data); size > plainMax {
			return false
		}
	}
	for _, s := range srcs {
		f, err := parser.ParseFile(s.Name, s.Data)
		if err != nil {
			return false // the child reports it, as for any project
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.Package:
			case *ast.Field:
				if !plainField(d, 1) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

func plainField(f *ast.Field, depth int) bool {
	switch l := f.Label.(type) {
	case *ast.Ident:
	case *ast.BasicLit:
		if l.Kind != token.STRING {
			return false
		}
	default:
		return false // an alias, a pattern, a parenthesized expression
	}
	return f.Attrs == nil && plainValue(f.Value, depth)
}

func plainValue(x ast.Expr, depth int) bool {
	if depth > plainDepth {
		return false
	}
	switch x := x.(type) {
	case *ast.BasicLit:
		return true // an interpolation is an *ast.Interpolation
	case *ast.UnaryExpr:
		// A negative number.
		lit, ok := x.X.(*ast.BasicLit)
		return ok && (x.Op == token.SUB || x.Op == token.ADD) && (lit.Kind == token.INT || lit.Kind == token.FLOAT)
	case *ast.StructLit:
		for _, d := range x.Elts {
			f, ok := d.(*ast.Field)
			if !ok || !plainField(f, depth+1) {
				return false
			}
		}
		return true
	case *ast.ListLit:
		for _, e := range x.Elts {
			if !plainValue(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
