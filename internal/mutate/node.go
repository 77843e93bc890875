// Package mutate makes deterministic mutants of Kubernetes manifests:
// a seed manifest and a seeded random source give the same list of
// broken (and some still valid) documents on every run. The acceptance
// suite sends each mutant to mljob and to a real API server and compares
// their verdicts.
//
// Mutants are written as YAML text by a small emitter of its own rather
// than a YAML library's encoder, because the point is to write what
// encoders refuse to: duplicate keys, plain `yes` and `0777`, keys in the
// wrong case.
package mutate

import (
	"fmt"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Kind is what a node is.
type Kind int

// Node kinds.
const (
	Scalar Kind = iota
	Map
	Seq
)

// Node is a YAML node whose scalars keep their source text, so that a
// mutant says exactly what it was given (`yes` stays plain, "yes" stays
// quoted).
type Node struct {
	Kind Kind
	// Raw is a scalar as written: plain text, or a double-quoted string.
	Raw string
	// Keys and Vals are a mapping's entries, in order; keys may repeat.
	Keys, Vals []*Node
	// Items are a sequence's items.
	Items []*Node
}

// Parse reads one YAML document.
func Parse(data []byte) (*Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("want one YAML document")
	}
	return fromYAML(doc.Content[0])
}

// MustParse is Parse for snippets written in code.
func MustParse(s string) *Node {
	n, err := Parse([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("mutate: bad snippet %q: %v", s, err))
	}
	return n
}

func fromYAML(y *yaml.Node) (*Node, error) {
	switch y.Kind {
	case yaml.ScalarNode:
		if y.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return Quoted(y.Value), nil
		}
		return Plain(y.Value), nil
	case yaml.MappingNode:
		n := &Node{Kind: Map}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, err := fromYAML(y.Content[i])
			if err != nil {
				return nil, err
			}
			v, err := fromYAML(y.Content[i+1])
			if err != nil {
				return nil, err
			}
			n.Keys = append(n.Keys, k)
			n.Vals = append(n.Vals, v)
		}
		return n, nil
	case yaml.SequenceNode:
		n := &Node{Kind: Seq}
		for _, c := range y.Content {
			item, err := fromYAML(c)
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, item)
		}
		return n, nil
	}
	return nil, fmt.Errorf("line %d: anchors, aliases and tags are not supported in seeds", y.Line)
}

// Plain is a plain scalar: s is written as is, and YAML decides its type.
func Plain(s string) *Node { return &Node{Kind: Scalar, Raw: s} }

// Quoted is a double-quoted string scalar.
func Quoted(s string) *Node { return &Node{Kind: Scalar, Raw: strconv.Quote(s)} }

// EmptyMap and EmptySeq are {} and [].
func EmptyMap() *Node { return &Node{Kind: Map} }

// EmptySeq is [].
func EmptySeq() *Node { return &Node{Kind: Seq} }

// Clone copies n deeply.
func (n *Node) Clone() *Node {
	c := &Node{Kind: n.Kind, Raw: n.Raw}
	for i := range n.Keys {
		c.Keys = append(c.Keys, n.Keys[i].Clone())
		c.Vals = append(c.Vals, n.Vals[i].Clone())
	}
	for _, it := range n.Items {
		c.Items = append(c.Items, it.Clone())
	}
	return c
}

// Text is a scalar's value: a quoted string unquoted, plain text as is.
func (n *Node) Text() string {
	if n.Kind != Scalar {
		return ""
	}
	if s, err := strconv.Unquote(n.Raw); err == nil && strings.HasPrefix(n.Raw, `"`) {
		return s
	}
	return n.Raw
}

// Get is the value of key in a mapping (the last, if it repeats).
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	for i := len(n.Keys) - 1; i >= 0; i-- {
		if n.Keys[i].Text() == key {
			return n.Vals[i]
		}
	}
	return nil
}

// Put sets key in a mapping, replacing every entry of it or adding one
// at the end.
func (n *Node) Put(key string, v *Node) {
	found := false
	for i := 0; i < len(n.Keys); i++ {
		if n.Keys[i].Text() != key {
			continue
		}
		if found {
			n.Keys = append(n.Keys[:i], n.Keys[i+1:]...)
			n.Vals = append(n.Vals[:i], n.Vals[i+1:]...)
			i--
			continue
		}
		n.Vals[i] = v
		found = true
	}
	if !found {
		n.Keys = append(n.Keys, Plain(key))
		n.Vals = append(n.Vals, v)
	}
}

// Del removes every entry of key from a mapping.
func (n *Node) Del(key string) {
	for i := 0; i < len(n.Keys); i++ {
		if n.Keys[i].Text() == key {
			n.Keys = append(n.Keys[:i], n.Keys[i+1:]...)
			n.Vals = append(n.Vals[:i], n.Vals[i+1:]...)
			i--
		}
	}
}

// YAML writes n as a block-style YAML document.
func (n *Node) YAML() []byte {
	var b strings.Builder
	switch {
	case n.Kind == Scalar:
		b.WriteString(n.Raw + "\n")
	case n.empty():
		b.WriteString(n.flow() + "\n")
	default:
		n.write(&b, 0, false)
	}
	return []byte(b.String())
}

func (n *Node) empty() bool {
	return (n.Kind == Map && len(n.Keys) == 0) || (n.Kind == Seq && len(n.Items) == 0)
}

func (n *Node) flow() string {
	if n.Kind == Map {
		return "{}"
	}
	return "[]"
}

// write writes a non-empty mapping or sequence at indent; inline means
// the first line continues a "- " already written.
func (n *Node) write(b *strings.Builder, indent int, inline bool) {
	pad := strings.Repeat(" ", indent)
	if n.Kind == Map {
		for i, k := range n.Keys {
			if i > 0 || !inline {
				b.WriteString(pad)
			}
			b.WriteString(k.Raw + ":")
			writeValue(b, n.Vals[i], indent)
		}
		return
	}
	for i, it := range n.Items {
		if i > 0 || !inline {
			b.WriteString(pad)
		}
		switch {
		case it.Kind == Scalar:
			b.WriteString("- " + it.Raw + "\n")
		case it.empty():
			b.WriteString("- " + it.flow() + "\n")
		case it.Kind == Map:
			b.WriteString("- ")
			it.write(b, indent+2, true)
		default:
			b.WriteString("-\n")
			it.write(b, indent+2, false)
		}
	}
}

func writeValue(b *strings.Builder, v *Node, indent int) {
	switch {
	case v.Kind == Scalar && v.Raw == "":
		b.WriteString("\n")
	case v.Kind == Scalar:
		b.WriteString(" " + v.Raw + "\n")
	case v.empty():
		b.WriteString(" " + v.flow() + "\n")
	default:
		b.WriteString("\n")
		v.write(b, indent+2, false)
	}
}
