package agg

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// GroupTable maps the key tuples of the rows inserted into it to dense group
// ids 0, 1, 2, ... in order of first appearance, with SQL GROUP BY semantics:
// NULL keys form their own group (NULL equals NULL), -0.0 and 0.0 are one
// group, and all NaNs are one group.
//
// The key columns of the groups are kept column-wise in buffers drawn from
// the table's allocator, so the allocator counts the table's memory; Keys
// returns them as Arrow arrays.
//
// Internally the table packs the keys of a row into one 64-bit code when the
// key columns allow it (integers, dates, timestamps, booleans, decimals that
// fit in 64 bits and strings of up to 7 bytes, with ranges that fit together
// in 64 bits) and then indexes a flat array directly (small domains) or
// probes an open-addressing table on the code; other keys are hashed column by
// column and compared against the stored keys. A GroupTable is not safe for
// concurrent use.
type GroupTable struct {
	alloc    memory.Allocator
	keyTypes []arrow.DataType
	impl     *groupTable
}

// NewGroupTable returns an empty table for keys of the given types, which
// must be gluten-go types (see package columnar). No key types at all is
// allowed: every row then belongs to group 0 (a global aggregation).
func NewGroupTable(alloc memory.Allocator, keyTypes []arrow.DataType) (*GroupTable, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: NewGroupTable: nil allocator", ErrInvalid)
	}
	impl, err := newGroupTable(alloc, keyTypes)
	if err != nil {
		return nil, err
	}
	kt := append([]arrow.DataType(nil), keyTypes...)
	return &GroupTable{alloc: alloc, keyTypes: kt, impl: impl}, nil
}

// KeyTypes returns the key types the table was created with.
func (t *GroupTable) KeyTypes() []arrow.DataType { return t.keyTypes }

// Insert looks up the key tuple of every row of keys (one array per key
// column, all of the same length) and writes its group id to groupIDs, which
// must have exactly one element per row. Tuples not seen before get the next
// free ids, in row order. The arrays are borrowed. Invalid arguments (column
// count, types, lengths) are rejected before anything changes; after any
// other error (more than 2^32-2 groups, string keys beyond 2 GiB) the table
// must be Reset or Released.
func (t *GroupTable) Insert(keys []arrow.Array, groupIDs []uint32) error {
	return t.impl.insert(keys, groupIDs)
}

// NumGroups returns the number of groups in the table.
func (t *GroupTable) NumGroups() int { return t.impl.numGroups }

// Keys returns the key columns of all groups, one array per key column with
// NumGroups rows in group-id order. The caller owns (and releases) the
// arrays; they are independent of the table.
func (t *GroupTable) Keys() ([]arrow.Array, error) { return t.impl.keys(t.alloc) }

// MemoryUsage returns the bytes the table holds: its hash and key buffers
// (all drawn from its allocator) plus small Go-heap bookkeeping.
func (t *GroupTable) MemoryUsage() int64 { return t.impl.memoryUsage() }

// Reset removes all groups and frees the table's buffers (after a spill, say);
// the table stays usable and numbers groups from 0 again.
func (t *GroupTable) Reset() { t.impl.reset() }

// Release frees the table's buffers. The table must not be used afterwards.
func (t *GroupTable) Release() { t.impl.reset() }
