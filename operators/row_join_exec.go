package operators

import (
	"bytes"
	"hash/maphash"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// rowKeySeed seeds the hash of the row joins' encoded keys (fixed for the
// process, so spilled rows hash alike when read back).
var rowKeySeed = maphash.MakeSeed()

// rowSlot is one distinct key of a row hash table: its hash, its group
// (+1; 0 marks an empty slot) and the first row of its chain.
type rowSlot struct {
	hash  uint64
	group int32
	head  int32
}

// rowHashTable maps the encoded keys (rows.KeyEncoder) of a row relation's
// rows to the rows holding them: an open-addressing table of distinct keys
// (at most half full), each key's encoded bytes, and per key a chain of its
// rows in build order. Rows with a NULL key are not in it. It lives on the
// Go heap and is read-only once built.
type rowHashTable struct {
	// The encoded key of group g: keyData[g*width:(g+1)*width] when every
	// key field is fixed-width (one memory access to compare), else row g
	// of keys.
	width    int
	keyData  []byte
	keys     *rows.Buffer
	slots    []rowSlot
	mask     uint64
	head     []int32 // per group: its first row
	tail     []int32 // per group: its last row
	next     []int32 // per row: the next row of its key, -1 at the end
	nullRows int
}

// rowTableBytes estimates the heap of the table of n rows whose encoded
// keys take keyBytes, at its peak while building.
func rowTableBytes(n int, keyBytes int64) int64 {
	p := int64(nextPow2Int(max(16, 2*n)))
	return 3*p*16/2 + 4*int64(n)*3 + 8*int64(n) + keyBytes
}

func nextPow2Int(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// anyNullKey reports whether a key field of r is NULL.
func anyNullKey(l *rows.Layout, r rows.Row, keys []int) bool {
	for _, k := range keys {
		if l.IsNull(r, k) {
			return true
		}
	}
	return false
}

// buildRowHashTable builds the table of buf's rows (of layout l) on the
// key fields keys.
func buildRowHashTable(l *rows.Layout, buf *rows.Buffer, keys []int) *rowHashTable {
	n := buf.Len()
	t := &rowHashTable{keys: rows.NewBuffer(), next: make([]int32, n)}
	t.alloc(nextPow2Int(max(16, n)))
	enc := rows.NewKeyEncoder(l, keys)
	t.width = enc.Layout().FixedSize()
	for i := 0; i < enc.Layout().NumFields(); i++ {
		if enc.Layout().Kind(i).Variable() {
			t.width = 0
		}
	}
	for i := 0; i < n; i++ {
		r := buf.Row(i)
		t.next[i] = -1
		if anyNullKey(l, r, keys) {
			t.nullRows++
			continue
		}
		key := enc.Encode(r)
		h := maphash.Bytes(rowKeySeed, key)
		s := h & t.mask
		for {
			e := &t.slots[s]
			if e.group == 0 {
				g := int32(len(t.head))
				if t.width > 0 {
					t.keyData = append(t.keyData, key...)
				} else {
					t.keys.Append(key)
				}
				*e = rowSlot{hash: h, group: g + 1, head: int32(i)}
				t.head = append(t.head, int32(i))
				t.tail = append(t.tail, int32(i))
				if 2*len(t.head) > len(t.slots) {
					t.grow()
				}
				break
			}
			if e.hash == h && bytes.Equal(t.keyAt(e.group-1), key) {
				g := e.group - 1
				t.next[t.tail[g]] = int32(i)
				t.tail[g] = int32(i)
				break
			}
			s = (s + 1) & t.mask
		}
	}
	return t
}

func (t *rowHashTable) alloc(n int) {
	t.slots = make([]rowSlot, n)
	t.mask = uint64(n - 1)
}

func (t *rowHashTable) grow() {
	old := t.slots
	t.alloc(2 * len(old))
	for _, e := range old {
		if e.group == 0 {
			continue
		}
		s := e.hash & t.mask
		for t.slots[s].group != 0 {
			s = (s + 1) & t.mask
		}
		t.slots[s] = e
	}
}

// keyAt returns group g's encoded key.
func (t *rowHashTable) keyAt(g int32) []byte {
	if t.width > 0 {
		o := int(g) * t.width
		return t.keyData[o : o+t.width]
	}
	return t.keys.Row(int(g))
}

// find returns the first row of the rows whose encoded key is key, or -1.
func (t *rowHashTable) find(key []byte) int32 {
	if len(t.head) == 0 {
		return -1
	}
	h := maphash.Bytes(rowKeySeed, key)
	s := h & t.mask
	for {
		e := &t.slots[s]
		if e.group == 0 {
			return -1
		}
		if e.hash == h && bytes.Equal(t.keyAt(e.group-1), key) {
			return e.head
		}
		s = (s + 1) & t.mask
	}
}

// bytes returns the heap the table holds.
func (t *rowHashTable) bytes() int64 {
	return int64(cap(t.slots))*16 + 4*int64(cap(t.head)+cap(t.tail)+cap(t.next)) + int64(cap(t.keyData)) + t.keys.Bytes()
}

// rowRelation is a row build side: its rows and, for hash joins, their hash
// table. Read-only once built.
type rowRelation struct {
	layout *rows.Layout
	buf    *rows.Buffer
	table  *rowHashTable
}

func (r *rowRelation) numRows() int { return r.buf.Len() }

// bytes returns the heap the relation holds.
func (r *rowRelation) bytes() int64 {
	n := r.buf.Bytes()
	if r.table != nil {
		n += r.table.bytes()
	}
	return n
}

// rowProbe joins probe rows with a row relation, one probe row at a time:
// the core of the row hash joins and the row nested-loop join.
type rowProbe struct {
	d      *joinDef
	cond   rowexpr.Expr
	ectx   *rowexpr.Context
	lay    *rowJoinLayouts
	rel    *rowRelation
	probeL *rows.Layout
	buildL *rows.Layout
	enc    *rows.KeyEncoder // nil for nested-loop joins
	w      *rows.Writer     // rows of the joined layout
	// buildMatched flags the relation rows matched (buildOuter only).
	buildMatched []bool
	skipAll      bool
	naaj         bool // a null-aware anti join over a non-empty relation

	cur      rows.Row // the probe row (borrowed)
	cand     int32    // the next candidate relation row, -1 when none
	matched  bool
	done     bool // the current probe row is finished
	buildPos int
}

func newRowProbe(d *joinDef, cond rowexpr.Expr, lay *rowJoinLayouts, rel *rowRelation) *rowProbe {
	e := &rowProbe{d: d, cond: cond, ectx: rowexpr.NewContext(), lay: lay, rel: rel, w: rows.NewWriter(lay.joined), done: true}
	e.probeL, e.buildL = lay.left, lay.right
	if d.buildSide == BuildLeft {
		e.probeL, e.buildL = lay.right, lay.left
	}
	if rel.table != nil {
		e.enc = rows.NewKeyEncoder(e.probeL, d.probeKeys())
		if d.typ == NullAwareAntiJoin && rel.numRows() > 0 {
			e.naaj = true
			e.skipAll = rel.table.nullRows > 0
		}
	}
	if d.buildOuter() {
		e.buildMatched = make([]bool, rel.numRows())
	}
	return e
}

// heapBytes returns the heap the probe holds (the relation aside).
func (e *rowProbe) heapBytes() int64 {
	return int64(len(e.buildMatched)) + e.ectx.Bytes() + int64(cap(e.w.Row()))
}

// push starts a probe row (borrowed: valid until the next push).
func (e *rowProbe) push(r rows.Row) {
	e.cur, e.matched, e.done = r, false, false
	e.cand = -1
	if e.rel.numRows() == 0 {
		return
	}
	if e.enc == nil {
		e.cand = 0
		return
	}
	if anyNullKey(e.probeL, r, e.d.probeKeys()) {
		return
	}
	e.cand = e.rel.table.find(e.enc.Encode(r))
}

// advance moves to the next candidate after c.
func (e *rowProbe) advance(c int32) {
	if e.enc == nil {
		c++
		if int(c) >= e.rel.numRows() {
			c = -1
		}
		e.cand = c
		return
	}
	e.cand = e.rel.table.next[c]
}

// writeJoined writes the joined row of the probe row and relation row b
// (-1: NULL) into e.w, in left ++ right order; probeNull makes the probe
// fields NULL.
func (e *rowProbe) writeJoined(b int32, probeNull bool) rows.Row {
	w := e.w
	w.Reset()
	nl := e.d.nLeft
	var br rows.Row
	if b >= 0 {
		br = e.rel.buf.Row(int(b))
	}
	probeFirst := e.d.buildSide == BuildRight
	for i := 0; i < e.d.nLeft+e.d.nRight; i++ {
		left := i < nl
		j := i
		if !left {
			j -= nl
		}
		if left == probeFirst { // a probe field
			if probeNull {
				w.SetNull(i)
			} else {
				w.CopyField(i, e.probeL, e.cur, j)
			}
			continue
		}
		if b < 0 {
			w.SetNull(i)
		} else {
			w.CopyField(i, e.buildL, br, j)
		}
	}
	return w.Row()
}

// next returns the next output row of the current probe row; ok false when
// it has no more.
func (e *rowProbe) next() (rows.Row, bool, error) {
	if e.done {
		return nil, false, nil
	}
	semi := e.d.semiLike()
	for e.cand >= 0 {
		c := e.cand
		e.advance(c)
		if semi && e.cond == nil {
			e.matched = true
			break
		}
		var jr rows.Row
		if e.cond != nil || !semi {
			jr = e.writeJoined(c, false)
		}
		if e.cond != nil {
			e.ectx.Reset()
			v, err := e.cond.Eval(e.ectx, e.lay.joined, jr)
			if err != nil {
				return nil, false, err
			}
			if v.Null || v.I == 0 {
				continue
			}
		}
		e.matched = true
		if e.buildMatched != nil {
			e.buildMatched[c] = true
		}
		if semi {
			break
		}
		return jr, true, nil
	}
	e.done = true
	switch {
	case e.skipAll:
		return nil, false, nil
	case e.d.typ == LeftSemiJoin:
		if e.matched {
			return e.cur, true, nil
		}
	case e.d.typ == LeftAntiJoin || e.d.typ == NullAwareAntiJoin:
		if !e.matched && !(e.naaj && anyNullKey(e.probeL, e.cur, e.d.probeKeys())) {
			return e.cur, true, nil
		}
	case e.d.probeOuter():
		if !e.matched {
			return e.writeJoined(-1, false), true, nil
		}
	}
	return nil, false, nil
}

// buildUnmatched returns the next unmatched relation row NULL-extended;
// ok false at the end.
func (e *rowProbe) buildUnmatched() (rows.Row, bool) {
	for e.buildPos < len(e.buildMatched) {
		b := e.buildPos
		e.buildPos++
		if !e.buildMatched[b] {
			return e.writeJoined(int32(b), true), true
		}
	}
	return nil, false
}
