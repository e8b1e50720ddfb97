package pqscan

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// This file holds a small walker over Thrift compact-protocol bytes. It runs
// before any metadata or page header is handed to parquet-go's reflective
// Thrift decoder, for three reasons:
//
//   - Safety: a decoder that trusts a declared list length allocates the whole
//     list before reading it, so a few malicious bytes could ask for gigabytes
//     (or make the runtime abort, which recover cannot catch). The walker
//     checks that every list, map and binary fits in the bytes that remain and
//     that nesting stays shallow, so the decoder only ever allocates in
//     proportion to the input.
//   - Compatibility: parquet-go v0.32 declares KeyValue.value required
//     although the Parquet spec makes it optional, and rejects the whole file
//     when a writer omitted it (parquet-testing's
//     column_chunk_key_value_metadata.parquet). The walker locates such
//     KeyValue structs in the footer and an empty value is inserted.
//   - Control of decompression: the reader decompresses pages itself (see
//     codec.go) and serves parquet-go a stream of uncompressed pages, so the
//     footer parquet-go sees declares every column chunk UNCOMPRESSED and
//     large enough for that stream. The original values are read from the
//     footer separately (meta.go).

// Thrift compact type codes.
const (
	ctStop         = 0
	ctBoolTrue     = 1
	ctBoolFalse    = 2
	ctByte         = 3
	ctI16          = 4
	ctI32          = 5
	ctI64          = 6
	ctDouble       = 7
	ctBinary       = 8
	ctList         = 9
	ctSet          = 10
	ctMap          = 11
	ctStruct       = 12
	ctUUID         = 13
	maxThriftDepth = 64
)

// structKind names the Parquet metadata structs the walker needs to recognise
// on its way to KeyValue.
type structKind uint8

const (
	skOther structKind = iota
	skFileMeta
	skRowGroup
	skColumnChunk
	skColumnMeta
	skKeyValue
)

// childKind returns the kind of the struct (or list element struct) found in
// field id of a struct of kind parent.
func childKind(parent structKind, id int16) structKind {
	switch parent {
	case skFileMeta:
		switch id {
		case 4:
			return skRowGroup
		case 5:
			return skKeyValue
		}
	case skRowGroup:
		if id == 1 {
			return skColumnChunk
		}
	case skColumnChunk:
		if id == 3 {
			return skColumnMeta
		}
	case skColumnMeta:
		if id == 8 {
			return skKeyValue
		}
	}
	return skOther
}

// thriftWalker checks one compact-protocol struct.
type thriftWalker struct {
	b     []byte
	pos   int
	depth int
	// edits collects the footer rewrites (only when patch is set).
	patch bool
	edits []edit
}

// edit replaces b[at:end] with repl.
type edit struct {
	at, end int
	repl    []byte
}

func (w *thriftWalker) errorf(format string, args ...any) error {
	return fmt.Errorf("malformed thrift at byte %d of %d: %s", w.pos, len(w.b), fmt.Sprintf(format, args...))
}

func (w *thriftWalker) byte1() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, w.errorf("unexpected end of data")
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	if n <= 0 {
		return 0, w.errorf("bad varint")
	}
	w.pos += n
	return v, nil
}

func (w *thriftWalker) skip(n uint64) error {
	if n > uint64(len(w.b)-w.pos) {
		return w.errorf("%d bytes declared, %d remain", n, len(w.b)-w.pos)
	}
	w.pos += int(n)
	return nil
}

// walkStruct checks a struct starting at w.pos and leaves w.pos after its
// STOP byte.
func (w *thriftWalker) walkStruct(kind structKind) error {
	w.depth++
	if w.depth > maxThriftDepth {
		return w.errorf("nesting deeper than %d", maxThriftDepth)
	}
	defer func() { w.depth-- }()
	var last int16
	var seen1, seen2 bool
	for {
		start := w.pos
		h, err := w.byte1()
		if err != nil {
			return err
		}
		typ := h & 0x0f
		if typ == ctStop {
			if w.patch && kind == skKeyValue && seen1 && !seen2 {
				// Insert field 2 (value) as an empty binary before STOP.
				var repl []byte
				if d := 2 - last; d > 0 && d <= 15 {
					repl = []byte{byte(d)<<4 | ctBinary, 0}
				} else {
					repl = []byte{ctBinary, 4, 0} // long form: zigzag(2) = 4
				}
				w.edits = append(w.edits, edit{at: start, end: start, repl: repl})
			}
			return nil
		}
		var id int16
		if delta := h >> 4; delta != 0 {
			id = last + int16(delta)
		} else {
			v, err := w.uvarint()
			if err != nil {
				return err
			}
			id = int16(int64(v>>1) ^ -int64(v&1))
		}
		last = id
		switch id {
		case 1:
			seen1 = true
		case 2:
			seen2 = true
		}
		vstart := w.pos
		if err := w.walkValue(typ, childKind(kind, id), true); err != nil {
			return err
		}
		if w.patch && kind == skColumnMeta {
			switch {
			case id == 4 && typ == ctI32: // codec -> UNCOMPRESSED
				w.edits = append(w.edits, edit{at: vstart, end: w.pos, repl: []byte{0}})
			case id == 7 && typ == ctI64: // total_compressed_size -> virtualChunkSize
				w.edits = append(w.edits, edit{at: vstart, end: w.pos, repl: zigzagVarint(virtualChunkSize)})
			}
		}
	}
}

// zigzagVarint encodes v as a compact-protocol integer.
func zigzagVarint(v int64) []byte {
	return binary.AppendUvarint(nil, uint64(v<<1^v>>63))
}

// walkValue skips one value of compact type typ. inField is true for a struct
// field (where booleans carry no payload) and false for a list element.
func (w *thriftWalker) walkValue(typ byte, kind structKind, inField bool) error {
	switch typ {
	case ctBoolTrue, ctBoolFalse:
		if !inField {
			_, err := w.byte1()
			return err
		}
		return nil
	case ctByte:
		_, err := w.byte1()
		return err
	case ctI16, ctI32, ctI64:
		_, err := w.uvarint()
		return err
	case ctDouble:
		return w.skip(8)
	case ctUUID:
		return w.skip(16)
	case ctBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	case ctList, ctSet:
		h, err := w.byte1()
		if err != nil {
			return err
		}
		size := uint64(h >> 4)
		if size == 15 {
			if size, err = w.uvarint(); err != nil {
				return err
			}
		}
		et := h & 0x0f
		// Every element takes at least one byte.
		if size > uint64(len(w.b)-w.pos) {
			return w.errorf("list of %d elements in %d remaining bytes", size, len(w.b)-w.pos)
		}
		if et == ctStop || et > ctUUID {
			if size == 0 {
				return nil
			}
			return w.errorf("list of unknown element type %d", et)
		}
		w.depth++
		defer func() { w.depth-- }()
		if w.depth > maxThriftDepth {
			return w.errorf("nesting deeper than %d", maxThriftDepth)
		}
		for i := uint64(0); i < size; i++ {
			if err := w.walkValue(et, kind, false); err != nil {
				return err
			}
		}
		return nil
	case ctMap:
		size, err := w.uvarint()
		if err != nil {
			return err
		}
		if size == 0 {
			return nil
		}
		kv, err := w.byte1()
		if err != nil {
			return err
		}
		if size > uint64(len(w.b)-w.pos)/2 {
			return w.errorf("map of %d entries in %d remaining bytes", size, len(w.b)-w.pos)
		}
		kt, vt := kv>>4, kv&0x0f
		if kt == ctStop || kt > ctUUID || vt == ctStop || vt > ctUUID {
			return w.errorf("map of unknown types %d/%d", kt, vt)
		}
		w.depth++
		defer func() { w.depth-- }()
		if w.depth > maxThriftDepth {
			return w.errorf("nesting deeper than %d", maxThriftDepth)
		}
		for i := uint64(0); i < size; i++ {
			if err := w.walkValue(kt, skOther, false); err != nil {
				return err
			}
			if err := w.walkValue(vt, skOther, false); err != nil {
				return err
			}
		}
		return nil
	case ctStruct:
		return w.walkStruct(kind)
	}
	return w.errorf("unknown thrift type %d", typ)
}

// checkThriftStruct validates the compact struct at the start of b and
// returns its length in bytes.
func checkThriftStruct(b []byte) (int, error) {
	w := thriftWalker{b: b}
	if err := w.walkStruct(skOther); err != nil {
		return 0, err
	}
	return w.pos, nil
}

// checkFooter validates a FileMetaData struct that must fill b exactly,
// and returns the footer to give parquet-go: KeyValue structs lacking their
// (optional) value get an empty one, and every ColumnMetaData declares codec
// UNCOMPRESSED and total_compressed_size virtualChunkSize.
func checkFooter(b []byte) ([]byte, error) {
	w := thriftWalker{b: b, patch: true}
	if err := w.walkStruct(skFileMeta); err != nil {
		return nil, err
	}
	if w.pos != len(b) {
		return nil, fmt.Errorf("malformed thrift: %d trailing bytes after the file metadata", len(b)-w.pos)
	}
	sort.SliceStable(w.edits, func(i, j int) bool { return w.edits[i].at < w.edits[j].at })
	out := make([]byte, 0, len(b)+16*len(w.edits))
	prev := 0
	for _, e := range w.edits {
		out = append(out, b[prev:e.at]...)
		out = append(out, e.repl...)
		prev = e.end
	}
	out = append(out, b[prev:]...)
	return out, nil
}

// footerLength returns the length of the FileMetaData struct at the start of
// b without checking that it fills b.
func footerLength(b []byte) (int, error) {
	w := thriftWalker{b: b}
	if err := w.walkStruct(skFileMeta); err != nil {
		return 0, err
	}
	return w.pos, nil
}
