package workload

import "testing"

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"30s", 30, false},
		{"90m", 5400, false},
		{"6h", 21600, false},
		{"1h30m", 5400, false},
		{"2d", 172800, false},
		{"1d2h3m4s", 93784, false},
		{"0s", 0, false},
		{"", 0, true},
		{"h", 0, true},
		{"1.5h", 0, true},
		{"1x", 0, true},
		{"3m1h", 0, true},
	} {
		got, err := ParseDuration(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// FormatDuration is ParseDuration's inverse.
func TestFormatDuration(t *testing.T) {
	for secs, want := range map[int64]string{0: "0s", 30: "30s", 5400: "1h30m", 86400: "1d", 93784: "1d2h3m4s", 3600: "1h"} {
		got := FormatDuration(secs)
		if got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", secs, got, want)
		}
		if back, err := ParseDuration(got); err != nil || back != secs {
			t.Errorf("ParseDuration(%q) = %d, %v", got, back, err)
		}
	}
}
