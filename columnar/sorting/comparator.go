package sorting

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Comparator compares rows of batches of one schema on sort keys, across
// batches. Bind prepares a batch once (typed views of its key columns); Compare
// then compares two rows of bound batches without allocating. A Comparator is
// immutable and safe for concurrent use; a KeyView is too.
type Comparator struct {
	keys  []SortKey
	kinds []colKind
}

// KeyView is a batch's key columns prepared for Compare. It borrows the
// batch's buffers: it is valid while the batch is.
type KeyView struct {
	cols []colView
	rows int
	// prefix[i] is an order-preserving 64-bit encoding of row i's first
	// key (NULL placement and direction applied): rows whose prefixes
	// differ compare as their prefixes do, only ties need the columns.
	prefix []uint64
}

// Rows returns the number of rows of the bound batch.
func (v *KeyView) Rows() int { return v.rows }

// NewComparator returns a comparator for batches of schema on keys.
func NewComparator(schema *arrow.Schema, keys []SortKey) (*Comparator, error) {
	return newComparator(schema, keys)
}

// Keys returns the comparator's sort keys.
func (c *Comparator) Keys() []SortKey { return c.keys }

// Bind returns batch's key columns prepared for Compare. The batch must have
// the comparator's schema (its key columns' types are checked).
func (c *Comparator) Bind(batch arrow.RecordBatch) (*KeyView, error) {
	return c.bind(batch)
}

// Compare compares row i of a with row j of b on the keys: negative when row
// i sorts first, positive when row j does, 0 when their keys are equal. Rows
// out of range panic, as slice indexing does.
func (c *Comparator) Compare(a *KeyView, i int, b *KeyView, j int) int {
	return c.compare(a, i, b, j)
}

// CompareRows is Compare for unbound batches (it binds both; prefer Bind and
// Compare in loops).
func (c *Comparator) CompareRows(a arrow.RecordBatch, i int, b arrow.RecordBatch, j int) (int, error) {
	va, err := c.bind(a)
	if err != nil {
		return 0, err
	}
	vb, err := c.bind(b)
	if err != nil {
		return 0, err
	}
	if err := checkRow(va, i); err != nil {
		return 0, err
	}
	if err := checkRow(vb, j); err != nil {
		return 0, err
	}
	return c.compare(va, i, vb, j), nil
}
