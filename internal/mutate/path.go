package mutate

import (
	"strconv"
	"strings"
)

// entry is one mapping entry or sequence item of a document.
type entry struct {
	// path reads as Kubernetes field paths do: keys after dots, items and
	// keys with dots or slashes in brackets.
	path string
	// key is the entry's key ("" for items).
	key    string
	parent *Node
	i      int
}

func (e entry) val() *Node {
	if e.parent.Kind == Map {
		return e.parent.Vals[e.i]
	}
	return e.parent.Items[e.i]
}

func (e entry) set(v *Node) {
	if e.parent.Kind == Map {
		e.parent.Vals[e.i] = v
		return
	}
	e.parent.Items[e.i] = v
}

func (e entry) del() {
	if e.parent.Kind == Map {
		e.parent.Keys = append(e.parent.Keys[:e.i], e.parent.Keys[e.i+1:]...)
		e.parent.Vals = append(e.parent.Vals[:e.i], e.parent.Vals[e.i+1:]...)
		return
	}
	e.parent.Items = append(e.parent.Items[:e.i], e.parent.Items[e.i+1:]...)
}

// entries lists every entry of root, depth first, in document order.
// The same document gives the same list, so an entry is found again in
// a clone by its place in the list.
func entries(root *Node) []entry {
	var out []entry
	var walk func(n *Node, prefix string)
	walk = func(n *Node, prefix string) {
		switch n.Kind {
		case Map:
			for i, k := range n.Keys {
				p := joinKey(prefix, k.Text())
				out = append(out, entry{path: p, key: k.Text(), parent: n, i: i})
				walk(n.Vals[i], p)
			}
		case Seq:
			for i, it := range n.Items {
				p := prefix + "[" + strconv.Itoa(i) + "]"
				out = append(out, entry{path: p, parent: n, i: i})
				walk(it, p)
			}
		}
	}
	walk(root, "")
	return out
}

func joinKey(prefix, key string) string {
	if strings.ContainsAny(key, "./ ") || key == "" {
		return prefix + "[" + key + "]"
	}
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// at finds the node at a dotted path of keys and [i] indexes, or nil.
func at(root *Node, path string) *Node {
	n := root
	for _, seg := range splitPath(path) {
		if n == nil {
			return nil
		}
		if i, err := strconv.Atoi(seg); err == nil && n.Kind == Seq {
			if i >= len(n.Items) {
				return nil
			}
			n = n.Items[i]
			continue
		}
		n = n.Get(seg)
	}
	return n
}

// ensure returns the mapping at path, creating mappings on the way.
func ensure(root *Node, path string) *Node {
	n := root
	for _, seg := range splitPath(path) {
		if i, err := strconv.Atoi(seg); err == nil && n.Kind == Seq {
			n = n.Items[i]
			continue
		}
		next := n.Get(seg)
		if next == nil || next.Kind != Map {
			next = EmptyMap()
			n.Put(seg, next)
		}
		n = next
	}
	return n
}

func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	path = strings.ReplaceAll(path, "[", ".")
	path = strings.ReplaceAll(path, "]", "")
	return strings.Split(path, ".")
}
