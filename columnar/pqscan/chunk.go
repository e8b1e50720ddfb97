package pqscan

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Limits that keep a corrupt page header from making the decoder allocate
// without bound.
const (
	maxPageBytes  = 1 << 30 // uncompressed size of one page
	maxPageValues = 1 << 28 // values (including nulls) in one page
	maxChunkBytes = math.MaxInt32

	// virtualChunkSize is the total_compressed_size parquet-go is told for
	// every column chunk: an upper bound of the uncompressed page stream
	// served to it, which ends where the data pages of the chunk end.
	virtualChunkSize = 1 << 46

	// maxDictHeaderPadding is the padding added to column chunks of files
	// written by parquet-mr before 1.2.9, whose total_compressed_size left
	// out the dictionary page header (PARQUET-816, IMPALA-694).
	maxDictHeaderPadding = 100
)

// pageRec is one page of a column chunk as the pre-scan found it, and as it
// is served to parquet-go: a re-encoded header followed by the uncompressed
// payload.
type pageRec struct {
	hdr        []byte // header served to parquet-go
	src        int    // payload offset in the chunk buffer
	srcLen     int    // payload length in the chunk buffer
	levels     int    // data page v2: leading level bytes, never compressed
	compressed bool   // the payload after levels is compressed
	outLen     int    // payload length served
	vstart     int64  // offset of hdr in the served stream
	numValues  int    // data pages: values including nulls
	encoding   format.Encoding
	v1Levels   bool // a v1 data page whose payload starts with definition levels
	valuesLen  int  // bytes of encoded values in the payload, once known (-1: not yet)
}

// chunkData holds the compressed bytes of one column chunk, read with one
// ReadAt, and serves parquet-go's page reader an uncompressed stream of its
// pages, decompressing one page at a time.
type chunkData struct {
	buf    *memory.Buffer // compressed chunk, counted by the reader's allocator
	codec  format.CompressionCodec
	pgBase int64 // file offset at which parquet-go's page reader starts
	pages  []pageRec
	data   []int // indexes in pages of the data pages
	vend   int64 // end of the served stream
	where  string

	cache  *memory.Buffer // uncompressed payload of page cached
	cached int
	cur    int // page of the last ReadAt, to find the next one fast

	fpages *parquet.FilePages
	next   int // index in data of the next page ReadPage returns
}

// ReadAt serves parquet-go's page reader. Offsets are file offsets relative
// to pgBase.
func (c *chunkData) ReadAt(p []byte, off int64) (int, error) {
	rel := off - c.pgBase
	if rel < 0 {
		return 0, fmt.Errorf("read at offset %d before the column chunk", off)
	}
	n := 0
	for n < len(p) {
		pos := rel + int64(n)
		if pos >= c.vend {
			return n, io.EOF
		}
		i := c.find(pos)
		pg := &c.pages[i]
		o := pos - pg.vstart
		if o < int64(len(pg.hdr)) {
			n += copy(p[n:], pg.hdr[o:])
			continue
		}
		payload, err := c.payload(i)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], payload[o-int64(len(pg.hdr)):])
	}
	return n, nil
}

// find returns the index of the page whose served bytes contain pos.
func (c *chunkData) find(pos int64) int {
	end := func(i int) int64 { return c.pages[i].vstart + int64(len(c.pages[i].hdr)+c.pages[i].outLen) }
	for i := c.cur; i < len(c.pages) && i <= c.cur+1; i++ {
		if pos >= c.pages[i].vstart && pos < end(i) {
			c.cur = i
			return i
		}
	}
	i := sort.Search(len(c.pages), func(i int) bool { return end(i) > pos })
	c.cur = i
	return i
}

// payload returns the uncompressed payload of page i.
func (c *chunkData) payload(i int) ([]byte, error) {
	pg := &c.pages[i]
	b := c.buf.Bytes()
	if !pg.compressed {
		return b[pg.src : pg.src+pg.srcLen], nil
	}
	out := c.cache.Bytes()[:pg.outLen]
	if c.cached != i {
		c.cached = -1
		copy(out, b[pg.src:pg.src+pg.levels])
		if err := decompress(c.codec, out[pg.levels:], b[pg.src+pg.levels:pg.src+pg.srcLen]); err != nil {
			return nil, fmt.Errorf("%s: page at byte %d of the column chunk: %w", c.where, pg.src, err)
		}
		c.cached = i
		pg.setValuesLen(out)
	}
	return out, nil
}

// setValuesLen records how many bytes of the uncompressed payload hold
// encoded values (after the levels). parquet-go decodes fixed-width PLAIN
// values in place and, when a page is shorter than its value count needs,
// reads past its end into stale buffer memory; the column reader checks the
// count against this length instead.
func (pg *pageRec) setValuesLen(payload []byte) {
	switch {
	case pg.v1Levels:
		pg.valuesLen = -1
		if len(payload) >= 4 {
			n := int64(binary.LittleEndian.Uint32(payload))
			if rest := int64(len(payload)) - 4; n <= rest {
				pg.valuesLen = int(rest - n)
			}
		}
	default:
		pg.valuesLen = len(payload) - pg.levels
	}
}

func (c *chunkData) release() {
	if c.fpages != nil {
		func() {
			defer func() { _ = recover() }()
			c.fpages.Close()
		}()
		c.fpages = nil
	}
	if c.buf != nil {
		c.buf.Release()
		c.buf = nil
	}
	if c.cache != nil {
		c.cache.Release()
		c.cache = nil
	}
}

// where names a column of a row group for messages.
func (f *File) where(rg int, info *columnInfo) string {
	return fmt.Sprintf("row group %d, column %q", rg, info.field.Name)
}

// loadChunk reads and pre-scans the column chunk of column info in row
// group rg, and opens parquet-go's page reader on it.
func (f *File) loadChunk(alloc memory.Allocator, rg int, info *columnInfo) (*chunkData, error) {
	where := f.where(rg, info)
	cc := &f.mirror.RowGroups[rg].Columns[info.leaf]
	if cc.FilePath.Valid && cc.FilePath.V != "" {
		return nil, fmt.Errorf("%w: %s: %s: column data stored in another file (%q)", ErrUnsupported, f.name, where, cc.FilePath.V)
	}
	if !cc.MetaData.Valid {
		return nil, corruptf(f.name, "%s: the column chunk has no metadata", where)
	}
	md := &cc.MetaData.V
	if format.Type(md.Type) != info.phys {
		return nil, corruptf(f.name, "%s: column chunk has physical type %s but the schema says %s", where, format.Type(md.Type), info.phys)
	}
	codec := format.CompressionCodec(md.Codec)
	switch codec {
	case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Lz4, format.Zstd, format.Lz4Raw:
	default:
		return nil, fmt.Errorf("%w: %s: %s: compression codec %s", ErrUnsupported, f.name, where, codec)
	}
	dictOff := int64(0)
	if md.DictionaryPageOffset.Valid {
		dictOff = md.DictionaryPageOffset.V
	}
	// parquet-go's page reader starts at the dictionary page offset whenever
	// it is set; the chunk itself starts at the lower valid offset.
	pgBase := md.DataPageOffset
	if dictOff != 0 {
		pgBase = dictOff
	}
	start := md.DataPageOffset
	if dictOff > 0 && dictOff < start {
		start = dictOff
	}
	total := md.TotalCompressedSize
	if start < 4 || total <= 0 || total > maxChunkBytes || start > f.dataEnd || total > f.dataEnd-start {
		return nil, corruptf(f.name, "%s: column chunk byte range [%d, %d) lies outside the data of the file (which ends at byte %d)",
			where, start, start+total, f.dataEnd)
	}
	if f.padChunks {
		total += min(maxDictHeaderPadding, f.dataEnd-(start+total))
	}
	c := &chunkData{codec: codec, pgBase: pgBase, cached: -1, where: where}
	c.buf = memory.NewResizableBuffer(alloc)
	c.buf.Resize(int(total))
	if err := readFull(f.r, c.buf.Bytes(), start); err != nil {
		c.release()
		return nil, fmt.Errorf("pqscan: reading %s: %s: %w", f.name, where, err)
	}
	if err := c.prescan(f, rg, info); err != nil {
		c.release()
		return nil, err
	}
	maxOut := 0
	for i := range c.pages {
		if c.pages[i].compressed {
			maxOut = max(maxOut, c.pages[i].outLen)
		}
	}
	if maxOut > 0 {
		c.cache = memory.NewResizableBuffer(alloc)
		c.cache.Resize(maxOut)
	}
	chunk, ok := f.pf.RowGroups()[rg].ColumnChunks()[info.leaf].(*parquet.FileColumnChunk)
	if !ok {
		c.release()
		return nil, fmt.Errorf("pqscan: %s: %s: unexpected column chunk implementation", f.name, where)
	}
	c.fpages = chunk.PagesFrom(c)
	return c, nil
}

// prescan walks the page headers of the chunk, checking each against the
// chunk and the limits before parquet-go decodes anything, verifies page
// checksums, and lays out the stream served to parquet-go. It stops after
// the data page that completes the row group's rows.
func (c *chunkData) prescan(f *File, rg int, info *columnInfo) error {
	where := c.where
	b := c.buf.Bytes()
	var proto thrift.CompactProtocol
	rows := f.meta.RowGroups[rg].NumRows
	var values int64
	var vpos int64
	sawDict := false
	for pos := 0; values < rows; {
		if pos >= len(b) {
			return corruptf(f.name, "%s: the column chunk ends after %d values, the row group has %d rows", where, values, rows)
		}
		n, err := checkThriftStruct(b[pos:])
		if err != nil {
			return corruptf(f.name, "%s: page header at byte %d of the column chunk: %v", where, pos, err)
		}
		var h format.PageHeader
		if err := thrift.NewDecoder(proto.NewReaderFromBytes(b[pos : pos+n])).Decode(&h); err != nil {
			return corruptf(f.name, "%s: page header at byte %d of the column chunk: %v", where, pos, err)
		}
		at := pos
		pos += n
		if h.CompressedPageSize < 0 || int(h.CompressedPageSize) > len(b)-pos {
			return corruptf(f.name, "%s: page at byte %d declares %d compressed bytes but the column chunk has %d left",
				where, at, h.CompressedPageSize, len(b)-pos)
		}
		if h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxPageBytes {
			return corruptf(f.name, "%s: page at byte %d declares an uncompressed size of %d bytes (limit %d)",
				where, at, h.UncompressedPageSize, maxPageBytes)
		}
		pg := pageRec{src: pos, srcLen: int(h.CompressedPageSize)}
		pos += pg.srcLen
		if h.CRC != 0 {
			if got := int32(crc32.ChecksumIEEE(b[pg.src : pg.src+pg.srcLen])); got != h.CRC {
				return corruptf(f.name, "%s: page at byte %d: checksum mismatch (CRC32 0x%08x, header says 0x%08x)",
					where, at, uint32(got), uint32(h.CRC))
			}
		}
		isData := false
		switch h.Type {
		case format.DictionaryPage:
			if !h.DictionaryPageHeader.Valid {
				return corruptf(f.name, "%s: dictionary page at byte %d has no dictionary page header", where, at)
			}
			if sawDict || len(c.data) > 0 {
				return corruptf(f.name, "%s: unexpected dictionary page at byte %d (only one is allowed, before the data pages)", where, at)
			}
			if nv := h.DictionaryPageHeader.V.NumValues; nv < 0 || nv > maxPageValues {
				return corruptf(f.name, "%s: dictionary page at byte %d declares %d values", where, at, nv)
			}
			switch e := h.DictionaryPageHeader.V.Encoding; e {
			case format.Plain, format.PlainDictionary:
			default:
				return corruptf(f.name, "%s: dictionary page at byte %d has encoding %s (want PLAIN)", where, at, e)
			}
			sawDict = true
		case format.DataPage:
			if !h.DataPageHeader.Valid {
				return corruptf(f.name, "%s: data page at byte %d has no data page header", where, at)
			}
			pg.numValues = int(h.DataPageHeader.V.NumValues)
			pg.encoding = h.DataPageHeader.V.Encoding
			if err := c.checkDataPage(info, pg.encoding, pg.numValues, sawDict); err != nil {
				return corruptf(f.name, "%s: data page at byte %d: %v", where, at, err)
			}
			if info.maxDef > 0 {
				if e := h.DataPageHeader.V.DefinitionLevelEncoding; e != format.RLE {
					return fmt.Errorf("%w: %s: %s: data page at byte %d has definition levels in encoding %s (only RLE is read)",
						ErrUnsupported, f.name, where, at, e)
				}
				pg.v1Levels = true
			}
			isData = true
		case format.DataPageV2:
			if !h.DataPageHeaderV2.Valid {
				return corruptf(f.name, "%s: data page at byte %d has no data page v2 header", where, at)
			}
			v2 := &h.DataPageHeaderV2.V
			pg.numValues = int(v2.NumValues)
			if v2.NumNulls < 0 || v2.NumNulls > v2.NumValues || v2.NumRows != v2.NumValues ||
				v2.DefinitionLevelsByteLength < 0 || v2.RepetitionLevelsByteLength < 0 ||
				int64(v2.DefinitionLevelsByteLength)+int64(v2.RepetitionLevelsByteLength) > int64(pg.srcLen) {
				return corruptf(f.name, "%s: data page v2 at byte %d has inconsistent counts (values %d, nulls %d, rows %d, level bytes %d+%d of %d)",
					where, at, v2.NumValues, v2.NumNulls, v2.NumRows, v2.RepetitionLevelsByteLength, v2.DefinitionLevelsByteLength, pg.srcLen)
			}
			if info.maxDef == 0 && v2.NumNulls != 0 {
				return corruptf(f.name, "%s: data page v2 at byte %d declares %d nulls in a required column", where, at, v2.NumNulls)
			}
			if err := c.checkDataPage(info, v2.Encoding, pg.numValues, sawDict); err != nil {
				return corruptf(f.name, "%s: data page at byte %d: %v", where, at, err)
			}
			pg.levels = int(v2.DefinitionLevelsByteLength + v2.RepetitionLevelsByteLength)
			pg.encoding = v2.Encoding
			isData = true
		case format.IndexPage:
			// Unused by the format; readers skip them. Not served.
			continue
		default:
			return corruptf(f.name, "%s: page at byte %d has unknown page type %d", where, at, int32(h.Type))
		}

		// The payload served to parquet-go, and the header describing it.
		pg.outLen = pg.srcLen
		compressed := c.codec != format.Uncompressed
		if h.Type == format.DataPageV2 && h.DataPageHeaderV2.V.IsCompressed.Valid && !h.DataPageHeaderV2.V.IsCompressed.V {
			compressed = false
		}
		if compressed {
			pg.outLen = int(h.UncompressedPageSize)
			if pg.outLen < pg.levels {
				return corruptf(f.name, "%s: page at byte %d: uncompressed size %d is smaller than its %d level bytes", where, at, pg.outLen, pg.levels)
			}
			// An empty compressed section stands for no values (some
			// writers skip compressing empty pages).
			pg.compressed = !(pg.srcLen == pg.levels && pg.outLen == pg.levels)
		}
		h.CompressedPageSize = int32(pg.outLen)
		h.UncompressedPageSize = int32(pg.outLen)
		h.CRC = 0
		if h.Type == format.DataPageV2 {
			h.DataPageHeaderV2.V.IsCompressed = thrift.New(false)
		}
		if pg.hdr, err = thrift.Marshal(&proto, &h); err != nil {
			return fmt.Errorf("pqscan: %s: %s: re-encoding the page header at byte %d: %w", f.name, where, at, err)
		}
		pg.vstart = vpos
		vpos += int64(len(pg.hdr) + pg.outLen)
		pg.valuesLen = -1
		if !pg.compressed {
			pg.setValuesLen(b[pg.src : pg.src+pg.srcLen])
		}
		if isData {
			values += int64(pg.numValues)
			c.data = append(c.data, len(c.pages))
		}
		c.pages = append(c.pages, pg)
	}
	if values != rows {
		return corruptf(f.name, "%s: the data pages hold %d values but the row group has %d rows", where, values, rows)
	}
	c.vend = vpos
	return nil
}

// checkDataPage validates a data page's value count and encoding.
func (c *chunkData) checkDataPage(info *columnInfo, e format.Encoding, numValues int, sawDict bool) error {
	if numValues < 0 || numValues > maxPageValues {
		return fmt.Errorf("%d values (limit %d)", numValues, maxPageValues)
	}
	if err := checkEncoding(info, e); err != nil {
		return err
	}
	if (e == format.PlainDictionary || e == format.RLEDictionary) && !sawDict {
		return fmt.Errorf("dictionary-encoded, but the column chunk has no dictionary page")
	}
	return nil
}

// checkEncoding rejects value encodings that are invalid for the column's
// physical type.
func checkEncoding(info *columnInfo, e format.Encoding) error {
	ok := false
	switch e {
	case format.Plain, format.PlainDictionary, format.RLEDictionary:
		ok = true
	case format.RLE:
		ok = info.phys == format.Boolean
	case format.DeltaBinaryPacked:
		ok = info.phys == format.Int32 || info.phys == format.Int64
	case format.DeltaLengthByteArray:
		ok = info.phys == format.ByteArray
	case format.DeltaByteArray:
		ok = info.phys == format.ByteArray || info.phys == format.FixedLenByteArray
	case format.ByteStreamSplit:
		ok = info.phys == format.Float || info.phys == format.Double || info.phys == format.Int32 ||
			info.phys == format.Int64 || info.phys == format.FixedLenByteArray
	}
	if !ok {
		return fmt.Errorf("encoding %s is not valid for physical type %s", e, info.phys)
	}
	return nil
}
