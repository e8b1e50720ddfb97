package agg

import "errors"

// ErrInvalid is wrapped by the errors returned for invalid arguments: wrong
// types, mismatched lengths, group ids out of range.
var ErrInvalid = errors.New("agg: invalid argument")

// ErrUnsupported is wrapped by the errors returned for a type or aggregate
// the kernels do not support.
var ErrUnsupported = errors.New("agg: unsupported")
