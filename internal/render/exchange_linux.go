package render

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchangeDirs swaps two directories in one system call.
func exchangeDirs(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EINVAL), errors.Is(err, unix.EXDEV),
		errors.Is(err, unix.EBUSY), errors.Is(err, unix.EPERM), errors.Is(err, unix.ENOTSUP):
		// An old kernel, a file system without RENAME_EXCHANGE, a mount
		// point.
		return errNoExchange
	}
	return err
}
