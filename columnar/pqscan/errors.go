package pqscan

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is) and name the file and, where it applies, the row group and
// column concerned.
var (
	// ErrCorrupt marks a file that is not valid Parquet or whose content
	// contradicts its own metadata. Its text starts "corrupt parquet file".
	ErrCorrupt = errors.New("corrupt parquet file")

	// ErrEncrypted marks a file that uses Parquet modular encryption.
	ErrEncrypted = errors.New("encrypted Parquet files are not supported")

	// ErrUnsupported marks a request for something the reader does not
	// implement, such as reading a column listed by (*File).Unsupported.
	ErrUnsupported = errors.New("unsupported")

	// ErrInvalidArgument marks a bad argument: a row group or column index
	// out of range, a non-positive batch size, and the like.
	ErrInvalidArgument = errors.New("invalid argument")

	// ErrClosed is returned by a reader or file used after Close.
	ErrClosed = errors.New("pqscan: use after close")
)

// corruptf builds an error wrapping ErrCorrupt: `corrupt parquet file NAME: ...`.
func corruptf(name, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", ErrCorrupt, name, fmt.Sprintf(format, args...))
}

// corruptWrap wraps cause (which may be a parquet-go error) as corruption of
// file name, keeping cause in the chain.
func corruptWrap(name string, cause error, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s: %w", ErrCorrupt, name, fmt.Sprintf(format, args...), cause)
}

// panicError turns a recovered panic value into a corruption error. Panics
// inside parquet-go (and any slice bound our own checks missed) are caused by
// malformed input.
func panicError(name string, where string, r any) error {
	if err, ok := r.(error); ok {
		return fmt.Errorf("%w %s: %s: decoder panicked: %w", ErrCorrupt, name, where, err)
	}
	return fmt.Errorf("%w %s: %s: decoder panicked: %v", ErrCorrupt, name, where, r)
}
