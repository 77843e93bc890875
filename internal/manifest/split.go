package manifest

import (
	"bytes"
	"encoding/json"
	"io"
)

// chunk is one document of a stream: its bytes and where they start.
type chunk struct {
	data []byte
	// line is the 1-based line of data[0] in the file; col the 1-based
	// column of data[0] (only a JSON stream has values that start mid-line).
	line, col int
}

// splitYAML cuts a stream at its "---" lines the way kubectl's
// YAMLReader does: a line that starts with "---" followed by nothing but
// blanks or a comment. Parsing each document on its own means one broken
// document does not hide the others.
func splitYAML(data []byte) []chunk {
	var chunks []chunk
	start, startLine, line := 0, 1, 1
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		if end >= 0 {
			next = i + end + 1
		}
		if isSeparator(data[i:next]) {
			chunks = append(chunks, chunk{data: data[start:i], line: startLine, col: 1})
			start, startLine = next, line+1
		}
		i = next
		line++
	}
	return append(chunks, chunk{data: data[start:], line: startLine, col: 1})
}

func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	if !ok {
		return false
	}
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

// isJSON reports whether data looks like JSON (its first non-blank byte is
// '{'), as kubectl's YAMLOrJSONDecoder decides.
func isJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// splitJSON cuts a stream of concatenated JSON values. A syntax error ends
// the stream: the rest is one chunk, for the YAML parser to report.
func splitJSON(data []byte) []chunk {
	var chunks []chunk
	dec := json.NewDecoder(bytes.NewReader(data))
	prev, line, lineStart := 0, 1, 0
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return chunks
		}
		end := int(dec.InputOffset())
		if err != nil {
			end = len(data)
		}
		// The value is data[prev:end] with leading blanks.
		start := prev
		for start < end && (data[start] == ' ' || data[start] == '\t' || data[start] == '\r' || data[start] == '\n') {
			start++
		}
		for i := prev; i < start; i++ {
			if data[i] == '\n' {
				line, lineStart = line+1, i+1
			}
		}
		chunks = append(chunks, chunk{data: data[start:end], line: line, col: start - lineStart + 1})
		if err != nil {
			return chunks
		}
		for i := start; i < end; i++ {
			if data[i] == '\n' {
				line, lineStart = line+1, i+1
			}
		}
		prev = end
	}
}
