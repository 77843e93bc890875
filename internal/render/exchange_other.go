//go:build !linux && !darwin

package render

// exchangeDirs: this system cannot swap directories atomically; the files
// are switched one by one (see switch.go).
func exchangeDirs(a, b string) error { return errNoExchange }
