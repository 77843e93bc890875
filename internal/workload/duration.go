package workload

import (
	"fmt"
	"strings"
)

// ParseDuration parses a duration of the language, "1d2h3m4s" (each part
// optional, in that order), into seconds.
func ParseDuration(d string) (int64, error) {
	if d == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total int64
	rest := d
	for _, u := range durationUnits {
		i := strings.IndexByte(rest, u.suffix)
		if i < 0 {
			continue
		}
		var n int64
		if i == 0 {
			return 0, fmt.Errorf("invalid duration %q", d)
		}
		for _, c := range rest[:i] {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("invalid duration %q (use d, h, m and s, e.g. 1h30m)", d)
			}
			n = n*10 + int64(c-'0')
			if n > 1<<40 {
				return 0, fmt.Errorf("duration %q is too long", d)
			}
		}
		total += n * u.secs
		rest = rest[i+1:]
	}
	if rest != "" {
		return 0, fmt.Errorf("invalid duration %q (use d, h, m and s, e.g. 1h30m)", d)
	}
	return total, nil
}

// FormatDuration writes seconds as a duration of the language, the
// inverse of ParseDuration: 5400 is "1h30m", 0 is "0s".
func FormatDuration(secs int64) string {
	if secs <= 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range durationUnits {
		if secs >= u.secs {
			fmt.Fprintf(&b, "%d%c", secs/u.secs, u.suffix)
			secs %= u.secs
		}
	}
	return b.String()
}

var durationUnits = []struct {
	suffix byte
	secs   int64
}{{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}
