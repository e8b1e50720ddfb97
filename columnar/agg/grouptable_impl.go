package agg

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type tableMode uint8

const (
	modeNoKeys tableMode = iota // no key columns: one group
	modePacked                  // keys packed into one uint64 code
	modeHashed                  // keys hashed and compared column by column
)

const (
	maxGroups    = math.MaxUint32 - 1
	minSlots     = 1024
	directAlways = 1 << 20 // direct tables up to this many codes are always used
	directMax    = 1 << 24 // ... and never above this many
	directPerGrp = 8       // ... and in between at most this many codes per group
)

// colEnc is how one key column contributes to the packed code. A column's
// code is 0 for NULL (when nullable, and then every value's code is shifted
// by 1); for integer-like columns (bool, int32, date, int64, timestamp,
// decimals that fit in 64 bits) it is value-lo, for strings of at most
// maxLen (<= 7) bytes it is len + (maxLen+1)*pack(bytes), pack reading the
// bytes as a little-endian integer. A row's code is sum(code_c * mult_c),
// mult_c being the product of the ranges of the columns before c (mixed
// radix), so distinct key tuples get distinct codes below the total range.
type colEnc struct {
	nullable bool
	empty    bool // no value seen yet: lo, hi meaningless
	lo, hi   int64
	maxLen   int
	rng      uint64 // codes of this column; 0 means 2^64
	mult     uint64
}

// colStats summarizes one key column of a batch.
type colStats struct {
	hasNull  bool
	any      bool // a non-NULL value
	lo, hi   int64
	maxLen   int
	packable bool
}

type groupTable struct {
	alloc     memory.Allocator
	types     []arrow.DataType
	kinds     []kind
	stores    []keyStore
	numGroups int
	mode      tableMode
	startMode tableMode

	// modePacked
	enc    []colEnc
	encSet bool
	total  uint64 // product of the ranges; 0 means 2^64
	direct bool
	dir    growBuf // direct: uint32 group id+1 per code
	// slots is the open-addressing table (linear probing, power-of-two
	// size, at most half full): in modePacked {code, id+1} pairs of uint64,
	// in modeHashed one uint64 per slot: the hash's high 32 bits | id+1.
	// 0 marks an empty slot.
	slots  growBuf
	nslots int
	shift  uint    // modePacked: 64 - log2(nslots)
	ghash  growBuf // modeHashed: the hash of every group
	seed   maphash.Seed
	// directAlways is the number of codes up to which a direct table is
	// always used (a field so that tests can lower it).
	directAlways uint64

	// per-batch scratch (Go heap)
	cols    []colData
	views   []colData
	stats   []colStats
	codes   []uint64
	newRows []int32
}

func newGroupTable(alloc memory.Allocator, keyTypes []arrow.DataType) (*groupTable, error) {
	t := &groupTable{alloc: alloc, seed: maphash.MakeSeed(), directAlways: directAlways}
	t.types = append([]arrow.DataType(nil), keyTypes...)
	t.kinds = make([]kind, len(keyTypes))
	t.stores = make([]keyStore, len(keyTypes))
	t.startMode = modePacked
	if len(keyTypes) == 0 {
		t.startMode = modeNoKeys
	}
	for i, kt := range keyTypes {
		k, err := kindOf(kt)
		if err != nil {
			return nil, fmt.Errorf("NewGroupTable: key %d: %w", i, err)
		}
		t.kinds[i] = k
		t.stores[i] = keyStore{kind: k, typ: kt}
		if k == kFloat64 {
			t.startMode = modeHashed
		}
	}
	t.mode = t.startMode
	t.enc = make([]colEnc, len(keyTypes))
	t.cols = make([]colData, len(keyTypes))
	t.views = make([]colData, len(keyTypes))
	t.stats = make([]colStats, len(keyTypes))
	return t, nil
}

func (t *groupTable) reset() {
	for i := range t.stores {
		t.stores[i].free()
	}
	t.dir.free()
	t.slots.free()
	t.ghash.free()
	t.numGroups = 0
	t.mode = t.startMode
	t.encSet = false
	t.direct = false
	t.nslots = 0
	clear(t.enc)
	clear(t.cols)
	clear(t.views)
	t.codes, t.newRows = nil, nil
}

func (t *groupTable) memoryUsage() int64 {
	n := t.dir.capacity() + t.slots.capacity() + t.ghash.capacity()
	for i := range t.stores {
		n += t.stores[i].memory()
	}
	n += int64(cap(t.codes))*8 + int64(cap(t.newRows))*4
	return n
}

func (t *groupTable) keys(alloc memory.Allocator) ([]arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: GroupTable.Keys: nil allocator", ErrInvalid)
	}
	out := make([]arrow.Array, len(t.stores))
	for i := range t.stores {
		out[i] = t.stores[i].toArray(alloc)
	}
	return out, nil
}

func (t *groupTable) insert(keys []arrow.Array, ids []uint32) error {
	if len(keys) != len(t.kinds) {
		return fmt.Errorf("%w: GroupTable.Insert: %d key columns, the table has %d", ErrInvalid, len(keys), len(t.kinds))
	}
	n := len(ids)
	for i, a := range keys {
		if a == nil {
			return fmt.Errorf("%w: GroupTable.Insert: key column %d is nil", ErrInvalid, i)
		}
		if !arrow.TypeEqual(a.DataType(), t.types[i]) {
			return fmt.Errorf("%w: GroupTable.Insert: key column %d has type %s, the table's is %s", ErrInvalid, i, a.DataType(), t.types[i])
		}
		if a.Len() != n {
			return fmt.Errorf("%w: GroupTable.Insert: key column %d has %d rows, groupIDs has %d", ErrInvalid, i, a.Len(), n)
		}
	}
	if n == 0 {
		return nil
	}
	if t.numGroups > maxGroups-n {
		return fmt.Errorf("%w: GroupTable.Insert: more than %d groups", ErrUnsupported, maxGroups)
	}
	if t.mode == modeNoKeys {
		clear(ids)
		t.numGroups = 1
		return nil
	}
	for i, a := range keys {
		t.cols[i] = viewOf(a, t.kinds[i])
	}
	defer clear(t.cols) // do not keep the batch's buffers reachable
	if cap(t.codes) < n {
		t.codes = make([]uint64, n)
	}
	t.newRows = t.newRows[:0]
	var err error
	if t.mode == modePacked {
		err = t.insertPacked(ids)
	} else {
		err = t.insertHashed(ids)
	}
	if err != nil {
		return err
	}
	for c := range t.stores {
		if err := t.stores[c].appendRows(t.alloc, &t.cols[c], t.newRows); err != nil {
			return fmt.Errorf("GroupTable.Insert: key column %d: %w", c, err)
		}
	}
	return nil
}

// ---- packed mode ----

func (t *groupTable) insertPacked(ids []uint32) error {
	n := len(ids)
	codes := t.codes[:n]
	// In the steady state the batch fits the current encoding: compute the
	// codes and the batch's statistics in one pass per column, and only
	// re-encode (and recompute) when they show it does not fit.
	need := !t.encSet
	if t.encSet {
		for c := range t.cols {
			t.stats[c] = addCodesStats(&t.cols[c], &t.enc[c], codes, c == 0)
			if !t.fitsEnc(c) {
				need = true
			}
		}
	} else {
		for c := range t.cols {
			t.stats[c] = statsOf(&t.cols[c])
		}
	}
	recompute := need
	if need {
		enc, total, ok := t.widen()
		if !ok {
			t.toHashed()
			return t.insertHashed(ids)
		}
		t.reencode(enc, total)
	} else if !t.direct && t.preferDirect(t.total, t.numGroups) {
		t.reencode(t.enc, t.total)
	}
	if recompute {
		for c := range t.cols {
			addCodes(&t.cols[c], &t.enc[c], codes, c == 0)
		}
	}
	if t.direct {
		dir := castSlice[uint32](t.dir.bytes())[:t.total]
		g := uint32(t.numGroups)
		newRows := t.newRows
		for r, code := range codes {
			id := dir[code]
			if id == 0 {
				g++
				id = g
				dir[code] = g
				newRows = append(newRows, int32(r))
			}
			ids[r] = id - 1
		}
		t.numGroups = int(g)
		t.newRows = newRows
		return nil
	}
	slots := castSlice[uint64](t.slots.bytes())[:2*t.nslots]
	mask := uint64(t.nslots - 1)
	shift := t.shift
	growAt := t.nslots / 2
	g := t.numGroups
	newRows := t.newRows
	for r, code := range codes {
		i := (code * hashK1) >> shift
		for {
			id := slots[2*i+1]
			if id == 0 {
				if g+1 > growAt {
					t.numGroups = g
					t.growPacked()
					slots = castSlice[uint64](t.slots.bytes())[:2*t.nslots]
					mask, shift, growAt = uint64(t.nslots-1), t.shift, t.nslots/2
					i = (code * hashK1) >> shift
					continue
				}
				g++
				slots[2*i] = code
				slots[2*i+1] = uint64(g)
				ids[r] = uint32(g - 1)
				newRows = append(newRows, int32(r))
				break
			}
			if slots[2*i] == code {
				ids[r] = uint32(id - 1)
				break
			}
			i = (i + 1) & mask
		}
	}
	t.numGroups = g
	t.newRows = newRows
	return nil
}

// preferDirect reports whether a direct table of total codes beats a hash
// table for groups groups.
func (t *groupTable) preferDirect(total uint64, groups int) bool {
	return total != 0 && (total <= t.directAlways || (total <= directMax && total <= directPerGrp*uint64(groups)))
}

// fitsEnc reports whether the current encoding of column c covers the
// batch's values.
func (t *groupTable) fitsEnc(c int) bool {
	e, st := &t.enc[c], &t.stats[c]
	if !st.packable || (st.hasNull && !e.nullable) {
		return false
	}
	switch t.kinds[c] {
	case kInt32, kInt64, kDecimal:
		return !st.any || (!e.empty && st.lo >= e.lo && st.hi <= e.hi)
	case kBytes:
		return st.maxLen <= e.maxLen
	}
	return true
}

// widen returns the encoding covering the current one and the batch's
// values, its total range, and whether the keys still pack into 64 bits.
func (t *groupTable) widen() ([]colEnc, uint64, bool) {
	enc := make([]colEnc, len(t.enc))
	for c := range enc {
		st := &t.stats[c]
		if !st.packable {
			return nil, 0, false
		}
		e := colEnc{empty: true}
		if t.encSet {
			e = t.enc[c]
		}
		e.nullable = e.nullable || st.hasNull
		switch t.kinds[c] {
		case kBool:
			e.empty, e.lo, e.hi = false, 0, 1
		case kInt32, kInt64, kDecimal:
			if !st.any {
				break
			}
			if e.empty {
				e.empty, e.lo, e.hi = false, st.lo, st.hi
				break
			}
			lo, hi := min(e.lo, st.lo), max(e.hi, st.hi)
			// Leave room to grow in the direction the range grew, so that
			// steadily growing keys re-encode only O(log) times.
			slack := (uint64(hi) - uint64(lo)) / 2
			tmin, tmax := int64(math.MinInt64), int64(math.MaxInt64)
			if t.kinds[c] == kInt32 {
				tmin, tmax = math.MinInt32, math.MaxInt32
			}
			if lo < e.lo {
				if uint64(lo)-uint64(tmin) > slack {
					lo = int64(uint64(lo) - slack)
				} else {
					lo = tmin
				}
			}
			if hi > e.hi {
				if uint64(tmax)-uint64(hi) > slack {
					hi = int64(uint64(hi) + slack)
				} else {
					hi = tmax
				}
			}
			e.lo, e.hi = lo, hi
		case kBytes:
			e.maxLen = max(e.maxLen, st.maxLen)
		}
		enc[c] = e
	}
	total, ok := setRanges(enc, t.kinds)
	return enc, total, ok
}

// setRanges computes every column's range and multiplier and the total
// range; ok is false when the total exceeds 2^64.
func setRanges(enc []colEnc, kinds []kind) (uint64, bool) {
	// total as a 128-bit number (hi, lo), at most 2^64.
	tHi, tLo := uint64(0), uint64(1)
	for c := range enc {
		e := &enc[c]
		var rHi, rLo uint64 // the column's range, 128-bit
		nullOff := uint64(0)
		if e.nullable {
			nullOff = 1
		}
		switch kinds[c] {
		case kNull:
			rLo = 1
		case kBool:
			rLo = 2 + nullOff
		case kInt32, kInt64, kDecimal:
			if e.empty {
				rLo = 1 + nullOff
			} else {
				var carry uint64
				rLo, carry = bits.Add64(uint64(e.hi)-uint64(e.lo), 1+nullOff, 0)
				rHi = carry
			}
		case kBytes:
			// nullOff + (L+1) * 256^L, at most 2^59+1.
			rLo = nullOff + uint64(e.maxLen+1)<<(8*uint(e.maxLen))
		default:
			return 0, false
		}
		if rHi > 1 || (rHi == 1 && rLo != 0) {
			return 0, false
		}
		e.mult = tLo
		if tHi == 1 { // total is already 2^64: only ranges of 1 fit
			if rHi != 0 || rLo != 1 {
				return 0, false
			}
			e.mult = 0
			e.rng = 1
			continue
		}
		if rHi == 1 { // range 2^64: only with total 1
			if tLo != 1 {
				return 0, false
			}
			tHi, tLo = 1, 0
			e.rng = 0
			continue
		}
		e.rng = rLo
		h, l := bits.Mul64(tLo, rLo)
		if h > 1 || (h == 1 && l != 0) {
			return 0, false
		}
		tHi, tLo = h, l
	}
	if tHi == 1 {
		return 0, true
	}
	return tLo, true
}

// reencode switches to encoding enc and rebuilds the direct or hash
// structure from the stored keys.
func (t *groupTable) reencode(enc []colEnc, total uint64) {
	old, oldTotal, wasSet, wasDirect := t.enc, t.total, t.encSet, t.direct
	t.enc, t.total, t.encSet = enc, total, true
	groups := t.numGroups
	direct := t.preferDirect(total, groups)
	if wasSet && direct == wasDirect && sameCodes(old, enc, t.kinds) {
		// The groups keep their codes (only the last column's range grew):
		// a hash table stays as it is, a direct table grows in place.
		if direct {
			dir := castSlice[uint32](t.dir.reserve(t.alloc, int(total)*4))[:total]
			clear(dir[oldTotal:])
		}
		return
	}
	codes := make([]uint64, groups)
	for c := range t.stores {
		t.views[c] = t.stores[c].view()
		addCodes(&t.views[c], &t.enc[c], codes, c == 0)
	}
	clear(t.views)
	t.dir.free()
	t.slots.free()
	if direct {
		t.direct = true
		dir := castSlice[uint32](t.dir.reserve(t.alloc, int(total)*4))[:total]
		clear(dir)
		for g, code := range codes {
			dir[code] = uint32(g + 1)
		}
		return
	}
	t.direct = false
	t.allocPackedSlots(groups)
	t.fillPacked(codes)
}

// sameCodes reports whether every value has the same code under encodings
// a and b (the last column's range may differ: it scales nothing).
func sameCodes(a, b []colEnc, kinds []kind) bool {
	for c := range a {
		x, y := &a[c], &b[c]
		if x.nullable != y.nullable || x.mult != y.mult {
			return false
		}
		switch kinds[c] {
		case kInt32, kInt64, kDecimal:
			if !x.empty && (y.empty || x.lo != y.lo) {
				return false
			}
		case kBytes:
			if x.maxLen != y.maxLen {
				return false
			}
		}
	}
	return true
}

func (t *groupTable) allocPackedSlots(groups int) {
	ns := minSlots
	for ns/2 < groups+1 {
		ns *= 2
	}
	t.nslots = ns
	t.shift = uint(64 - bits.TrailingZeros64(uint64(ns)))
	slots := castSlice[uint64](t.slots.reserve(t.alloc, ns*16))[:2*ns]
	clear(slots)
}

// fillPacked inserts distinct codes (code g belongs to group g) into empty
// packed slots.
func (t *groupTable) fillPacked(codes []uint64) {
	slots := castSlice[uint64](t.slots.bytes())[:2*t.nslots]
	mask := uint64(t.nslots - 1)
	for g, code := range codes {
		i := (code * hashK1) >> t.shift
		for slots[2*i+1] != 0 {
			i = (i + 1) & mask
		}
		slots[2*i] = code
		slots[2*i+1] = uint64(g + 1)
	}
}

// growPacked doubles the packed hash table.
func (t *groupTable) growPacked() {
	old := castSlice[uint64](t.slots.bytes())[:2*t.nslots]
	codes := make([]uint64, t.numGroups)
	for i := 0; i < len(old); i += 2 {
		if id := old[i+1]; id != 0 {
			codes[id-1] = old[i]
		}
	}
	t.slots.free()
	t.allocPackedSlots(t.numGroups * 2)
	t.fillPacked(codes)
}

// statsOf summarizes column c of a batch for the packed encoding.
func statsOf(c *colData) colStats {
	st := colStats{packable: true, hasNull: c.valid != nil}
	n := c.n
	switch c.kind {
	case kNull:
		st.hasNull = n > 0
	case kBool:
		st.any = true
	case kInt32:
		lo, hi, any := int32(math.MaxInt32), int32(math.MinInt32), false
		if c.valid == nil {
			for _, v := range c.i32 {
				lo, hi = min(lo, v), max(hi, v)
			}
			any = n > 0
		} else {
			for i, v := range c.i32 {
				if bitsSet(c.valid, c.voff+i) {
					lo, hi, any = min(lo, v), max(hi, v), true
				}
			}
		}
		st.lo, st.hi, st.any = int64(lo), int64(hi), any
	case kInt64:
		lo, hi, any := int64(math.MaxInt64), int64(math.MinInt64), false
		if c.valid == nil {
			for _, v := range c.i64 {
				lo, hi = min(lo, v), max(hi, v)
			}
			any = n > 0
		} else {
			for i, v := range c.i64 {
				if bitsSet(c.valid, c.voff+i) {
					lo, hi, any = min(lo, v), max(hi, v), true
				}
			}
		}
		st.lo, st.hi, st.any = lo, hi, any
	case kDecimal:
		lo, hi, any := int64(math.MaxInt64), int64(math.MinInt64), false
		for i, d := range c.dec {
			if c.valid != nil && !bitsSet(c.valid, c.voff+i) {
				continue
			}
			if !fitsInt64(d) {
				st.packable = false
				return st
			}
			v := int64(d.LowBits())
			lo, hi, any = min(lo, v), max(hi, v), true
		}
		st.lo, st.hi, st.any = lo, hi, any
	case kBytes:
		ml := int32(0)
		offs := c.offs[:n+1]
		if c.valid == nil {
			prev := offs[0]
			for _, o := range offs[1:] {
				ml = max(ml, o-prev)
				prev = o
			}
		} else {
			for i := 0; i < n; i++ {
				if bitsSet(c.valid, c.voff+i) {
					ml = max(ml, offs[i+1]-offs[i])
				}
			}
		}
		st.maxLen = int(ml)
		st.any = n > 0
		st.packable = ml <= 7
	case kFloat64:
		st.packable = false
	}
	return st
}

// addCodesStats is addCodes fused with statsOf for the common column kinds
// without NULLs; the codes are meaningless when the statistics show the
// column does not fit the encoding.
func addCodesStats(c *colData, e *colEnc, codes []uint64, first bool) colStats {
	if c.valid != nil || e.mult == 0 || !(c.kind == kInt32 || c.kind == kInt64 || c.kind == kBytes) {
		st := statsOf(c)
		addCodes(c, e, codes, first)
		return st
	}
	n := c.n
	codes = codes[:n]
	nullOff := uint64(0)
	if e.nullable {
		nullOff = 1
	}
	mult := e.mult
	st := colStats{packable: true, any: n > 0}
	switch c.kind {
	case kInt32:
		base := uint64(e.lo) - nullOff
		lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
		v := c.i32[:n]
		for i, x := range v {
			lo, hi = min(lo, x), max(hi, x)
			codes[i] = addCode(codes[i], (uint64(int64(x))-base)*mult, first)
		}
		st.lo, st.hi = int64(lo), int64(hi)
	case kInt64:
		base := uint64(e.lo) - nullOff
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		v := c.i64[:n]
		if first && mult == 1 {
			for i, x := range v {
				lo, hi = min(lo, x), max(hi, x)
				codes[i] = uint64(x) - base
			}
		} else {
			for i, x := range v {
				lo, hi = min(lo, x), max(hi, x)
				codes[i] = addCode(codes[i], (uint64(x)-base)*mult, first)
			}
		}
		st.lo, st.hi = lo, hi
	case kBytes:
		lmul := uint64(e.maxLen + 1)
		offs, data := c.offs[:n+1], c.data
		ml := int32(0)
		for i := range codes {
			b, end := offs[i], offs[i+1]
			ml = max(ml, end-b)
			codes[i] = addCode(codes[i], (nullOff+uint64(end-b)+lmul*packBytes(data, int(b), int(end), e.maxLen))*mult, first)
		}
		st.maxLen = int(ml)
		st.packable = ml <= 7
	}
	return st
}

// addCodes adds column c's code times its multiplier to codes (first: sets
// instead). Rows must be covered by the encoding.
func addCodes(c *colData, e *colEnc, codes []uint64, first bool) {
	n := c.n
	codes = codes[:n]
	nullOff := uint64(0)
	if e.nullable {
		nullOff = 1
	}
	mult := e.mult
	if c.kind == kNull || mult == 0 {
		if first {
			clear(codes)
		}
		return
	}
	set := first
	switch c.kind {
	case kBool:
		for i := range codes {
			x := nullOff
			if c.boolAt(i) {
				x++
			}
			codes[i] = addCode(codes[i], x*mult, set)
		}
	case kInt32:
		base := uint64(e.lo) - nullOff
		v := c.i32
		switch {
		case set && mult == 1:
			for i, x := range v {
				codes[i] = uint64(int64(x)) - base
			}
		case set:
			for i, x := range v {
				codes[i] = (uint64(int64(x)) - base) * mult
			}
		default:
			for i, x := range v {
				codes[i] += (uint64(int64(x)) - base) * mult
			}
		}
	case kInt64:
		base := uint64(e.lo) - nullOff
		v := c.i64
		switch {
		case set && mult == 1:
			for i, x := range v {
				codes[i] = uint64(x) - base
			}
		case set:
			for i, x := range v {
				codes[i] = (uint64(x) - base) * mult
			}
		default:
			for i, x := range v {
				codes[i] += (uint64(x) - base) * mult
			}
		}
	case kDecimal:
		base := uint64(e.lo) - nullOff
		v := c.dec
		for i, x := range v {
			codes[i] = addCode(codes[i], (x.LowBits()-base)*mult, set)
		}
	case kBytes:
		lmul := uint64(e.maxLen + 1)
		base := nullOff
		offs, data := c.offs[:n+1], c.data
		if set && mult == 1 {
			for i := range codes {
				b, end := offs[i], offs[i+1]
				codes[i] = base + uint64(end-b) + lmul*packBytes(data, int(b), int(end), e.maxLen)
			}
		} else {
			for i := range codes {
				b, end := offs[i], offs[i+1]
				codes[i] = addCode(codes[i], (base+uint64(end-b)+lmul*packBytes(data, int(b), int(end), e.maxLen))*mult, set)
			}
		}
	}
	if c.valid != nil {
		// NULL rows have code 0: remove whatever their value contributed.
		for i := range codes {
			if !bitsSet(c.valid, c.voff+i) {
				codes[i] = addCode(codes[i], 0, set) - nullRowContribution(c, e, i, nullOff, mult, set)
			}
		}
	}
}

func addCode(cur, x uint64, set bool) uint64 {
	if set {
		return x
	}
	return cur + x
}

// nullRowContribution returns what addCodes added for NULL row i from its
// (meaningless) value, so it can be taken back out; 0 when the loop set
// the code (the caller then sets it to 0 directly).
func nullRowContribution(c *colData, e *colEnc, i int, nullOff, mult uint64, set bool) uint64 {
	if set {
		return 0
	}
	switch c.kind {
	case kBool:
		x := nullOff
		if c.boolAt(i) {
			x++
		}
		return x * mult
	case kInt32:
		return (uint64(int64(c.i32[i])) - (uint64(e.lo) - nullOff)) * mult
	case kInt64:
		return (uint64(c.i64[i]) - (uint64(e.lo) - nullOff)) * mult
	case kDecimal:
		return (c.dec[i].LowBits() - (uint64(e.lo) - nullOff)) * mult
	case kBytes:
		b, end := c.offs[i], c.offs[i+1]
		return (nullOff + uint64(end-b) + uint64(e.maxLen+1)*packBytes(c.data, int(b), int(end), e.maxLen)) * mult
	}
	return 0
}

// ---- hashed mode ----

// toHashed switches from packed to hashed mode, hashing the stored keys.
func (t *groupTable) toHashed() {
	t.mode = modeHashed
	t.dir.free()
	t.slots.free()
	t.direct = false
	groups := t.numGroups
	hs := make([]uint64, groups)
	if groups > 0 {
		for c := range t.stores {
			t.views[c] = t.stores[c].view()
			hashColumn(&t.views[c], t.seed, hs, c == 0)
		}
		clear(t.views)
	}
	gh := castSlice[uint64](t.ghash.reserve(t.alloc, max(groups, 64)*8))
	for g := range hs {
		gh[g] = fmix64(hs[g])
	}
	t.allocHashedSlots(groups)
}

func (t *groupTable) allocHashedSlots(groups int) {
	ns := minSlots
	for ns/2 < groups+1 {
		ns *= 2
	}
	t.nslots = ns
	slots := castSlice[uint64](t.slots.reserve(t.alloc, ns*8))[:ns]
	clear(slots)
	gh := castSlice[uint64](t.ghash.bytes())
	mask := uint64(ns - 1)
	for g := 0; g < groups; g++ {
		h := gh[g]
		i := h & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = h&^0xffffffff | uint64(g+1)
	}
}

func (t *groupTable) insertHashed(ids []uint32) error {
	if t.nslots == 0 {
		t.allocHashedSlots(t.numGroups)
	}
	n := len(ids)
	hs := t.codes[:n]
	for c := range t.cols {
		hashColumn(&t.cols[c], t.seed, hs, c == 0)
	}
	for c := range t.stores {
		t.views[c] = t.stores[c].view()
	}
	defer clear(t.views)
	first := t.numGroups
	g := t.numGroups
	slots := castSlice[uint64](t.slots.bytes())[:t.nslots]
	mask := uint64(t.nslots - 1)
	growAt := t.nslots / 2
	gh := castSlice[uint64](t.ghash.reserve(t.alloc, max(g+n, 64)*8))
	newRows := t.newRows
	cols, views := t.cols, t.views
	for r := range hs {
		h := fmix64(hs[r])
		tag := h &^ 0xffffffff
		i := h & mask
		for {
			s := slots[i]
			if s == 0 {
				if g+1 > growAt {
					t.numGroups = g
					t.slots.free()
					t.allocHashedSlots(g)
					slots = castSlice[uint64](t.slots.bytes())[:t.nslots]
					mask, growAt = uint64(t.nslots-1), t.nslots/2
					i = h & mask
					continue
				}
				gh[g] = h
				g++
				slots[i] = tag | uint64(g)
				ids[r] = uint32(g - 1)
				newRows = append(newRows, int32(r))
				break
			}
			if s&^0xffffffff == tag {
				cand := int(uint32(s)) - 1
				eq := true
				if cand >= first {
					rr := int(newRows[cand-first])
					for c := range cols {
						if !equalRows(&cols[c], r, &cols[c], rr) {
							eq = false
							break
						}
					}
				} else {
					for c := range cols {
						if !equalRows(&cols[c], r, &views[c], cand) {
							eq = false
							break
						}
					}
				}
				if eq {
					ids[r] = uint32(cand)
					break
				}
			}
			i = (i + 1) & mask
		}
	}
	t.numGroups = g
	t.newRows = newRows
	return nil
}

// byteMasks[n] keeps the low n bytes of a word.
var byteMasks = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, math.MaxUint64}

// packBytes packs data[b:e] (at most maxLen <= 7 bytes; longer values are
// NULL rows holding anything and give 0) into an integer below 256^maxLen,
// injectively for a given length.
func packBytes(data []byte, b, e, maxLen int) uint64 {
	ln := e - b
	if ln > maxLen || ln <= 0 {
		return 0
	}
	if b+8 <= len(data) {
		return binary.LittleEndian.Uint64(data[b:b+8]) & byteMasks[ln&7]
	}
	return packTail(data[b:e])
}

// packTail packs up to 7 bytes at the end of a buffer.
func packTail(v []byte) uint64 {
	var x uint64
	for j, c := range v {
		x |= uint64(c) << (8 * uint(j))
	}
	return x
}
