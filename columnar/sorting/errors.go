package sorting

import "errors"

// ErrInvalid is wrapped by the errors returned for invalid arguments: a key
// column out of range, an index out of range, mismatched schemas.
var ErrInvalid = errors.New("sorting: invalid argument")

// ErrUnsupported is wrapped by the errors returned for a column type the
// kernels do not support.
var ErrUnsupported = errors.New("sorting: unsupported")
