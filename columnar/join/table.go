package join

import (
	"fmt"
	"math"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// MaxBuildRows is the largest number of build rows a HashTable holds (rows
// are addressed by int32 indices, as gathers take them).
const MaxBuildRows = math.MaxInt32 - 1

// slot is one distinct key of the table: its hash and the first and last
// build row (+1) of its chain. head 0 marks an empty slot.
type slot struct {
	hash uint64
	head uint32
	tail uint32
}

const slotSize = int(unsafe.Sizeof(slot{}))

// minSlots is the smallest slot array.
const minSlots = 16

// verifyBlock is how many hash matches are confirmed at a time.
const verifyBlock = 1024

// HashTable maps the key tuples of a build relation's rows to the rows
// holding them. It is built once (BuildTable) and then only read, by any
// number of Probers at once. It keeps references to the key arrays it was
// built from until Release.
type HashTable struct {
	alloc    memory.Allocator
	types    []arrow.DataType
	kinds    []kind
	arrays   []arrow.Array
	views    []colView
	packed   bool
	seed     uint64
	rows     int
	groups   int
	nullRows int

	slotBuf *memory.Buffer
	slots   []slot
	mask    uint64
	nextBuf *memory.Buffer
	next    []uint32 // per build row: the next row (+1) of its key's chain (unset for a chain's last row)
}

// TableBytes returns an upper bound of the memory BuildTable draws from its
// allocator for a relation of rows rows, at its peak while building: the
// figure to reserve before building. The table keeps less afterwards (see
// HashTable.Bytes).
func TableBytes(rows int) int64 {
	if rows <= 0 {
		return 0
	}
	p := int64(nextPow2(max(minSlots, 2*rows)))
	return 13*int64(rows) + 3*p*int64(slotSize)/2 + 512
}

// nextPow2 returns the smallest power of two >= n (n >= 1).
func nextPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// newBuf returns a buffer of n bytes drawn from alloc, zeroed when zero is
// set (allocators need not zero what they hand out; Go's does).
func newBuf(alloc memory.Allocator, n int, zero bool) *memory.Buffer {
	b := memory.NewResizableBuffer(alloc)
	b.Resize(n)
	if zero && !zeroes(alloc) {
		clear(b.Bytes())
	}
	return b
}

// zeroes reports whether alloc is known to hand out zeroed memory: Go's
// allocator (make), possibly under layers that only count (an allocator
// with a Parent method, as columnar.AccountingAllocator).
func zeroes(alloc memory.Allocator) bool {
	for range 8 {
		switch a := alloc.(type) {
		case *memory.GoAllocator:
			return true
		case interface{ Parent() memory.Allocator }:
			alloc = a.Parent()
		default:
			return false
		}
	}
	return false
}

// BuildTable builds the hash table of a relation's key columns (one array
// per key column, all of one length: row i of the relation is element i).
// Rows with a NULL in any key column are left out (they match nothing) and
// counted (NullKeyRows). seed varies the hash function (the grace hash
// join's partitions use other seeds). Every buffer comes from alloc. The
// arrays are retained until Release.
func BuildTable(alloc memory.Allocator, keys []arrow.Array, seed uint64) (*HashTable, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: BuildTable: nil allocator", ErrInvalid)
	}
	views, n, err := viewsOf(keys, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("BuildTable: %w", err)
	}
	if n > MaxBuildRows {
		return nil, fmt.Errorf("%w: BuildTable: %d build rows, at most %d", ErrUnsupported, n, MaxBuildRows)
	}
	t := &HashTable{alloc: alloc, views: views, seed: seed, rows: n}
	t.kinds = make([]kind, len(views))
	t.types = make([]arrow.DataType, len(keys))
	for i, a := range keys {
		t.kinds[i] = views[i].kind
		t.types[i] = a.DataType()
		a.Retain()
		t.arrays = append(t.arrays, a)
	}
	t.packed = packable(t.kinds)
	if n == 0 {
		return t, nil
	}
	hbuf := newBuf(alloc, 8*n, false)
	defer hbuf.Release()
	hashes := castSlice[uint64](hbuf.Bytes())[:n]
	var nulls []bool
	for i := range views {
		if views[i].kind == kNull || views[i].valid != nil {
			nb := newBuf(alloc, n, false)
			defer nb.Release()
			nulls = castSlice[bool](nb.Bytes())[:n]
			break
		}
	}
	if nulls == nil {
		nulls = make([]bool, 0) // never read: hashViews reports no NULL
	}
	t.nextBuf = newBuf(alloc, 4*n, false)
	t.next = castSlice[uint32](t.nextBuf.Bytes())[:n]
	anyNull := hashViews(views, t.packed, seed, hashes, nulls)
	t.insertAll(hashes, nulls, anyNull, false)
	if t.packed || t.verify(hashes, nulls, anyNull) {
		return t, nil
	}
	// Two different keys had one 64-bit hash: build again comparing keys
	// on every insertion.
	hashViews(views, t.packed, seed, hashes, nulls)
	t.insertAll(hashes, nulls, anyNull, true)
	return t, nil
}

// allocSlots replaces the slot array by an empty one of n slots.
func (t *HashTable) allocSlots(n int) {
	if t.slotBuf != nil {
		t.slotBuf.Release()
	}
	t.slotBuf = newBuf(t.alloc, n*slotSize, true)
	t.slots = castSlice[slot](t.slotBuf.Bytes())[:n]
	t.mask = uint64(n - 1)
}

// grow doubles the slot array, re-inserting the keys by their hashes.
func (t *HashTable) grow() {
	old, oldBuf := t.slots, t.slotBuf
	t.slotBuf = nil
	n := 2 * len(old)
	t.slotBuf = newBuf(t.alloc, n*slotSize, true)
	t.slots = castSlice[slot](t.slotBuf.Bytes())[:n]
	t.mask = uint64(n - 1)
	slots, mask := t.slots, t.mask
	for _, e := range old {
		if e.head == 0 {
			continue
		}
		s := e.hash & mask
		for slots[s].head != 0 {
			s = (s + 1) & mask
		}
		slots[s] = e
	}
	oldBuf.Release()
}

// estimateDistinct estimates the number of distinct values among the hashes
// of the non-NULL rows with a HyperLogLog sketch of 2^12 registers (about
// 1.6% standard error), so the slot array can be sized once instead of
// growing while it fills.
func estimateDistinct(hashes []uint64, nulls []bool, anyNull bool) int {
	const p = 12
	const m = 1 << p
	if len(hashes) <= m {
		return len(hashes)
	}
	var reg [m]uint8
	for i, h := range hashes {
		if anyNull && nulls[i] {
			continue
		}
		r := uint8(bits.LeadingZeros64(h<<p|1<<(p-1))) + 1
		if idx := h >> (64 - p); r > reg[idx] {
			reg[idx] = r
		}
	}
	sum, zeros := 0.0, 0
	for _, r := range reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	est := 0.7213 / (1 + 1.079/m) * m * m / sum
	if est <= 2.5*m && zeros > 0 {
		est = m * math.Log(float64(m)/float64(zeros))
	}
	return min(int(est), len(hashes))
}

// insertAll inserts every row with a non-NULL key. Afterwards hashes[i]
// holds the first row of row i's chain (i itself for the first row of a
// key, for NULL rows too), for verify. With compare, keys are compared on
// every hash match (the exact, slower build).
func (t *HashTable) insertAll(hashes []uint64, nulls []bool, anyNull, compare bool) {
	n := t.rows
	t.groups, t.nullRows = 0, 0
	// Slots for the estimated keys at most half full (5% over the estimate
	// so that an estimate a little low does not cost a growth).
	est := estimateDistinct(hashes, nulls, anyNull)
	t.allocSlots(min(nextPow2(max(minSlots, 2*(est+est/20))), nextPow2(max(minSlots, 2*n))))
	slots, mask := t.slots, t.mask
	next := t.next
	for i := 0; i < n; i++ {
		if anyNull && nulls[i] {
			t.nullRows++
			hashes[i] = uint64(i)
			continue
		}
		h := hashes[i]
		s := h & mask
		for {
			e := &slots[s]
			if e.head == 0 {
				*e = slot{hash: h, head: uint32(i + 1), tail: uint32(i + 1)}
				hashes[i] = uint64(i)
				t.groups++
				if 2*t.groups > len(slots) {
					t.grow()
					slots, mask = t.slots, t.mask
				}
				break
			}
			if e.hash == h && (!compare || t.rowsEqual(int(e.head-1), i)) {
				next[e.tail-1] = uint32(i + 1)
				e.tail = uint32(i + 1)
				hashes[i] = uint64(e.head - 1)
				break
			}
			s = (s + 1) & mask
		}
	}
}

// rowsEqual reports whether build rows a and b have equal keys.
func (t *HashTable) rowsEqual(a, b int) bool {
	for c := range t.views {
		v := &t.views[c]
		if !eqAt(v, a, v, b) {
			return false
		}
	}
	return true
}

// verify confirms, column by column, that every row chained to a key's
// first row has that row's key; false means a hash collision merged two
// keys.
func (t *HashTable) verify(firsts []uint64, nulls []bool, anyNull bool) bool {
	var ai, bi [verifyBlock]int32
	var ok [verifyBlock]bool
	m := 0
	check := func() bool {
		for k := range ok[:m] {
			ok[k] = true
		}
		for c := range t.views {
			v := &t.views[c]
			eqRows(v, v, ai[:m], bi[:m], ok[:m])
		}
		for _, x := range ok[:m] {
			if !x {
				return false
			}
		}
		m = 0
		return true
	}
	for i, f := range firsts {
		if int(f) == i || (anyNull && nulls[i]) {
			continue
		}
		ai[m], bi[m] = int32(i), int32(f)
		m++
		if m == verifyBlock && !check() {
			return false
		}
	}
	return m == 0 || check()
}

// KeyTypes returns the types of the key columns.
func (t *HashTable) KeyTypes() []arrow.DataType { return t.types }

// Rows returns the number of build rows, NULL-keyed ones included.
func (t *HashTable) Rows() int { return t.rows }

// Groups returns the number of distinct non-NULL keys.
func (t *HashTable) Groups() int { return t.groups }

// NullKeyRows returns the number of build rows with a NULL in some key
// column (which match nothing).
func (t *HashTable) NullKeyRows() int { return t.nullRows }

// Bytes returns the memory the table holds from its allocator (slots and
// chain links; not the key arrays, which belong to the relation).
func (t *HashTable) Bytes() int64 {
	var n int64
	if t.slotBuf != nil {
		n += int64(t.slotBuf.Cap())
	}
	if t.nextBuf != nil {
		n += int64(t.nextBuf.Cap())
	}
	return n
}

// Release frees the table's buffers and its references to the key arrays.
// The table and its Probers must not be used afterwards. It is safe to call
// twice.
func (t *HashTable) Release() {
	if t.slotBuf != nil {
		t.slotBuf.Release()
		t.slotBuf = nil
	}
	if t.nextBuf != nil {
		t.nextBuf.Release()
		t.nextBuf = nil
	}
	t.slots, t.next = nil, nil
	for _, a := range t.arrays {
		a.Release()
	}
	t.arrays, t.views = nil, nil
}

// Prober finds the build rows of a HashTable that match the rows of probe
// batches. It keeps per-batch scratch on the Go heap (a few words per probe
// row) and must not be used by two goroutines at once; many Probers may
// share one table.
type Prober struct {
	t       *HashTable
	views   []colView
	hashes  []uint64
	nulls   []bool
	heads   []uint32 // per probe row: the first matching build row + 1, 0 for none
	tails   []uint32 // per probe row with a match: the last matching build row + 1
	anyNull bool
	n       int
	// the pair cursor: probe row and the next build row (+1) of its chain
	// (0: the chain's head)
	row int
	cur uint32
	// verification scratch
	vi, vb []int32
	vok    []bool
}

// NewProber returns a prober of the table.
func (t *HashTable) NewProber() *Prober { return &Prober{t: t} }

// Probe looks up every row of a probe batch's key columns (one array per
// key column, of the table's key types, all of one length). Afterwards
// HasMatch tells which rows have matching build rows and Pairs enumerates
// the pairs. The arrays are borrowed: they must stay alive while the
// Prober's results are used.
func (p *Prober) Probe(keys []arrow.Array) error {
	t := p.t
	views, n, err := viewsOf(keys, t.types, p.views)
	if err != nil {
		return fmt.Errorf("Probe: %w", err)
	}
	p.views, p.n, p.row, p.cur = views, n, 0, 0
	if cap(p.hashes) < n {
		p.hashes = make([]uint64, n)
		p.nulls = make([]bool, n)
		p.heads = make([]uint32, n)
		p.tails = make([]uint32, n)
	}
	p.hashes, p.nulls, p.heads, p.tails = p.hashes[:n], p.nulls[:n], p.heads[:n], p.tails[:n]
	p.anyNull = hashViews(views, t.packed, t.seed, p.hashes, p.nulls)
	if t.groups == 0 {
		clear(p.heads)
		return nil
	}
	slots, mask := t.slots, t.mask
	heads, tails := p.heads, p.tails
	if p.anyNull {
		nulls := p.nulls
		for i, h := range p.hashes {
			if nulls[i] {
				heads[i] = 0
				continue
			}
			heads[i], tails[i] = lookup(slots, mask, h)
		}
	} else {
		for i, h := range p.hashes {
			heads[i], tails[i] = lookup(slots, mask, h)
		}
	}
	if !t.packed {
		p.verify()
	}
	return nil
}

// lookup returns the head and tail (+1) of the key whose hash is h, or 0.
func lookup(slots []slot, mask, h uint64) (uint32, uint32) {
	s := h & mask
	for {
		e := &slots[s]
		if e.head == 0 || e.hash == h {
			return e.head, e.tail
		}
		s = (s + 1) & mask
	}
}

// verify confirms hash matches by comparing keys; a row whose match was a
// collision is looked up again comparing keys.
func (p *Prober) verify() {
	if cap(p.vi) < verifyBlock {
		p.vi = make([]int32, verifyBlock)
		p.vb = make([]int32, verifyBlock)
		p.vok = make([]bool, verifyBlock)
	}
	t := p.t
	m := 0
	flush := func() {
		ok := p.vok[:m]
		for k := range ok {
			ok[k] = true
		}
		for c := range p.views {
			eqRows(&p.views[c], &t.views[c], p.vi[:m], p.vb[:m], ok)
		}
		for k, x := range ok {
			if !x {
				i := int(p.vi[k])
				p.heads[i], p.tails[i] = p.find(i)
			}
		}
		m = 0
	}
	for i, h := range p.heads {
		if h == 0 {
			continue
		}
		p.vi[m], p.vb[m] = int32(i), int32(h-1)
		m++
		if m == verifyBlock {
			flush()
		}
	}
	if m > 0 {
		flush()
	}
}

// find looks probe row i up comparing keys on every hash match.
func (p *Prober) find(i int) (uint32, uint32) {
	t := p.t
	h := p.hashes[i]
	s := h & t.mask
	for {
		e := &t.slots[s]
		if e.head == 0 {
			return 0, 0
		}
		if e.hash == h && p.keysEqual(i, int(e.head-1)) {
			return e.head, e.tail
		}
		s = (s + 1) & t.mask
	}
}

func (p *Prober) keysEqual(i, b int) bool {
	for c := range p.views {
		if !eqAt(&p.views[c], i, &p.t.views[c], b) {
			return false
		}
	}
	return true
}

// Rows returns the number of rows of the last probe batch.
func (p *Prober) Rows() int { return p.n }

// HasMatch reports whether probe row i has at least one matching build row.
func (p *Prober) HasMatch(i int) bool { return p.heads[i] != 0 }

// NullKey reports whether probe row i has a NULL in some key column.
func (p *Prober) NullKey(i int) bool { return p.anyNull && p.nulls[i] }

// AnyNullKey reports whether some row of the last probe batch has a NULL
// key.
func (p *Prober) AnyNullKey() bool {
	if !p.anyNull {
		return false
	}
	for _, x := range p.nulls {
		if x {
			return true
		}
	}
	return false
}

// Pairs writes the next matching (probe row, build row) pairs of the last
// probe batch into probe and build (of one length: the most pairs to
// write), in probe-row order and, for one probe row, in build order. It
// returns the number written; 0 means every pair has been enumerated. A key
// with many matches spreads over several calls.
func (p *Prober) Pairs(probe, build []int32) int {
	limit := min(len(probe), len(build))
	next := p.t.next
	heads, tails := p.heads, p.tails
	k := 0
	row, cur := p.row, p.cur
	for row < p.n && k < limit {
		if cur == 0 {
			cur = heads[row]
			if cur == 0 {
				row++
				continue
			}
		}
		tail := tails[row]
		for k < limit {
			probe[k], build[k] = int32(row), int32(cur-1)
			k++
			if cur == tail {
				cur = 0
				break
			}
			cur = next[cur-1]
		}
		if cur == 0 {
			row++
		}
	}
	p.row, p.cur = row, cur
	return k
}
