package kube

import (
	"reflect"
	"strconv"
	"strings"
)

// ChildPath is the path of key below path in a value of type t (a struct
// field as .key, a map key as [key]), the type of that value, and its
// strategic merge key when it is a list that merges by key.
func ChildPath(t reflect.Type, path, key string) (string, reflect.Type, string) {
	if t != nil && t.Kind() == reflect.Map {
		return path + "[" + key + "]", t.Elem(), ""
	}
	var ft reflect.Type
	mk := ""
	if t != nil && t.Kind() == reflect.Struct {
		if f, ok := JSONField(t, key); ok {
			ft = f.Type
			if strings.Contains(f.Tag.Get("patchStrategy"), "merge") {
				mk = f.Tag.Get("patchMergeKey")
			}
		}
	}
	if path == "" {
		return key, ft, mk
	}
	return path + "." + key, ft, mk
}

// JSONField is the field of struct t with JSON name, looking into inlined
// structs.
func JSONField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" && (f.Anonymous || strings.Contains(opts, "inline")) {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if r, ok := JSONField(ft, name); ok {
					return r, true
				}
			}
			continue
		}
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// ChangedPaths returns the paths (as Kubernetes writes them) of the values
// that differ between before and after, two decoded JSON trees of an
// object of Go type t: values added, removed or changed, at the deepest
// path that tells them apart. Lists are compared item by item.
func ChangedPaths(before, after any, t reflect.Type) []string {
	var out []string
	changed(before, after, t, "", &out)
	return out
}

func changed(a, b any, t reflect.Type, path string, out *[]string) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for k, bv := range bm {
			sub, ft, _ := ChildPath(t, path, k)
			changed(am[k], bv, ft, sub, out)
		}
		for k, av := range am {
			if _, ok := bm[k]; !ok {
				sub, ft, _ := ChildPath(t, path, k)
				changed(av, nil, ft, sub, out)
			}
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			elem = t.Elem()
		}
		for i := range bl {
			changed(al[i], bl[i], elem, path+"["+strconv.Itoa(i)+"]", out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, path)
	}
}
