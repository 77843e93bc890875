// Package input reads what mljob is given (files, standard input) under a
// size limit, so that an input cannot make a run take memory without
// bound. A file over the limit is an error naming it and the limit.
package input

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// DefaultMaxSize is the largest file, or standard input, mljob reads
// unless told otherwise: generous for manifests and workloads (the API
// server accepts objects of at most 3 MiB), small enough to keep a run's
// memory bounded.
const DefaultMaxSize int64 = 64 << 20

// TooLargeError is an input over the size limit.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("larger than %s, the input size limit (--max-input-size, lint.maxInputSize in .mljob.yaml)", SizeString(e.Limit))
}

// Limit returns max, or DefaultMaxSize when max is 0.
func Limit(max int64) int64 {
	if max <= 0 {
		return DefaultMaxSize
	}
	return max
}

// ReadFile reads a file of at most max bytes (0: DefaultMaxSize).
func ReadFile(path string, max int64) ([]byte, error) {
	max = Limit(max)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > max {
		return nil, &TooLargeError{Limit: max}
	}
	return ReadAll(f, max)
}

// ReadAll reads r to its end, at most max bytes (0: DefaultMaxSize).
func ReadAll(r io.Reader, max int64) ([]byte, error) {
	if r == nil {
		return nil, errors.New("no standard input")
	}
	max = Limit(max)
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &TooLargeError{Limit: max}
	}
	return b, nil
}

// SizeString shows a byte count as limits are written: 64 MiB, 512 KiB.
func SizeString(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseSize reads a size: a number of bytes, or a number with a unit (Ki,
// Mi, Gi, KiB, MiB, GiB in powers of 1024; K, M, G, KB, MB, GB in powers
// of 1000), as in "64Mi" or "100MB".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid size %q (want a positive number of bytes, or e.g. 64Mi, 100MB)", s)
	}
	mult := int64(1)
	switch strings.TrimSuffix(strings.ToUpper(unit), "B") {
	case "":
	case "K":
		mult = 1000
	case "M":
		mult = 1000 * 1000
	case "G":
		mult = 1000 * 1000 * 1000
	case "KI":
		mult = 1 << 10
	case "MI":
		mult = 1 << 20
	case "GI":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (want Ki, Mi, Gi, K, M or G)", s, unit)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return n * mult, nil
}
