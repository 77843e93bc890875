package workload

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Env is the `env` field: the variables in the order they are written.
// Order is meaning: Kubernetes expands $(NAME) in a value only from the
// variables listed before it.
type Env []EnvVar

// EnvVar is one variable of Env.
type EnvVar struct {
	Name  string
	Value EnvValue
}

// Get returns the variable named name.
func (e Env) Get(name string) (EnvValue, bool) {
	for _, v := range e {
		if v.Name == name {
			return v.Value, true
		}
	}
	return EnvValue{}, false
}

// Without returns e less the variable named name (nil when none is left).
func (e Env) Without(name string) Env {
	var out Env
	for _, v := range e {
		if v.Name != name {
			out = append(out, v)
		}
	}
	return out
}

// UnmarshalJSON reads a JSON object, keeping the order of its keys.
func (e *Env) UnmarshalJSON(b []byte) error {
	var out Env
	err := decodeObject(b, func(key string, raw json.RawMessage) error {
		var v EnvValue
		if err := v.UnmarshalJSON(raw); err != nil {
			return fmt.Errorf("env.%s: %w", key, err)
		}
		out = append(out, EnvVar{Name: key, Value: v})
		return nil
	})
	*e = out
	return err
}

// MarshalJSON writes a JSON object, keys in order.
func (e Env) MarshalJSON() ([]byte, error) {
	return encodeObject(len(e), func(i int) (string, any) { return e[i].Name, e[i].Value })
}

// SweepGrid is the `sweep` grid: parameters, and each one's values, in the
// order written.
type SweepGrid []SweepParam

// SweepParam is one parameter of a sweep and its values.
type SweepParam struct {
	Name   string
	Values []Scalar
}

// Points returns the number of points of the grid (0 for no grid).
func (s SweepGrid) Points() int64 {
	if len(s) == 0 {
		return 0
	}
	n := int64(1)
	for _, p := range s {
		n *= int64(len(p.Values))
		if n > 1<<40 {
			return n
		}
	}
	return n
}

// UnmarshalJSON reads a JSON object of lists, keeping the order of keys.
func (s *SweepGrid) UnmarshalJSON(b []byte) error {
	var out SweepGrid
	err := decodeObject(b, func(key string, raw json.RawMessage) error {
		var vals []Scalar
		if err := json.Unmarshal(raw, &vals); err != nil {
			return fmt.Errorf("sweep.%s: %w", key, err)
		}
		out = append(out, SweepParam{Name: key, Values: vals})
		return nil
	})
	*s = out
	return err
}

// MarshalJSON writes a JSON object, keys in order.
func (s SweepGrid) MarshalJSON() ([]byte, error) {
	return encodeObject(len(s), func(i int) (string, any) { return s[i].Name, s[i].Values })
}

// decodeObject calls fn for each key of the JSON object b, in order. A
// key given twice is an error: JSON from CUE never has one.
func decodeObject(b []byte, fn func(key string, raw json.RawMessage) error) error {
	d := json.NewDecoder(bytes.NewReader(b))
	t, err := d.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil // null
	}
	if delim, ok := t.(json.Delim); !ok || delim != '{' {
		return fmt.Errorf("want an object, got %s", bytes.TrimSpace(b))
	}
	seen := map[string]bool{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		if seen[key] {
			return fmt.Errorf("key %q given twice", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return err
		}
		if err := fn(key, raw); err != nil {
			return err
		}
	}
	_, err = d.Token()
	return err
}

// encodeObject writes n key/value pairs as a JSON object, in order.
func encodeObject(n int, kv func(i int) (string, any)) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := range n {
		k, v := kv(i)
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
