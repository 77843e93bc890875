package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseWindow reads a window length: hours or days ("24h", "7d", "36h"),
// a whole number of hours from 1h to MaxWindow.
func ParseWindow(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q: want hours or days such as 24h or 7d, at most %s", s, maxWindowWords())
	var d time.Duration
	switch {
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
	default:
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < time.Hour || d > MaxWindow || d%time.Hour != 0 {
		return 0, bad
	}
	return d, nil
}

func maxWindowWords() string { return fmt.Sprintf("%dd", MaxWindow/(24*time.Hour)) }

// ParseFrom reads the start of the schedule: an RFC 3339 time
// ("2026-03-28T00:00:00Z", "2026-03-28T02:00:00+01:00") or a date
// ("2026-03-28": its midnight in loc).
func ParseFrom(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time such as 2026-03-28T00:00:00Z, or a date such as 2026-03-28", s)
}

// ParseTimeZone reads an IANA time zone name ("UTC", "Europe/Berlin"),
// or "Local" for the machine's.
func ParseTimeZone(s string) (*time.Location, error) {
	if s == "" {
		return nil, fmt.Errorf("empty time zone: want an IANA name such as UTC or Europe/Berlin")
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as UTC or Europe/Berlin", s)
	}
	return loc, nil
}

// ParseCapacity reads capacities written TYPE=N ("h100=16"), TYPE a GPU
// type as the plan names them.
func ParseCapacity(list []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, s := range list {
		i := strings.LastIndexByte(s, '=')
		if i <= 0 {
			return nil, fmt.Errorf("%q: want TYPE=N, such as h100=16", s)
		}
		typ := s[:i]
		n, err := strconv.ParseInt(s[i+1:], 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q: want TYPE=N with N a whole number of GPUs, such as h100=16", s)
		}
		if _, dup := out[typ]; dup {
			return nil, fmt.Errorf("%q: the capacity of %s is given twice", s, typ)
		}
		out[typ] = n
	}
	return out, nil
}
