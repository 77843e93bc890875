// Package diag holds source positions and the errors that point at them.
//
// Every stage that can blame a user's file (loading CUE, generating objects,
// reading manifests) reports a *Diagnostic, so the CLI prints one format:
//
//	workloads/train.cue:12:9: workloads.train.gpu.count: invalid value 0 (out of bound >=1)
package diag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a user's file. Line and Column are 1-based; zero
// means unknown.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// IsValid reports whether p names a file.
func (p Pos) IsValid() bool { return p.File != "" }

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Less orders positions by file, line and column.
func (p Pos) Less(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Column < q.Column
}

// Diagnostic is one problem in the user's input.
type Diagnostic struct {
	Pos Pos
	// Path is the field path, e.g. workloads."train-resnet".gpu.count.
	Path string
	Msg  string
}

func (d *Diagnostic) Error() string {
	var b strings.Builder
	if s := d.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Msg)
	return b.String()
}

// Errorf returns a Diagnostic at pos for path.
func Errorf(pos Pos, path, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// List is several diagnostics; it is an error when not empty.
type List []*Diagnostic

func (l List) Error() string {
	msgs := make([]string, len(l))
	for i, d := range l {
		msgs[i] = d.Error()
	}
	return strings.Join(msgs, "\n")
}

// Sort orders the list by position, then message, and drops exact repeats.
func (l *List) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Pos != s[j].Pos {
			return s[i].Pos.Less(s[j].Pos)
		}
		if s[i].Path != s[j].Path {
			return s[i].Path < s[j].Path
		}
		return s[i].Msg < s[j].Msg
	})
	out := s[:0]
	for i, d := range s {
		if i > 0 && *d == *s[i-1] {
			continue
		}
		out = append(out, d)
	}
	*l = out
}

// Err returns the list as an error, or nil when it is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

// Append adds err to l: a List is flattened, a Diagnostic kept as is, any
// other error becomes a Diagnostic without position.
func (l *List) Append(err error) {
	if err == nil {
		return
	}
	var list List
	if errors.As(err, &list) {
		*l = append(*l, list...)
		return
	}
	var d *Diagnostic
	if errors.As(err, &d) {
		*l = append(*l, d)
		return
	}
	*l = append(*l, &Diagnostic{Msg: err.Error()})
}
