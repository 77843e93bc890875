package validate

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mljob/mljob/internal/manifest"
)

// quantityMaps are the maps of quantities in a pod template; quantityFields
// the single quantities.
var (
	quantityMaps   = map[string]bool{"limits": true, "requests": true, "overhead": true}
	quantityFields = map[string]bool{"sizeLimit": true}
)

// findBadQuantity returns the path of the first quantity of doc that does
// not parse. A bad quantity fails decoding with an error that names no
// field, so it is searched for.
func findBadQuantity(doc *manifest.Document) (string, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc.JSON))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", false
	}
	return walkQuantities(v, "", false)
}

func walkQuantities(v any, path string, quantities bool) (string, bool) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if quantities {
				if p := path + "[" + k + "]"; !isQuantity(t[k]) {
					return p, true
				}
				continue
			}
			p := joinPath(path, k)
			if quantityFields[k] && !isQuantity(t[k]) {
				return p, true
			}
			if r, ok := walkQuantities(t[k], p, quantityMaps[k]); ok {
				return r, true
			}
		}
	case []any:
		for i, e := range t {
			if r, ok := walkQuantities(e, path+"["+strconv.Itoa(i)+"]", false); ok {
				return r, true
			}
		}
	}
	return "", false
}

func isQuantity(v any) bool {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	default:
		// Other types fail as type errors, which say where they are.
		return true
	}
	_, err := resource.ParseQuantity(s)
	return err == nil
}
