package policy

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// objectCache is the topdown.VirtualCache of the evaluations of every rule
// on one object. Values under data.mljob.lib (documents and function calls)
// are kept across rules: the library reads input.object and input.file
// only, which are the same for every rule, and users cannot add to it (see
// TestLibReadsNoParams). Everything else, a rule's own documents above all,
// depends on input.params and is forgotten when the next rule starts.
// `with` pushes a frame on both, so values computed under a replaced input
// go when it does.
type objectCache struct {
	lib, rule topdown.VirtualCache
}

func newObjectCache() *objectCache {
	return &objectCache{lib: topdown.NewVirtualCache(), rule: topdown.NewVirtualCache()}
}

// nextRule forgets what the last rule computed, but the library's values.
func (c *objectCache) nextRule() { c.rule = topdown.NewVirtualCache() }

func (c *objectCache) pick(ref ast.Ref) topdown.VirtualCache {
	// A function call is cached under [function ref, args...].
	if len(ref) > 0 {
		if fn, ok := ref[0].Value.(ast.Ref); ok {
			ref = fn
		}
	}
	if ref.HasPrefix(libRoot) {
		return c.lib
	}
	return c.rule
}

func (c *objectCache) Push() { c.lib.Push(); c.rule.Push() }

func (c *objectCache) Pop() { c.lib.Pop(); c.rule.Pop() }

func (c *objectCache) Get(ref ast.Ref) (*ast.Term, bool) { return c.pick(ref).Get(ref) }

func (c *objectCache) Put(ref ast.Ref, value *ast.Term) { c.pick(ref).Put(ref, value) }

func (c *objectCache) Keys() []ast.Ref { return append(c.lib.Keys(), c.rule.Keys()...) }
