package sorting

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/apache/arrow-go/v18/arrow"
)

func newComparator(schema *arrow.Schema, keys []SortKey) (*Comparator, error) {
	if schema == nil {
		return nil, fmt.Errorf("%w: NewComparator: nil schema", ErrInvalid)
	}
	kinds, err := resolveKeys(schema.Fields(), keys)
	if err != nil {
		return nil, err
	}
	return &Comparator{keys: append([]SortKey(nil), keys...), kinds: kinds}, nil
}

func (c *Comparator) bind(batch arrow.RecordBatch) (*KeyView, error) {
	v, err := c.bindCols(batch)
	if err == nil && len(v.cols) > 0 {
		v.prefix = prefixOf(&v.cols[0], v.rows)
	}
	return v, err
}

// bindCols binds the key columns without computing prefixes (for callers
// that compare each row only once or twice).
func (c *Comparator) bindCols(batch arrow.RecordBatch) (*KeyView, error) {
	if batch == nil {
		return nil, fmt.Errorf("%w: Comparator.Bind: nil batch", ErrInvalid)
	}
	cols, err := viewsOf(batch, c.keys, c.kinds)
	if err != nil {
		return nil, err
	}
	return &KeyView{cols: cols, rows: int(batch.NumRows())}, nil
}

func (c *Comparator) compare(a *KeyView, i int, b *KeyView, j int) int {
	if a.prefix != nil && b.prefix != nil {
		if pa, pb := a.prefix[i], b.prefix[j]; pa != pb {
			if pa < pb {
				return -1
			}
			return 1
		}
	}
	return cmpCols(a.cols, i, b.cols, j, 0)
}

// prefixOf encodes the first key of n rows of c as order-preserving uint64s
// (equal values give equal prefixes; different values may too). NULLs
// encode as 0 (NULLS FIRST) or the maximum, which sorts them correctly
// against every value, ties included, once the columns break the tie.
func prefixOf(c *colView, n int) []uint64 {
	p := make([]uint64, n)
	nullCode := uint64(math.MaxUint64)
	if c.nullsFirst {
		nullCode = 0
	}
	if c.allNull || c.kind == kNull {
		for i := range p {
			p[i] = nullCode
		}
		return p
	}
	switch c.kind {
	case kBool:
		for i := range p {
			if bitutil.BitIsSet(c.bits, c.boff+i) {
				p[i] = 1
			}
		}
	case kInt32:
		for i, x := range c.i32[:n] {
			p[i] = uint64(uint32(x) ^ 0x80000000)
		}
	case kInt64:
		for i, x := range c.i64[:n] {
			p[i] = uint64(x) ^ (1 << 63)
		}
	case kFloat64:
		for i, x := range c.f64[:n] {
			p[i] = encodeF64(x)
		}
	case kDecimal:
		// Saturating: values beyond int64 tie with the int64 extremes.
		for i, x := range c.dec[:n] {
			switch {
			case x.HighBits() == int64(x.LowBits())>>63:
				p[i] = x.LowBits() ^ (1 << 63)
			case x.HighBits() < 0:
				p[i] = 0
			default:
				p[i] = math.MaxUint64
			}
		}
	case kBytes:
		for i := range p {
			p[i] = encodeBytes(c.data, int(c.offs[i]), int(c.offs[i+1]))
		}
	}
	if c.desc {
		for i := range p {
			p[i] = ^p[i]
		}
	}
	if c.valid != nil {
		for i := range p {
			if !bitutil.BitIsSet(c.valid, c.voff+i) {
				p[i] = nullCode
			}
		}
	}
	return p
}

func checkRow(v *KeyView, i int) error {
	if i < 0 || i >= v.rows {
		return fmt.Errorf("%w: row %d out of range [0, %d)", ErrInvalid, i, v.rows)
	}
	return nil
}
