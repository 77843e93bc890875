package validate

import (
	"fmt"
	"strconv"
	"strings"

	baseversion "k8s.io/component-base/version"
)

// Version is a Kubernetes minor release.
type Version struct{ Major, Minor int }

// ValidationVersion is the release whose validation code is built in (the
// k8s.io/kubernetes module): api-validation answers as its API server.
var ValidationVersion = MustParseVersion(baseversion.DefaultKubeBinaryVersion)

// MinVersion is the oldest --kube-version accepted: batch/v1 CronJob and
// the fields tracked by the kube-version rule all came after it.
var MinVersion = Version{1, 16}

// ParseVersion parses "1.30", "v1.30" or "1.30.2".
func ParseVersion(s string) (Version, error) {
	t := strings.TrimPrefix(s, "v")
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("invalid Kubernetes version %q (want MAJOR.MINOR, e.g. 1.30)", s)
	}
	var v Version
	var err error
	if v.Major, err = strconv.Atoi(parts[0]); err != nil || v.Major != 1 {
		return Version{}, fmt.Errorf("invalid Kubernetes version %q (want MAJOR.MINOR, e.g. 1.30)", s)
	}
	for _, p := range parts[1:] {
		if n, err := strconv.Atoi(p); err != nil || n < 0 {
			return Version{}, fmt.Errorf("invalid Kubernetes version %q (want MAJOR.MINOR, e.g. 1.30)", s)
		}
	}
	v.Minor, _ = strconv.Atoi(parts[1])
	return v, nil
}

// MustParseVersion is ParseVersion for constants.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// IsZero reports whether v is unset ("never").
func (v Version) IsZero() bool { return v == Version{} }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }
