package workload

import (
	"fmt"
	"regexp"

	"k8s.io/apimachinery/pkg/api/resource"
)

// MinSize is the smallest memory or storage size the language accepts:
// anything less is a unit mistake (4096 is 4 KiB, "16m" 16 millibytes),
// never a container's real need.
const MinSize = 1 << 20

// Problem is something wrong with one field of a workload or profile.
type Problem struct {
	// Field is the dotted path of the field, e.g. "resources.memory".
	Field string
	Msg   string
}

// quantityParts splits a quantity into its number and its suffix (unit
// or exponent).
var quantityParts = regexp.MustCompile(`^([+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$`)

// CheckSize checks a size in bytes (memory, ephemeral storage, /dev/shm,
// a volume): a quantity with a unit, not in millibytes, at least 1Mi. It
// returns "" or what is wrong, with the size the user most likely meant.
func CheckSize(q Quantity) string {
	v, err := resource.ParseQuantity(string(q))
	if err != nil {
		return fmt.Sprintf("invalid quantity %q", string(q))
	}
	if v.Sign() <= 0 {
		return fmt.Sprintf("%s must be more than 0", string(q))
	}
	m := quantityParts.FindStringSubmatch(string(q))
	num, unit := string(q), ""
	if m != nil {
		num, unit = m[1], m[2]
	}
	switch {
	case unit == "":
		if v.Value() >= MinSize {
			// A plain byte count: say it with a unit.
			return fmt.Sprintf("%s has no unit, so it is %s bytes; write the unit, e.g. %q", string(q), string(q), withUnit(v))
		}
		return fmt.Sprintf("%s has no unit, so it is %s bytes; did you mean %q?", string(q), string(q), num+"Mi")
	case unit == "m":
		return fmt.Sprintf("%q is %s millibytes (m is milli, Mi is mebibytes); did you mean %q?", string(q), num, num+"Mi")
	case v.Cmp(*resource.NewQuantity(MinSize, resource.BinarySI)) < 0:
		return fmt.Sprintf("%q is less than 1Mi, too little for any container; did you mean %q?", string(q), num+"Mi")
	}
	return ""
}

// withUnit writes a byte count with the largest unit that divides it.
func withUnit(v resource.Quantity) string {
	n := v.Value()
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"Ti", 1 << 40}, {"Gi", 1 << 30}, {"Mi", 1 << 20}, {"T", 1e12}, {"G", 1e9}, {"M", 1e6}} {
		if n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.suffix)
		}
	}
	return fmt.Sprintf("%dMi", n>>20)
}

// checkPositive checks a quantity that must be more than zero (CPU).
func checkPositive(q Quantity) string {
	v, err := resource.ParseQuantity(string(q))
	if err != nil {
		return fmt.Sprintf("invalid quantity %q", string(q))
	}
	if v.Sign() <= 0 {
		return fmt.Sprintf("%s must be more than 0", string(q))
	}
	return ""
}

// CheckCPUFits returns a warning when a CPU quantity is more than the
// largest node has: such a pod is never scheduled. A bare number that
// large was most likely meant in millicores.
func CheckCPUFits(q, largest Quantity) string {
	v, err1 := resource.ParseQuantity(string(q))
	l, err2 := resource.ParseQuantity(string(largest))
	if err1 != nil || err2 != nil || largest == "" || v.Cmp(l) <= 0 {
		return ""
	}
	msg := fmt.Sprintf("cpu %q is more than the %s CPUs of the profile's largest node (largestNode.cpu): no node can run it", string(q), l.String())
	if m := quantityParts.FindStringSubmatch(string(q)); m != nil && m[2] == "" {
		msg += fmt.Sprintf("; did you mean %q?", m[1]+"m")
	}
	return msg
}

// CheckMemoryFits returns a warning when a memory quantity is more than
// the largest node has.
func CheckMemoryFits(q, largest Quantity) string {
	v, err1 := resource.ParseQuantity(string(q))
	l, err2 := resource.ParseQuantity(string(largest))
	if err1 != nil || err2 != nil || largest == "" || v.Cmp(l) <= 0 {
		return ""
	}
	return fmt.Sprintf("memory %q is more than the %s of the profile's largest node (largestNode.memory): no node can run it", string(q), l.String())
}
