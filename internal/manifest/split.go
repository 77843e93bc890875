package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/mljob/mljob/internal/diag"
)

// A stream is cut into documents exactly where kubectl cuts it
// (k8s.io/apimachinery's YAMLOrJSONDecoder, which kubectl apply, Argo CD
// and Flux use) so that no document kubectl applies goes unchecked:
//
//   - A stream whose first non-blank byte (within 4 KiB) is '{' is read as
//     concatenated JSON values. When a value does not parse and at most one
//     was read, the rest of the stream is YAML, from after the blanks that
//     follow the last value up to and including one newline.
//   - YAML is cut at lines that start with "---"; only blanks or a comment
//     may follow on that line.
//
// Where kubectl refuses a stream (a separator followed by content, such as
// "--- !!map"; a third value after two JSON objects), the place is
// reported as an error and reading goes on, the way kustomize's reader or
// a YAML parser would go on: every document any of them could apply is
// checked.

// jsonSniff is how far kubectl looks for the '{' of a JSON stream.
const jsonSniff = 4096

// chunk is one document of a stream: its bytes and where they start.
type chunk struct {
	data []byte
	// line is the 1-based line of data[0] in the file; col the 1-based
	// column of data[0] (only after a JSON value does a document start
	// mid-line).
	line, col int
	// index is the document's place in the stream, from 0.
	index int
	// err, when set, is a problem of the stream at this place; data is
	// then empty.
	err *diag.Diagnostic
}

// split cuts data into chunks and gives them to yield in order, until
// yield returns false.
func split(file string, data []byte, yield func(chunk) bool) {
	s := splitter{file: file, data: data, yield: yield, line: 1, col: 1}
	s.run()
}

type splitter struct {
	file  string
	data  []byte
	yield func(chunk) bool
	// line and col are where data[off] is.
	off, line, col int
	index          int
	stopped        bool
}

func (s *splitter) emit(c chunk) {
	if s.stopped {
		return
	}
	if c.err == nil {
		c.index = s.index
		s.index++
	}
	if !s.yield(c) {
		s.stopped = true
	}
}

func (s *splitter) errorf(line int, format string, args ...any) {
	s.emit(chunk{err: diag.Errorf(diag.Pos{File: s.file, Line: line}, "", format, args...)})
}

// advance moves off to to, counting lines and columns.
func (s *splitter) advance(to int) {
	for i := s.off; i < to; {
		if s.data[i] == '\n' {
			s.line, s.col = s.line+1, 1
			i++
			continue
		}
		_, n := utf8.DecodeRune(s.data[i:])
		s.col++
		i += n
	}
	s.off = to
}

func (s *splitter) run() {
	if isJSON(s.data) {
		if !s.jsonValues() {
			return
		}
	}
	s.yamlDocuments()
}

// isJSON reports whether kubectl reads data as a JSON stream: its first
// non-blank byte within 4 KiB is '{'.
func isJSON(data []byte) bool {
	head := data[:min(len(data), jsonSniff)]
	t := bytes.TrimLeftFunc(head, unicode.IsSpace)
	return len(t) > 0 && t[0] == '{'
}

// jsonValues reads the JSON values at the start of the stream. It reports
// whether YAML follows.
func (s *splitter) jsonValues() bool {
	dec := json.NewDecoder(bytes.NewReader(s.data))
	count := 0
	for !s.stopped {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return false
		}
		if err != nil {
			// s.off is the end of the last value read: kubectl rewinds
			// there and reads the rest as YAML.
			if count > 1 {
				at := int(dec.InputOffset())
				var syn *json.SyntaxError
				if errors.As(err, &syn) {
					at = int(syn.Offset)
				}
				line := s.line + bytes.Count(s.data[s.off:max(s.off, min(at, len(s.data)))], []byte("\n"))
				s.errorf(line, "kubectl refuses this file: after two JSON objects it reads only JSON (%v); separate YAML documents with ---", jsonError(err))
			}
			return s.skipBlanks()
		}
		end := int(dec.InputOffset())
		start := end - len(raw)
		s.advance(start)
		line, col := s.line, s.col
		s.advance(end)
		s.emit(chunk{data: s.data[start:end], line: line, col: col})
		count++
	}
	return false
}

func jsonError(err error) string {
	if err == io.ErrUnexpectedEOF {
		return "unexpected end of JSON input"
	}
	return err.Error()
}

// skipBlanks consumes the blanks after a JSON value up to and including
// the first newline, as kubectl does before it reads YAML.
func (s *splitter) skipBlanks() bool {
	i := s.off
	for i < len(s.data) {
		r, n := utf8.DecodeRune(s.data[i:])
		if r == utf8.RuneError && n <= 1 {
			s.errorf(s.line, "kubectl refuses this file: invalid UTF-8 after a JSON value")
			break
		}
		if !unicode.IsSpace(r) {
			break
		}
		i += n
		if r == '\n' {
			break
		}
	}
	s.advance(i)
	return true
}

// yamlDocuments cuts the rest of the stream at its "---" lines.
func (s *splitter) yamlDocuments() {
	start, startLine, startCol := s.off, s.line, s.col
	line := s.line
	for i := s.off; i < len(s.data) && !s.stopped; {
		next := len(s.data)
		if end := bytes.IndexByte(s.data[i:], '\n'); end >= 0 {
			next = i + end + 1
		}
		if sep, ok := separator(s.data[i:next]); ok {
			s.emit(chunk{data: s.data[start:i], line: startLine, col: startCol})
			if sep == "" {
				start, startLine = next, line+1
			} else {
				s.errorf(line, "kubectl refuses this file: only a comment may follow --- on a separator line, not %q", sep)
				// The YAML is still read: "--- !!map" starts a
				// document whose root has a tag.
				start, startLine = i, line
			}
			startCol = 1
		}
		i = next
		line++
	}
	if start < len(s.data) || start == s.off {
		s.emit(chunk{data: s.data[start:], line: startLine, col: startCol})
	}
}

// separator reports whether line starts a new document for kubectl and
// what follows "---" on it other than blanks and a comment.
func separator(line []byte) (string, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	if !ok {
		return "", false
	}
	rest = bytes.TrimSpace(rest)
	if len(rest) == 0 || rest[0] == '#' {
		return "", true
	}
	return fmt.Sprintf("%.40s", rest), true
}
