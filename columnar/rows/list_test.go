package rows

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
)

func TestListBuilderReader(t *testing.T) {
	big := decimal128.New(-123456789, 42)
	cases := []struct {
		name  string
		kind  Kind
		build func(b *ListBuilder)
		check func(t *testing.T, r *ListReader)
		n     int
	}{
		{"empty", KindInt64, func(b *ListBuilder) {}, func(t *testing.T, r *ListReader) {}, 0},
		{"ints with null", KindInt64, func(b *ListBuilder) {
			b.AppendSlot(7)
			b.AppendNull()
			b.AppendSlot(uint64(math.MaxUint64))
		}, func(t *testing.T, r *ListReader) {
			if r.Slot(0) != 7 || !r.IsNull(1) || r.Slot(1) != 0 || int64(r.Slot(2)) != -1 || r.IsNull(0) {
				t.Errorf("got %d %v %d %d", r.Slot(0), r.IsNull(1), r.Slot(1), int64(r.Slot(2)))
			}
		}, 3},
		{"strings", KindBytes, func(b *ListBuilder) {
			b.AppendBytes([]byte("ab"))
			b.AppendBytes(nil)
			b.AppendNull()
			b.AppendBytes([]byte("xyz"))
		}, func(t *testing.T, r *ListReader) {
			if string(r.Bytes(0)) != "ab" || len(r.Bytes(1)) != 0 || r.IsNull(1) || !r.IsNull(2) || string(r.Bytes(3)) != "xyz" {
				t.Errorf("got %q %q %v %q", r.Bytes(0), r.Bytes(1), r.IsNull(2), r.Bytes(3))
			}
		}, 4},
		{"wide decimals", KindDec128, func(b *ListBuilder) {
			b.AppendDecimal(big)
			b.AppendNull()
			b.AppendDecimal(decimal128.FromI64(-5))
		}, func(t *testing.T, r *ListReader) {
			if r.Decimal(0) != big || !r.IsNull(1) || r.Decimal(2) != decimal128.FromI64(-5) {
				t.Errorf("got %v %v %v", r.Decimal(0), r.IsNull(1), r.Decimal(2))
			}
		}, 3},
		{"narrow decimals", KindDec64, func(b *ListBuilder) {
			b.AppendDecimal(decimal128.FromI64(-12345))
		}, func(t *testing.T, r *ListReader) {
			if r.Decimal(0) != decimal128.FromI64(-12345) {
				t.Errorf("got %v", r.Decimal(0))
			}
		}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewListBuilder(tc.kind)
			b.AppendSlot(99) // discarded by Reset
			b.Reset()
			tc.build(b)
			if b.Len() != tc.n {
				t.Fatalf("builder Len %d, want %d", b.Len(), tc.n)
			}
			enc := append([]byte(nil), b.Bytes()...)
			if got := b.Bytes(); string(got) != string(enc) {
				t.Fatalf("Bytes not repeatable")
			}
			r, err := NewListReader(tc.kind, enc)
			if err != nil {
				t.Fatal(err)
			}
			if r.Len() != tc.n || r.ElemKind() != tc.kind {
				t.Fatalf("reader Len %d kind %d, want %d %d", r.Len(), r.ElemKind(), tc.n, tc.kind)
			}
			tc.check(t, r)
		})
	}
}

func TestListReaderRejectsInvalid(t *testing.T) {
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	cases := []struct {
		name string
		kind Kind
		enc  []byte
		want string
	}{
		{"short", KindInt64, []byte{1, 0}, "shorter than its count"},
		{"count too big", KindInt64, le32(1000), "exceeds"},
		{"fixed truncated", KindInt64, cat(le32(2), []byte{0, 0}, make([]byte, 9)), "fixed-width"},
		{"string truncated", KindBytes, cat(le32(1), []byte{0}, le32(5), []byte("ab")), "has 5 bytes"},
		{"length truncated", KindBytes, cat(le32(1), []byte{0}, []byte{1, 0}), "truncated"},
		{"trailing", KindBytes, cat(le32(1), []byte{0}, le32(1), []byte("ab")), "trailing"},
		{"decimal size", KindDec128, cat(le32(1), []byte{0}, le32(3), []byte("abc")), "want 16"},
		{"nested", KindList, cat(le32(0)), "arrays of arrays"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewListReader(tc.kind, tc.enc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestFormatList(t *testing.T) {
	enc := func(k Kind, f func(b *ListBuilder)) []byte {
		b := NewListBuilder(k)
		f(b)
		return append([]byte(nil), b.Bytes()...)
	}
	cases := []struct {
		name string
		typ  arrow.DataType
		enc  []byte
		want string
	}{
		{"ints", columnar.Int32, enc(KindInt32, func(b *ListBuilder) {
			b.AppendSlot(1)
			b.AppendSlot(2)
			b.AppendNull()
			m3 := int64(-3)
			b.AppendSlot(uint64(m3))
		}), "[1, 2, null, -3]"},
		{"empty", columnar.Int64, enc(KindInt64, func(b *ListBuilder) {}), "[]"},
		{"strings", columnar.String, enc(KindBytes, func(b *ListBuilder) {
			b.AppendBytes([]byte("a"))
			b.AppendBytes([]byte("b c"))
		}), "[a, b c]"},
		{"doubles", columnar.Float64, enc(KindFloat64, func(b *ListBuilder) {
			b.AppendSlot(math.Float64bits(1))
			b.AppendSlot(math.Float64bits(math.NaN()))
			b.AppendSlot(math.Float64bits(0.5))
		}), "[1.0, NaN, 0.5]"},
		{"booleans", columnar.Boolean, enc(KindBool, func(b *ListBuilder) {
			b.AppendSlot(1)
			b.AppendSlot(0)
		}), "[true, false]"},
		{"decimals", columnar.Decimal(10, 2), enc(KindDec64, func(b *ListBuilder) {
			b.AppendDecimal(decimal128.FromI64(150))
			b.AppendDecimal(decimal128.FromI64(-5))
		}), "[1.50, -0.05]"},
		{"wide decimals", columnar.Decimal(30, 1), enc(KindDec128, func(b *ListBuilder) {
			b.AppendDecimal(decimal128.FromI64(-15))
			b.AppendNull()
		}), "[-1.5, null]"},
		{"dates", columnar.Date, enc(KindInt32, func(b *ListBuilder) {
			b.AppendSlot(18262)
		}), "[2020-01-01]"},
		{"timestamps", columnar.Timestamp, enc(KindInt64, func(b *ListBuilder) {
			b.AppendSlot(1577836800000000 + 500000)
		}), "[2020-01-01 00:00:00.5]"},
		{"binary", columnar.Binary, enc(KindBytes, func(b *ListBuilder) {
			b.AppendBytes([]byte{1, 0xab})
		}), "[01AB]"},
		{"invalid", columnar.Int64, []byte{9}, "<invalid array: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := FormatList(tc.typ, tc.enc)
			if got != tc.want && !(strings.HasSuffix(tc.want, ": ") && strings.HasPrefix(got, tc.want)) {
				t.Fatalf("FormatList = %q, want %q", got, tc.want)
			}
		})
	}
}
