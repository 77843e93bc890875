package render

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchangeDirs swaps two directories in one system call.
func exchangeDirs(a, b string) error {
	err := unix.RenamexNp(a, b, unix.RENAME_SWAP)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOTSUP), errors.Is(err, unix.EINVAL), errors.Is(err, unix.EXDEV), errors.Is(err, unix.EBUSY), errors.Is(err, unix.EPERM):
		return errNoExchange
	}
	return err
}
