package pqscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/brotli"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/lz4"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

func sampleData(n int) []byte {
	rnd := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, n)
	for i := range b {
		if i%64 < 40 {
			b[i] = byte(i / 64) // compressible runs
		} else {
			b[i] = byte(rnd.IntN(256))
		}
	}
	return b
}

func TestDecompressRoundTrip(t *testing.T) {
	codecs := map[format.CompressionCodec]compress.Codec{
		format.Snappy: &snappy.Codec{},
		format.Gzip:   &gzip.Codec{},
		format.Zstd:   &zstd.Codec{},
		format.Lz4Raw: &lz4.Codec{},
		format.Brotli: &brotli.Codec{},
	}
	for _, n := range []int{0, 1, 100, 70000} {
		src := sampleData(n)
		for codec, c := range codecs {
			comp, err := c.Encode(nil, src)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]byte, n)
			if err := decompress(codec, dst, comp); err != nil {
				t.Fatalf("%s, %d bytes: %v", codec, n, err)
			}
			if !bytes.Equal(dst, src) {
				t.Fatalf("%s, %d bytes: wrong output", codec, n)
			}
			// A wrong declared size is an error, never a larger allocation.
			if n > 0 {
				if err := decompress(codec, make([]byte, n-1), comp); err == nil {
					t.Errorf("%s: short destination accepted", codec)
				}
			}
			if err := decompress(codec, make([]byte, n+1), comp); err == nil {
				t.Errorf("%s: long destination accepted", codec)
			}
		}
	}
	if err := decompress(format.LZO, make([]byte, 4), []byte{1, 2}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("LZO: %v", err)
	}
}

func TestLZ4Hadoop(t *testing.T) {
	src := sampleData(5000)
	raw, err := (&lz4.Codec{}).Encode(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	// Hadoop framing, in two blocks.
	half, err := (&lz4.Codec{}).Encode(nil, src[:2500])
	if err != nil {
		t.Fatal(err)
	}
	half2, err := (&lz4.Codec{}).Encode(nil, src[2500:])
	if err != nil {
		t.Fatal(err)
	}
	var framed []byte
	for _, blk := range []struct {
		raw  []byte
		size int
	}{{half, 2500}, {half2, 2500}} {
		framed = binary.BigEndian.AppendUint32(framed, uint32(blk.size))
		framed = binary.BigEndian.AppendUint32(framed, uint32(len(blk.raw)))
		framed = append(framed, blk.raw...)
	}
	for name, in := range map[string][]byte{"hadoop": framed, "bare block": raw} {
		dst := make([]byte, len(src))
		if err := decompress(format.Lz4, dst, in); err != nil || !bytes.Equal(dst, src) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestLZ4Garbage feeds random bytes to the LZ4 decoder: errors, no panic,
// no endless loop (parquet-go's own LZ4 decoder doubles its buffer forever
// on such input).
func TestLZ4Garbage(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	valid, _ := (&lz4.Codec{}).Encode(nil, sampleData(3000))
	for i := 0; i < 2000; i++ {
		var in []byte
		if i%2 == 0 {
			in = make([]byte, rnd.IntN(200))
			for j := range in {
				in[j] = byte(rnd.IntN(256))
			}
		} else {
			in = bytes.Clone(valid)
			in[rnd.IntN(len(in))] ^= byte(1 + rnd.IntN(255))
		}
		dst := make([]byte, 3000)
		_ = decompress(format.Lz4Raw, dst, in)
		_ = decompress(format.Lz4, dst, in)
	}
}

func TestThriftWalker(t *testing.T) {
	var proto thrift.CompactProtocol
	hdr := format.PageHeader{Type: format.DataPage, UncompressedPageSize: 10, CompressedPageSize: 10,
		DataPageHeader: thrift.New(format.DataPageHeader{NumValues: 3})}
	b, err := thrift.Marshal(&proto, &hdr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := checkThriftStruct(append(bytes.Clone(b), 1, 2, 3))
	if err != nil || n != len(b) {
		t.Fatalf("checkThriftStruct = %d, %v; want %d", n, err, len(b))
	}
	for i := 0; i < len(b)-1; i++ {
		if _, err := checkThriftStruct(b[:i]); err == nil {
			t.Errorf("truncated at %d accepted", i)
		}
	}
	bad := []struct {
		name string
		b    []byte
	}{
		{"huge list", []byte{0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07}}, // field 1 list<struct> of 2^31-1
		{"huge binary", []byte{0x18, 0xff, 0xff, 0xff, 0xff, 0x0f}},     // field 1 binary of 2^32-1 bytes
		{"huge map", []byte{0x1b, 0xff, 0xff, 0xff, 0x7f, 0x88}},        // field 1 map of 2^28 entries
		{"unknown type", []byte{0x1e}},                                  // field 1 of type 14
		{"bad varint", []byte{0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tc := range bad {
		if _, err := checkThriftStruct(tc.b); err == nil {
			t.Errorf("%s accepted", tc.name)
		}
	}
	deep := bytes.Repeat([]byte{0x1c}, 200) // struct in struct in ...
	if _, err := checkThriftStruct(deep); err == nil {
		t.Error("deep nesting accepted")
	}
}

// TestFooterPatch checks the footer rewrite: an empty value for KeyValue
// structs without one, codec UNCOMPRESSED and the virtual chunk size.
func TestFooterPatch(t *testing.T) {
	var proto thrift.CompactProtocol
	type kv struct {
		Key string `thrift:"1,required"`
	}
	type meta struct {
		Codec int32  `thrift:"4,optional"`
		Total int64  `thrift:"7,optional"`
		KV    []kv   `thrift:"8,optional"`
		Path  string `thrift:"3,optional"`
	}
	type chunk struct {
		Meta meta `thrift:"3,optional"`
	}
	type rowGroup struct {
		Columns []chunk `thrift:"1,optional"`
	}
	type fileMeta struct {
		Version   int32      `thrift:"1,optional"`
		RowGroups []rowGroup `thrift:"4,optional"`
		KV        []kv       `thrift:"5,optional"`
	}
	in := fileMeta{Version: 1,
		RowGroups: []rowGroup{{Columns: []chunk{{Meta: meta{Codec: 1, Total: 123, KV: []kv{{"a"}}, Path: "x"}}}}},
		KV:        []kv{{"k1"}, {"k2"}}}
	b, err := thrift.Marshal(&proto, &in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := checkFooter(b)
	if err != nil {
		t.Fatal(err)
	}
	type kvOut struct {
		Key   string `thrift:"1,required"`
		Value string `thrift:"2,required"`
	}
	type metaOut struct {
		Codec int32   `thrift:"4,optional"`
		Total int64   `thrift:"7,optional"`
		KV    []kvOut `thrift:"8,optional"`
		Path  string  `thrift:"3,optional"`
	}
	type fileOut struct {
		Version   int32 `thrift:"1,optional"`
		RowGroups []struct {
			Columns []struct {
				Meta metaOut `thrift:"3,optional"`
			} `thrift:"1,optional"`
		} `thrift:"4,optional"`
		KV []kvOut `thrift:"5,optional"`
	}
	var fo fileOut
	if err := thrift.Unmarshal(&proto, out, &fo); err != nil {
		t.Fatalf("patched footer does not decode with required values: %v", err)
	}
	m := fo.RowGroups[0].Columns[0].Meta
	if m.Codec != 0 || m.Total != virtualChunkSize || m.Path != "x" || len(m.KV) != 1 || m.KV[0].Key != "a" {
		t.Errorf("column meta %+v", m)
	}
	if len(fo.KV) != 2 || fo.KV[1].Key != "k2" || fo.Version != 1 {
		t.Errorf("file meta %+v", fo)
	}
	if _, err := checkFooter(append(bytes.Clone(b), 0)); err == nil {
		t.Error("trailing byte accepted")
	}
}

func TestDecodeRLEBools(t *testing.T) {
	// 10 x true (RLE run), then bit-packed group 0b10100101, then 3 x false.
	runs := []byte{10 << 1, 1, 1<<1 | 1, 0xa5, 3 << 1, 0}
	src := binary.LittleEndian.AppendUint32(nil, uint32(len(runs)))
	src = append(src, runs...)
	bits, err := decodeRLEBools(src, 21, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "111111111110100101000"
	for i := 0; i < 21; i++ {
		got := "0"
		if bits[i/8]&(1<<(i%8)) != 0 {
			got = "1"
		}
		if got != want[i:i+1] {
			t.Fatalf("bit %d = %s, want %s (%08b)", i, got, want[i:i+1], bits)
		}
	}
	if _, err := decodeRLEBools(src, 30, nil); err == nil {
		t.Error("too few values accepted")
	}
	if _, err := decodeRLEBools(src[:3], 1, nil); err == nil {
		t.Error("missing prefix accepted")
	}
}

func TestDefBits(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for n := 0; n < 70; n++ {
		defs := make([]byte, n)
		ones := 0
		for i := range defs {
			defs[i] = byte(rnd.IntN(2))
			ones += int(defs[i])
		}
		if got, ok := countDefs(defs); got != ones || !ok {
			t.Fatalf("countDefs = %d, %v; want %d", got, ok, ones)
		}
		if got := countOnes(defs); got != ones {
			t.Fatalf("countOnes = %d, want %d", got, ones)
		}
		for at := 0; at < 10; at++ {
			bm := bytes.Repeat([]byte{0x5a}, (at+n)/8+2)
			writeDefBits(bm, at, defs)
			for i, d := range defs {
				if (bm[(at+i)/8]>>((at+i)%8))&1 != d {
					t.Fatalf("n %d at %d: bit %d wrong", n, at, i)
				}
			}
			if at > 0 && bm[0]&1 != 0 { // bits before at untouched (0x5a has bit 0 clear)
				t.Fatalf("bit before the range changed")
			}
		}
		if n > 0 {
			defs[n-1] = 2
			if _, ok := countDefs(defs); ok {
				t.Fatal("level 2 accepted")
			}
		}
	}
}

func TestDecimalFromBigEndian(t *testing.T) {
	tests := []struct {
		in     []byte
		hi     int64
		lo     uint64
		wantOK bool
	}{
		{nil, 0, 0, true},
		{[]byte{0x80}, -1, ^uint64(127), true},
		{[]byte{0x01, 0x00}, 0, 256, true},
		{append(bytes.Repeat([]byte{0xff}, 4), bytes.Repeat([]byte{0xff}, 16)...), -1, ^uint64(0), true},
		{append([]byte{0x00}, append([]byte{0x80}, make([]byte, 15)...)...), 0, 0, false}, // +2^127: needs 129 bits
		{append([]byte{0x01}, make([]byte, 16)...), 0, 0, false},
		{append([]byte{0x00}, append([]byte{0x7f}, make([]byte, 15)...)...), 0x7f << 56, 0, true},
	}
	for i, tc := range tests {
		d, ok := decimalFromBigEndian(tc.in)
		if ok != tc.wantOK || (ok && (d.HighBits() != tc.hi || d.LowBits() != tc.lo)) {
			t.Errorf("case %d: %v %v, want %d/%d %v", i, d, ok, tc.hi, tc.lo, tc.wantOK)
		}
	}
}
