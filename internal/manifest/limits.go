package manifest

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mljob/mljob/internal/input"
)

var sizeString = input.SizeString

// What one document may cost. A hostile manifest (a "billion laughs" of
// nested aliases, chained merge keys, a flow sequence of millions of
// items) is refused with an error instead of exhausting memory or time;
// legitimate objects are far below these limits (the API server accepts
// requests of at most 3 MiB).
const (
	// maxItems bounds the bytes that may start a key or an item in one
	// document (':', '-', ',', '[', '{' and '?'), counted before it is
	// parsed: a parsed document has at most twice as many YAML nodes, so
	// this bounds the parser's memory (about 170 bytes a node).
	maxItems = 1 << 18
	// maxValues bounds the values of one document once aliases and merge
	// keys are expanded.
	maxValues = 1 << 20
	// maxAliasBytes bounds the JSON that aliases and merge keys expand to
	// in one document, and maxFileAliasBytes in one file.
	maxAliasBytes     = 4 << 20
	maxFileAliasBytes = 16 << 20
)

// itemBytes are the bytes countItems counts.
var itemBytes = func() (t [256]bool) {
	for _, c := range ":-,[{?" {
		t[c] = true
	}
	return t
}()

// countItems counts the bytes of data that may start a key or an item. A
// YAML node either starts a document or follows one of them (a key its
// line's ':', a value its key's ':', a block item its '-', a flow item
// '[' or ',', an explicit key '?'), and a mapping or sequence shares its
// first entry's: a document of n such bytes parses into at most 2(n+1)
// nodes.
func countItems(data []byte) int {
	n := 0
	for _, c := range data {
		if itemBytes[c] {
			n++
		}
	}
	return n
}

// kubectl decodes YAML with go-yaml v2, which refuses a document whose
// decoding is mostly alias expansion ("document contains excessive
// aliasing"): that stops a billion laughs and merge keys chained to
// double at every level. aliasCheck replays v2's counting on the parsed
// document, in v2's order, and refuses what v2 refuses; the count stops
// as soon as v2 would, so it costs at most about as much as the document
// without aliases.

// v2's thresholds (go.yaml.in/yaml/v2 decode.go).
const (
	aliasRatioRangeLow  = 400000
	aliasRatioRangeHigh = 4000000
	aliasRatioRange     = float64(aliasRatioRangeHigh - aliasRatioRangeLow)
)

func allowedAliasRatio(decodeCount int) float64 {
	switch {
	case decodeCount <= aliasRatioRangeLow:
		return 0.99
	case decodeCount >= aliasRatioRangeHigh:
		return 0.10
	default:
		return 0.99 - 0.89*(float64(decodeCount-aliasRatioRangeLow)/aliasRatioRange)
	}
}

type aliasCheck struct {
	decodes, aliases, depth int
	active                  map[*yaml.Node]bool
}

// aliasFailure is where and why v2 refuses a document.
type aliasFailure struct {
	at  *yaml.Node
	msg string
}

func checkAliases(doc *yaml.Node) *aliasFailure {
	c := aliasCheck{active: map[*yaml.Node]bool{}}
	return c.unmarshal(doc)
}

func (c *aliasCheck) unmarshal(n *yaml.Node) *aliasFailure {
	c.decodes++
	if c.depth > 0 {
		c.aliases++
	}
	if c.aliases > 100 && c.decodes > 1000 && float64(c.aliases)/float64(c.decodes) > allowedAliasRatio(c.decodes) {
		return &aliasFailure{n, "document contains excessive aliasing"}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 1 {
			return c.unmarshal(n.Content[0])
		}
	case yaml.AliasNode:
		if c.active[n] {
			return &aliasFailure{n, fmt.Sprintf("anchor '%s' value contains itself", n.Value)}
		}
		c.active[n] = true
		c.depth++
		f := c.unmarshal(n.Alias)
		c.depth--
		delete(c.active, n)
		return f
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMerge(n.Content[i]) {
				if f := c.merge(n.Content[i+1]); f != nil {
					return f
				}
				continue
			}
			if f := c.unmarshal(n.Content[i]); f != nil {
				return f
			}
			if f := c.unmarshal(n.Content[i+1]); f != nil {
				return f
			}
		}
	case yaml.SequenceNode:
		for _, it := range n.Content {
			if f := c.unmarshal(it); f != nil {
				return f
			}
		}
	}
	return nil
}

func (c *aliasCheck) merge(n *yaml.Node) *aliasFailure {
	wantMap := &aliasFailure{n, "map merge requires map or sequence of maps as the value"}
	switch n.Kind {
	case yaml.MappingNode:
		return c.unmarshal(n)
	case yaml.AliasNode:
		if n.Alias != nil && n.Alias.Kind != yaml.MappingNode {
			return wantMap
		}
		return c.unmarshal(n)
	case yaml.SequenceNode:
		for i := len(n.Content) - 1; i >= 0; i-- {
			it := n.Content[i]
			if it.Kind == yaml.AliasNode {
				if it.Alias != nil && it.Alias.Kind != yaml.MappingNode {
					return &aliasFailure{it, wantMap.msg}
				}
			} else if it.Kind != yaml.MappingNode {
				return &aliasFailure{it, wantMap.msg}
			}
			if f := c.unmarshal(it); f != nil {
				return f
			}
		}
		return nil
	}
	return wantMap
}

// expansion is what a document's aliases and merge keys expand to, in
// bytes of JSON (about: keys and scalars as written, quoted), computed
// without expanding them: the size of each anchored node is computed
// once. A document that is not converted (ScanOptions.Want) is bounded
// by it as one that is, by its builder.
func expansion(root *yaml.Node) int {
	sizes := map[*yaml.Node]int{}
	var size func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if s, ok := sizes[n]; ok {
			return s
		}
		s := 2
		switch n.Kind {
		case yaml.AliasNode:
			if n.Alias != nil {
				s = size(n.Alias)
			}
		case yaml.ScalarNode:
			s = len(n.Value) + 2
		default:
			for _, c := range n.Content {
				s += size(c) + 1
			}
		}
		sizes[n] = s
		return s
	}
	// The expansion is the size of every alias's target, and of every
	// mapping merged through an alias, met outside of them.
	total := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode {
			total += size(n)
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return total
}
