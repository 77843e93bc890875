package manifest

import (
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// kubectl turns YAML into JSON with sigs.k8s.io/yaml, which reads YAML 1.1
// (go-yaml v2): "yes", "on" and "y" are booleans, "0755" is octal. The
// nodes come from go-yaml v3 (for positions and duplicate keys), so plain
// scalars are resolved here the way v2 resolves them, or the JSON the
// checks see would differ from what the API server receives.

// scalarKind is what a scalar resolves to.
type scalarKind int

const (
	kindString scalarKind = iota
	kindNull
	kindBool
	kindInt
	kindFloat
	kindMerge
	// kindError is a tagged value v2 refuses (!!int "x"); s says why.
	kindError
)

type scalar struct {
	kind scalarKind
	s    string // kindString, kindError
	b    bool
	i    int64
	u    uint64 // an int above MaxInt64
	big  bool   // u is set
	f    float64
	// timestamp marks a string that v2 resolves as a timestamp (and then
	// hands over as its text).
	timestamp bool
}

// tag is the YAML tag v2 gives the value, for its error messages.
func (v scalar) tag() string {
	switch v.kind {
	case kindNull:
		return "!!null"
	case kindBool:
		return "!!bool"
	case kindInt:
		return "!!int"
	case kindFloat:
		return "!!float"
	case kindMerge:
		return "!!merge"
	}
	if v.timestamp {
		return "!!timestamp"
	}
	return "!!str"
}

var yaml11 = map[string]scalar{}

func init() {
	for _, s := range []string{"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"} {
		yaml11[s] = scalar{kind: kindBool, b: true}
	}
	for _, s := range []string{"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"} {
		yaml11[s] = scalar{kind: kindBool, b: false}
	}
	for _, s := range []string{"", "~", "null", "Null", "NULL"} {
		yaml11[s] = scalar{kind: kindNull}
	}
	for _, s := range []string{".nan", ".NaN", ".NAN"} {
		yaml11[s] = scalar{kind: kindFloat, f: math.NaN()}
	}
	for _, s := range []string{".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"} {
		yaml11[s] = scalar{kind: kindFloat, f: math.Inf(1)}
	}
	for _, s := range []string{"-.inf", "-.Inf", "-.INF"} {
		yaml11[s] = scalar{kind: kindFloat, f: math.Inf(-1)}
	}
	yaml11["<<"] = scalar{kind: kindMerge}
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// nonSpecific is the tag this package gives a plain scalar written with
// the non-specific tag "!" (v3 resolves it as if untagged; v2, and so
// kubectl, keeps the text).
const nonSpecific = "!"

// explicitTag returns the tag written on n, or "".
func explicitTag(n *yaml.Node) string {
	if n.Style&yaml.TaggedStyle == 0 {
		return ""
	}
	if n.Tag == nonSpecific {
		return nonSpecific
	}
	return n.ShortTag()
}

// resolve returns what a scalar node means to go-yaml v2, which kubectl
// decodes YAML with: untagged plain scalars as YAML 1.1, explicit tags
// applied (!!int "12" is 12, !!binary decoded), a value a tag does not fit
// refused.
func resolve(n *yaml.Node) scalar {
	tag := explicitTag(n)
	if tag == "" {
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return scalar{kind: kindString, s: n.Value}
		}
		return resolveV2("", n.Value)
	}
	switch tag {
	case "!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp":
	case "!!binary":
		b, err := base64.StdEncoding.DecodeString(n.Value)
		if err != nil {
			return scalar{kind: kindError, s: "!!binary value contains invalid base64 data"}
		}
		return scalar{kind: kindString, s: string(b)}
	default:
		// Other tags (!foo, !!merge on a value, "!") keep the text.
		return scalar{kind: kindString, s: n.Value}
	}
	v := resolveV2(tag, n.Value)
	switch rtag := v.tag(); {
	case tag == "!!str":
		return scalar{kind: kindString, s: n.Value}
	case tag == rtag:
		if v.timestamp {
			v.timestamp = false
		}
		return v
	case tag == "!!float" && v.kind == kindInt:
		f := float64(v.i)
		if v.big {
			f = float64(v.u)
		}
		return scalar{kind: kindFloat, f: f}
	default:
		return scalar{kind: kindError, s: fmt.Sprintf("cannot decode %s `%s` as a %s", rtag, n.Value, tag)}
	}
}

// resolveV2 is go-yaml v2's resolve: what in means under tag ("" for a
// plain scalar without tag).
func resolveV2(tag, in string) scalar {
	if tag == "!!str" {
		return scalar{kind: kindString, s: in}
	}
	if in == "" {
		return scalar{kind: kindNull}
	}
	switch c := in[0]; {
	case c == '+' || c == '-' || c >= '0' && c <= '9':
	case c == '.' || strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		if v, ok := yaml11[in]; ok {
			return v
		}
		if c == '.' {
			if f, err := strconv.ParseFloat(in, 64); err == nil {
				return scalar{kind: kindFloat, f: f}
			}
		}
		return scalar{kind: kindString, s: in}
	default:
		return scalar{kind: kindString, s: in}
	}
	if v, ok := yaml11[in]; ok {
		return v
	}
	// Timestamps stay strings: v2 decodes them into interface{} as text.
	if tag == "" || tag == "!!timestamp" {
		if isTimestamp(in) {
			return scalar{kind: kindString, s: in, timestamp: true}
		}
	}
	plain := strings.ReplaceAll(in, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return scalar{kind: kindInt, i: i}
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return scalar{kind: kindInt, u: u, big: true}
	}
	if yamlStyleFloat.MatchString(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return scalar{kind: kindFloat, f: f}
		}
	}
	if rest, ok := strings.CutPrefix(plain, "0b"); ok {
		if i, err := strconv.ParseInt(rest, 2, 64); err == nil {
			return scalar{kind: kindInt, i: i}
		}
		if u, err := strconv.ParseUint(rest, 2, 64); err == nil {
			return scalar{kind: kindInt, u: u, big: true}
		}
	} else if rest, ok := strings.CutPrefix(plain, "-0b"); ok {
		if i, err := strconv.ParseInt("-"+rest, 2, 64); err == nil {
			return scalar{kind: kindInt, i: i}
		}
	}
	return scalar{kind: kindString, s: in}
}

var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, f := range timestampFormats {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

// keyString is a mapping key as sigs.k8s.io/yaml turns it into a JSON
// object key; ok is false for keys JSON cannot have (null, mappings).
func keyString(n *yaml.Node) (string, bool) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	v := resolve(n)
	switch v.kind {
	case kindString:
		return v.s, true
	case kindBool:
		return strconv.FormatBool(v.b), true
	case kindInt:
		if v.big {
			return strconv.FormatUint(v.u, 10), true
		}
		return strconv.FormatInt(v.i, 10), true
	case kindFloat:
		s := strconv.FormatFloat(v.f, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s, true
	case kindMerge:
		return "<<", true
	}
	return "", false
}
