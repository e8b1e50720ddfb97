package rows

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// An ARRAY value (the result of collect_list and collect_set) is stored in
// the variable region as: an int32 count n, n null bytes (1 = NULL), then the
// elements: 8 bytes each for fixed-width element types (as in a slot), or
// for STRING/BINARY elements an int32 length followed by the bytes.
// Element types are the scalar gluten-go types; arrays of arrays are not
// supported. All integers are little-endian.
//
// Precisely: the element kinds whose Kind.Variable is true (STRING, BINARY
// and DECIMAL of precision > 18, whose 16 bytes, low word first, are its
// bytes) are stored as length and bytes; every other kind as an 8-byte slot
// (KindNull elements too, always zero). A NULL element has a zero slot or a
// zero length, so that a list has exactly one encoding (which group keys
// rely on). ListBuilder writes this encoding and ListReader reads it.

// checkListType reports an error for arrays the row format cannot hold.
func checkListType(t arrow.DataType) error {
	lt, ok := t.(*arrow.ListType)
	if !ok {
		return fmt.Errorf("rows: %s is not a list type", t)
	}
	k, err := KindOf(lt.Elem())
	if err != nil {
		return err
	}
	if k == KindList {
		return fmt.Errorf("rows: arrays of arrays are not supported")
	}
	return nil
}

// ElemKind returns the storage kind of a list field's elements.
func (l *Layout) ElemKind(i int) Kind {
	k, _ := KindOf(l.schema.Field(i).Type.(*arrow.ListType).Elem())
	return k
}
