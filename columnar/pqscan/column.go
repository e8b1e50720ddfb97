package pqscan

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// sink builds the Arrow array of one column batch by batch from the pages
// parquet-go decodes. The column reader drives it: load for each page, then
// dense or sparse for runs of rows, then finish at the end of a batch.
type sink interface {
	// begin allocates the output of a batch of n rows.
	begin(n int)
	// load makes the first nvals values of page p (its non-null values)
	// the source of the next dense and sparse calls.
	load(p parquet.Page, nvals int) error
	// dense writes rows [at, at+k) from values [vpos, vpos+k).
	dense(at, vpos, k int) error
	// sparse writes rows [at, at+len(defs)): a row whose definition level
	// is 1 takes the next value starting at vpos, a row whose level is 0 is
	// null (its slot is zeroed). ones is the number of 1 levels in defs.
	sparse(at, vpos, ones int, defs []byte) error
	// finish returns the batch's array of n rows with the given validity
	// bitmap (nil when there are no nulls); it takes no ownership of valid.
	finish(n int, valid *memory.Buffer, nulls int) arrow.Array
	// drop releases the output of an unfinished batch.
	drop()
}

// columnReader reads one column of one row group.
type columnReader struct {
	f     *File
	info  *columnInfo
	rg    int
	alloc memory.Allocator
	chunk *chunkData
	sink  sink
	done  int64 // rows returned so far

	page     parquet.Page
	pageRows int
	pos      int    // next row of the page
	vpos     int    // next value of the page
	defs     []byte // definition levels of the page, nil when it has no null

	valid *memory.Buffer // validity of the batch being built
	nulls int
}

func newColumnReader(f *File, alloc memory.Allocator, rg int, info *columnInfo) *columnReader {
	return &columnReader{f: f, info: info, rg: rg, alloc: alloc, sink: newSink(alloc, info)}
}

func newSink(alloc memory.Allocator, info *columnInfo) sink {
	t := info.field.Type
	switch info.conv {
	case kBool:
		return &boolSink{alloc: alloc}
	case kInt32:
		return newFixedSink(alloc, t, convInt32, countInt32)
	case kInt8:
		return newFixedSink(alloc, t, convInt8, countInt32)
	case kInt16:
		return newFixedSink(alloc, t, convInt16, countInt32)
	case kUint8:
		return newFixedSink(alloc, t, convUint8, countInt32)
	case kUint16:
		return newFixedSink(alloc, t, convUint16, countInt32)
	case kUint32:
		return newFixedSink(alloc, t, convUint32, countInt32)
	case kInt64:
		return newFixedSink(alloc, t, convInt64, countInt64)
	case kInt64Millis:
		return newFixedSink(alloc, t, convMillis, countInt64)
	case kInt64Nanos:
		return newFixedSink(alloc, t, convNanos, countInt64)
	case kTimeMillis:
		return newFixedSink(alloc, t, convTimeMillis, countInt32)
	case kInt96:
		return newFixedSink(alloc, t, convInt96, countInt96)
	case kUint64:
		return newFixedSink(alloc, t, convUint64, countInt64)
	case kInt32Decimal:
		return newFixedSink(alloc, t, convInt32Decimal, countInt32)
	case kInt64Decimal:
		return newFixedSink(alloc, t, convInt64Decimal, countInt64)
	case kFixedDecimal:
		return newFixedSink(alloc, t, convFixedDecimal, countFixed)
	case kBytesDecimal:
		return newFixedSink(alloc, t, convBytesDecimal, countBytes)
	case kFloat:
		return newFixedSink(alloc, t, convFloat, countFloat)
	case kDouble:
		return newFixedSink(alloc, t, convDouble, countDouble)
	case kFloat16:
		return newFixedSink(alloc, t, convFloat16, countFixed)
	case kByteArray:
		return &binarySink{alloc: alloc, dt: t}
	case kFixedBinary:
		return &binarySink{alloc: alloc, dt: t, fixed: info.typeLen}
	}
	panic(fmt.Sprintf("pqscan: no sink for conversion %d", info.conv))
}

// corrupt builds a corruption error about this column.
func (c *columnReader) corrupt(format string, args ...any) error {
	return corruptf(c.f.name, "%s: %s", c.f.where(c.rg, c.info), fmt.Sprintf(format, args...))
}

// read returns the next n rows of the column. A panic while copying values
// (a dictionary index out of range, say) means corrupt data; it becomes an
// error here.
func (c *columnReader) read(ctx context.Context, n int) (arr arrow.Array, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.sink.drop()
			c.dropValid()
			page := -1
			if c.chunk != nil {
				page = c.chunk.next - 1
			}
			arr, err = nil, c.corrupt("data page %d: invalid data (%v)", page, p)
		}
	}()
	if c.chunk == nil {
		chunk, err := c.f.loadChunk(c.alloc, c.rg, c.info)
		if err != nil {
			return nil, err
		}
		c.chunk = chunk
	}
	c.sink.begin(n)
	c.nulls = 0
	for at := 0; at < n; {
		if c.pos == c.pageRows {
			if err := c.nextPage(ctx); err != nil {
				c.sink.drop()
				c.dropValid()
				return nil, err
			}
			continue
		}
		k := min(n-at, c.pageRows-c.pos)
		if c.defs == nil {
			err = c.sink.dense(at, c.vpos, k)
			if c.valid != nil {
				bitutil.SetBitsTo(c.valid.Bytes(), int64(at), int64(k), true)
			}
			c.vpos += k
		} else {
			d := c.defs[c.pos : c.pos+k]
			ones := countOnes(d)
			if ones == k {
				err = c.sink.dense(at, c.vpos, k)
				if c.valid != nil {
					bitutil.SetBitsTo(c.valid.Bytes(), int64(at), int64(k), true)
				}
			} else {
				if c.valid == nil {
					c.valid = memory.NewResizableBuffer(c.alloc)
					c.valid.Resize(int(bitutil.BytesForBits(int64(n))))
					bitutil.SetBitsTo(c.valid.Bytes(), 0, int64(at), true)
				}
				writeDefBits(c.valid.Bytes(), at, d)
				c.nulls += k - ones
				err = c.sink.sparse(at, c.vpos, ones, d)
			}
			c.vpos += ones
		}
		if err != nil {
			c.sink.drop()
			c.dropValid()
			return nil, c.corrupt("%v", err)
		}
		c.pos += k
		at += k
	}
	arr = c.sink.finish(n, c.valid, c.nulls)
	c.dropValid()
	c.done += int64(n)
	return arr, nil
}

func (c *columnReader) dropValid() {
	if c.valid != nil {
		c.valid.Release()
		c.valid = nil
	}
}

// nextPage releases the current page and makes the next data page current.
func (c *columnReader) nextPage(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.releasePage()
	if c.chunk.next >= len(c.chunk.data) {
		return c.corrupt("the column chunk ends after %d rows", c.done)
	}
	hdr := &c.chunk.pages[c.chunk.data[c.chunk.next]]
	c.chunk.next++
	p, err := c.chunk.fpages.ReadPage()
	if err != nil {
		return corruptWrap(c.f.name, err, "%s: decoding data page %d", c.f.where(c.rg, c.info), c.chunk.next-1)
	}
	c.page = p
	rows := int(p.NumRows())
	if rows != hdr.numValues || p.NumValues() != int64(hdr.numValues) {
		return c.corrupt("data page %d decoded to %d rows, its header declares %d", c.chunk.next-1, rows, hdr.numValues)
	}
	nvals := rows
	var defs []byte
	if c.info.maxDef > 0 {
		defs = p.DefinitionLevels()
		if len(defs) != rows {
			return c.corrupt("data page %d has %d definition levels for %d rows", c.chunk.next-1, len(defs), rows)
		}
		ones, ok := countDefs(defs)
		if !ok {
			return c.corrupt("data page %d has definition levels above the maximum of 1", c.chunk.next-1)
		}
		nvals = ones
		if nvals == rows {
			defs = nil
		}
	}
	if hdr.valuesLen < 0 && hdr.compressed {
		// Not yet decompressed (an empty payload is never read).
		if _, err := c.chunk.payload(c.chunk.data[c.chunk.next-1]); err != nil {
			return corruptWrap(c.f.name, err, "%s: data page %d", c.f.where(c.rg, c.info), c.chunk.next-1)
		}
	}
	if w := plainWidth(c.info, nvals); w >= 0 && hdr.encoding == format.Plain && hdr.valuesLen < w {
		return c.corrupt("data page %d holds %d bytes of PLAIN values, %d values need %d", c.chunk.next-1, hdr.valuesLen, nvals, w)
	}
	if err := c.sink.load(p, nvals); err != nil {
		return c.corrupt("data page %d: %v", c.chunk.next-1, err)
	}
	if c.info.phys == format.Boolean && hdr.encoding == format.RLE {
		// Replace parquet-go's decoding (see decodeRLEBools).
		payload, err := c.chunk.payload(c.chunk.data[c.chunk.next-1])
		if err != nil {
			return corruptWrap(c.f.name, err, "%s: data page %d", c.f.where(c.rg, c.info), c.chunk.next-1)
		}
		if hdr.valuesLen < 0 || hdr.valuesLen > len(payload) {
			return c.corrupt("data page %d: bad level section", c.chunk.next-1)
		}
		bs := c.sink.(*boolSink)
		bits, err := decodeRLEBools(payload[len(payload)-hdr.valuesLen:], nvals, bs.rle)
		if err != nil {
			return c.corrupt("data page %d: %v", c.chunk.next-1, err)
		}
		bs.rle, bs.bits = bits, bits
	}
	c.pageRows, c.pos, c.vpos, c.defs = rows, 0, 0, defs
	return nil
}

// plainWidth returns the bytes n PLAIN values of the column's physical type
// take, or -1 for variable-length types.
func plainWidth(info *columnInfo, n int) int {
	switch info.phys {
	case format.Boolean:
		return (n + 7) / 8
	case format.Int32, format.Float:
		return 4 * n
	case format.Int64, format.Double:
		return 8 * n
	case format.Int96:
		return 12 * n
	case format.FixedLenByteArray:
		return info.typeLen * n
	}
	return -1
}

func (c *columnReader) releasePage() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.pageRows, c.pos, c.vpos, c.defs = 0, 0, 0, nil
}

// close releases everything the reader holds.
func (c *columnReader) close() {
	c.sink.drop()
	c.dropValid()
	func() {
		// parquet-go's page state may be inconsistent after a decoder panic;
		// releasing it must not stop the release of our own buffers.
		defer func() { _ = recover() }()
		c.releasePage()
	}()
	c.page = nil
	if c.chunk != nil {
		c.chunk.release()
		c.chunk = nil
	}
}

// ---------------------------------------------------------------------------
// Fixed-width columns: INT, BIGINT, DOUBLE, DECIMAL, DATE, TIMESTAMP.

type fixedSink[T any] struct {
	alloc memory.Allocator
	dt    arrow.DataType
	conv  converter[T]
	count counter

	buf *memory.Buffer
	out []T

	pv      encoding.Values // values of the current page (plain encodings)
	dict    parquet.Dictionary
	dvals   []T // converted dictionary values
	idx     []int32
	useDict bool // the current page is dictionary-encoded
}

func newFixedSink[T any](alloc memory.Allocator, dt arrow.DataType, conv converter[T], count counter) *fixedSink[T] {
	return &fixedSink[T]{alloc: alloc, dt: dt, conv: conv, count: count}
}

// typedSlice reinterprets b as a slice of T.
func typedSlice[T any](b []byte) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) < size {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)
}

func (s *fixedSink[T]) begin(n int) {
	var zero T
	s.buf = memory.NewResizableBuffer(s.alloc)
	s.buf.Resize(n * int(unsafe.Sizeof(zero)))
	s.out = typedSlice[T](s.buf.Bytes())
}

func (s *fixedSink[T]) load(p parquet.Page, nvals int) error {
	if d := p.Dictionary(); d != nil {
		if d != s.dict {
			dv := d.Page().Data()
			vals := make([]T, s.count(&dv))
			if err := s.conv(vals, &dv, 0); err != nil {
				return fmt.Errorf("dictionary: %w", err)
			}
			s.dict, s.dvals = d, vals
		}
		pv := p.Data()
		idx := pv.Int32()
		if len(idx) < nvals {
			return fmt.Errorf("page holds %d dictionary indexes for %d values", len(idx), nvals)
		}
		s.idx, s.useDict = idx[:nvals], true
		return nil
	}
	s.pv = p.Data()
	if n := s.count(&s.pv); n < nvals {
		return fmt.Errorf("page holds %d values, its levels call for %d", n, nvals)
	}
	s.idx, s.useDict = nil, false
	return nil
}

// put writes values [vpos, vpos+len(dst)) of the page into dst. A
// dictionary index out of range panics in the gather; the column reader
// turns that into a corruption error.
func (s *fixedSink[T]) put(dst []T, vpos int) error {
	if !s.useDict {
		return s.conv(dst, &s.pv, vpos)
	}
	dict := s.dvals
	for i, x := range s.idx[vpos : vpos+len(dst)] {
		dst[i] = dict[x]
	}
	return nil
}

func (s *fixedSink[T]) dense(at, vpos, k int) error {
	return s.put(s.out[at:at+k], vpos)
}

// sparse writes the values densely at the start of the range, then spreads
// them to their rows from the back (Arrow's "spaced" decoding): the value of
// a row never comes from a position after it, so nothing is overwritten
// before it is moved.
func (s *fixedSink[T]) sparse(at, vpos, ones int, defs []byte) error {
	dst := s.out[at : at+len(defs)]
	if err := s.put(dst[:ones], vpos); err != nil {
		return err
	}
	var zero T
	j := ones - 1
	for i := len(defs) - 1; i > j; i-- {
		if defs[i] != 0 {
			dst[i] = dst[j]
			j--
		} else {
			dst[i] = zero
		}
	}
	return nil
}

func (s *fixedSink[T]) finish(n int, valid *memory.Buffer, nulls int) arrow.Array {
	data := array.NewData(s.dt, n, []*memory.Buffer{valid, s.buf}, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	s.buf.Release()
	s.buf, s.out = nil, nil
	return arr
}

func (s *fixedSink[T]) drop() {
	if s.buf != nil {
		s.buf.Release()
		s.buf, s.out = nil, nil
	}
}

// ---------------------------------------------------------------------------
// BOOLEAN columns.

type boolSink struct {
	alloc memory.Allocator
	buf   *memory.Buffer
	out   []byte

	bits    []byte // packed values of a plain page
	rle     []byte // scratch for RLE-encoded pages decoded by the reader
	dict    parquet.Dictionary
	dbits   []byte
	dlen    int
	idx     []int32
	useDict bool
}

// checkIndexes verifies that every dictionary index is below n.
func checkIndexes(idx []int32, n int) error {
	var hi uint32
	for _, x := range idx {
		hi = max(hi, uint32(x))
	}
	if len(idx) > 0 && uint64(hi) >= uint64(n) {
		return fmt.Errorf("dictionary index %d out of range (the dictionary has %d values)", int32(hi), n)
	}
	return nil
}

func (s *boolSink) begin(n int) {
	s.buf = memory.NewResizableBuffer(s.alloc)
	s.buf.Resize(int(bitutil.BytesForBits(int64(n))))
	s.out = s.buf.Bytes()
}

func (s *boolSink) load(p parquet.Page, nvals int) error {
	if d := p.Dictionary(); d != nil {
		if d != s.dict {
			dv := d.Page().Data()
			s.dict, s.dbits, s.dlen = d, dv.Boolean(), d.Len()
			if len(s.dbits)*8 < s.dlen {
				return fmt.Errorf("boolean dictionary holds %d bytes for %d values", len(s.dbits), s.dlen)
			}
		}
		pv := p.Data()
		idx := pv.Int32()
		if len(idx) < nvals {
			return fmt.Errorf("page holds %d dictionary indexes for %d values", len(idx), nvals)
		}
		idx = idx[:nvals]
		if err := checkIndexes(idx, s.dlen); err != nil {
			return err
		}
		s.idx, s.bits, s.useDict = idx, nil, true
		return nil
	}
	pv := p.Data()
	bits := pv.Boolean()
	if len(bits)*8 < nvals {
		return fmt.Errorf("page holds %d bytes of booleans for %d values", len(bits), nvals)
	}
	s.bits, s.idx, s.useDict = bits, nil, false
	return nil
}

func (s *boolSink) dense(at, vpos, k int) error {
	if !s.useDict {
		bitutil.CopyBitmap(s.bits, vpos, k, s.out, at)
		return nil
	}
	for i, x := range s.idx[vpos : vpos+k] {
		bitutil.SetBitTo(s.out, at+i, bitutil.BitIsSet(s.dbits, int(x)))
	}
	return nil
}

func (s *boolSink) sparse(at, vpos, _ int, defs []byte) error {
	v := vpos
	for i, d := range defs {
		b := false
		if d != 0 {
			if !s.useDict {
				b = bitutil.BitIsSet(s.bits, v)
			} else {
				b = bitutil.BitIsSet(s.dbits, int(s.idx[v]))
			}
			v++
		}
		bitutil.SetBitTo(s.out, at+i, b)
	}
	return nil
}

func (s *boolSink) finish(n int, valid *memory.Buffer, nulls int) arrow.Array {
	data := array.NewData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{valid, s.buf}, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	s.buf.Release()
	s.buf, s.out = nil, nil
	return arr
}

func (s *boolSink) drop() {
	if s.buf != nil {
		s.buf.Release()
		s.buf, s.out = nil, nil
	}
}

// ---------------------------------------------------------------------------
// STRING and BINARY columns, from BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY.

type binarySink struct {
	alloc memory.Allocator
	dt    arrow.DataType
	fixed int // value size of FIXED_LEN_BYTE_ARRAY, 0 for BYTE_ARRAY

	offBuf, dataBuf *memory.Buffer
	offs            []int32
	data            []byte // the whole capacity of dataBuf
	dlen            int
	avg             int // bytes per row of the previous batch, to size the next

	// source: plain values, or dictionary values and indexes
	pdata   []byte
	poffs   []uint32
	dict    parquet.Dictionary
	ddata   []byte // dictionary values, followed by 16 bytes of padding
	doffs   []uint32
	dmax    int // longest dictionary value
	idx     []int32
	useDict bool
}

const maxBinaryBatchBytes = 1<<31 - 1

func (s *binarySink) begin(n int) {
	s.offBuf = memory.NewResizableBuffer(s.alloc)
	s.offBuf.Resize((n + 1) * 4)
	s.offs = typedSlice[int32](s.offBuf.Bytes())
	s.offs[0] = 0
	s.dataBuf = memory.NewResizableBuffer(s.alloc)
	est := n * s.avg
	if s.fixed > 0 {
		est = n * s.fixed
	}
	if est > 0 {
		s.dataBuf.Reserve(min(est+est/8, maxBinaryBatchBytes))
	}
	s.data = s.dataBuf.Buf()
	s.dlen = 0
}

// ensure makes room for extra more bytes of data.
func (s *binarySink) ensure(extra int) error {
	need := s.dlen + extra
	if need > maxBinaryBatchBytes {
		return fmt.Errorf("more than 2 GiB of string data in one batch; use a smaller batch size")
	}
	if need > len(s.data) {
		s.dataBuf.Reserve(min(max(need, 2*len(s.data), 4096), maxBinaryBatchBytes))
		s.data = s.dataBuf.Buf()
	}
	return nil
}

// fixedOffsets builds offsets for count values of size bytes.
func fixedOffsets(count, size int) []uint32 {
	o := make([]uint32, count+1)
	for i := range o {
		o[i] = uint32(i * size)
	}
	return o
}

func (s *binarySink) load(p parquet.Page, nvals int) error {
	if d := p.Dictionary(); d != nil {
		if d != s.dict {
			data, offs, err := s.values(d.Page())
			if err != nil {
				return fmt.Errorf("dictionary: %w", err)
			}
			padded := make([]byte, len(data)+16)
			copy(padded, data)
			dmax := 0
			for i := 1; i < len(offs); i++ {
				dmax = max(dmax, int(offs[i]-offs[i-1]))
			}
			s.dict, s.ddata, s.doffs, s.dmax = d, padded, offs, dmax
		}
		pv := p.Data()
		idx := pv.Int32()
		if len(idx) < nvals {
			return fmt.Errorf("page holds %d dictionary indexes for %d values", len(idx), nvals)
		}
		s.idx, s.pdata, s.poffs, s.useDict = idx[:nvals], nil, nil, true
		return nil
	}
	data, offs, err := s.values(p)
	if err != nil {
		return err
	}
	if len(offs)-1 < nvals {
		return fmt.Errorf("page holds %d values, its levels call for %d", len(offs)-1, nvals)
	}
	s.pdata, s.poffs, s.idx, s.useDict = data, offs, nil, false
	return nil
}

// values returns the values of p as data and offsets (one more offset than
// values), checking the offsets against the data.
func (s *binarySink) values(p parquet.Page) ([]byte, []uint32, error) {
	v := p.Data()
	if s.fixed > 0 {
		data, size := v.FixedLenByteArray()
		if size != s.fixed {
			return nil, nil, fmt.Errorf("values of %d bytes in a FIXED_LEN_BYTE_ARRAY(%d) column", size, s.fixed)
		}
		return data, fixedOffsets(len(data)/size, size), nil
	}
	data, offs := v.ByteArray()
	if len(offs) == 0 {
		offs = []uint32{0}
	}
	prev := offs[0]
	for _, o := range offs[1:] {
		if o < prev {
			return nil, nil, fmt.Errorf("byte array offsets decrease")
		}
		prev = o
	}
	if int(prev) > len(data) {
		return nil, nil, fmt.Errorf("byte array offsets point past the page data")
	}
	return data, offs, nil
}

func (s *binarySink) dense(at, vpos, k int) error {
	offs := s.offs[at : at+k+1]
	if !s.useDict {
		lo, hi := s.poffs[vpos], s.poffs[vpos+k]
		if err := s.ensure(int(hi - lo)); err != nil {
			return err
		}
		copy(s.data[s.dlen:], s.pdata[lo:hi])
		base := int32(s.dlen) - int32(lo)
		for i, o := range s.poffs[vpos+1 : vpos+k+1] {
			offs[i+1] = base + int32(o)
		}
		s.dlen += int(hi - lo)
		return nil
	}
	idx := s.idx[vpos : vpos+k]
	dd, do := s.ddata, s.doffs
	total := 0
	for _, x := range idx {
		total += int(do[x+1] - do[x])
	}
	// 16 bytes of slack let short values be copied as one 16-byte move.
	if err := s.ensure(total + 16); err != nil {
		return err
	}
	out := s.data
	pos := s.dlen
	switch {
	case s.dmax <= 16:
		for i, x := range idx {
			lo := do[x]
			*(*[16]byte)(out[pos:]) = *(*[16]byte)(dd[lo:])
			pos += int(do[x+1] - lo)
			offs[i+1] = int32(pos)
		}
	case s.dmax <= 64:
		// 16-byte moves, the last one spilling into the slack.
		for i, x := range idx {
			lo, n := int(do[x]), int(do[x+1]-do[x])
			for o := 0; o < n; o += 16 {
				*(*[16]byte)(out[pos+o:]) = *(*[16]byte)(dd[lo+o:])
			}
			pos += n
			offs[i+1] = int32(pos)
		}
	default:
		for i, x := range idx {
			lo, hi := do[x], do[x+1]
			pos += copy(out[pos:], dd[lo:hi])
			offs[i+1] = int32(pos)
		}
	}
	s.dlen = pos
	return nil
}

func (s *binarySink) sparse(at, vpos, ones int, defs []byte) error {
	offs := s.offs[at : at+len(defs)+1]
	var srcData []byte
	var srcOffs []uint32
	var idx []int32
	total := 0
	if !s.useDict {
		srcData, srcOffs = s.pdata, s.poffs
		total = int(srcOffs[vpos+ones] - srcOffs[vpos])
	} else {
		srcData, srcOffs, idx = s.ddata, s.doffs, s.idx[vpos:vpos+ones]
		for _, x := range idx {
			total += int(srcOffs[x+1] - srcOffs[x])
		}
	}
	if err := s.ensure(total); err != nil {
		return err
	}
	out := s.data
	pos := s.dlen
	v := 0
	for i, d := range defs {
		if d != 0 {
			j := vpos + v
			if s.useDict {
				j = int(idx[v])
			}
			pos += copy(out[pos:], srcData[srcOffs[j]:srcOffs[j+1]])
			v++
		}
		offs[i+1] = int32(pos)
	}
	s.dlen = pos
	return nil
}

func (s *binarySink) finish(n int, valid *memory.Buffer, nulls int) arrow.Array {
	s.dataBuf.ResizeNoShrink(s.dlen)
	if n > 0 {
		s.avg = s.dlen / n
	}
	data := array.NewData(s.dt, n, []*memory.Buffer{valid, s.offBuf, s.dataBuf}, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	s.drop()
	return arr
}

func (s *binarySink) drop() {
	if s.offBuf != nil {
		s.offBuf.Release()
		s.offBuf, s.offs = nil, nil
	}
	if s.dataBuf != nil {
		s.dataBuf.Release()
		s.dataBuf, s.data = nil, nil
	}
}
