package rows

import (
	"encoding/binary"

	"github.com/gluten-go/gluten-go/columnar"
)

// The hash function of columnar.HashColumns (columnar/hashing.go);
// TestHashFieldsMatchesHashColumns keeps the two in step.
const (
	hashSeed = columnar.HashSeed
	nullHash = columnar.HashNull
)

func combine(h, v uint64) uint64 { return columnar.HashCombine(h, v) }

// HashFields hashes fields cols of r, a row of l, to the same value
// columnar.HashColumns computes for the same SQL values in Arrow arrays
// (columns in the same order), so a row exchange and a columnar one
// partition rows alike. ARRAY fields, which HashColumns does not support,
// hash by their elements (equal arrays, as GROUP BY sees them, hash alike).
// Every column must be a field of l.
func HashFields(l *Layout, r Row, cols []int) uint64 {
	h := uint64(hashSeed)
	for _, c := range cols {
		if l.IsNull(r, c) {
			h = combine(h, nullHash)
			continue
		}
		switch l.kinds[c] {
		case KindNull:
			h = combine(h, nullHash)
		case KindBool:
			var v uint64
			if r[l.slot(c)] != 0 {
				v = 1
			}
			h = combine(h, v)
		case KindInt32:
			h = combine(h, uint64(int64(l.Int32(r, c))))
		case KindInt64:
			h = combine(h, l.Slot(r, c))
		case KindFloat64:
			h = combine(h, normalDouble(l.Slot(r, c)))
		case KindDec64:
			v := l.Int64(r, c)
			h = combine(combine(h, uint64(v)), uint64(v>>63))
		case KindDec128:
			b := l.Bytes(r, c)
			if len(b) == 16 {
				h = combine(combine(h, binary.LittleEndian.Uint64(b)), binary.LittleEndian.Uint64(b[8:]))
			} else {
				h = combine(h, columnar.HashBytes(b))
			}
		case KindBytes:
			h = combine(h, columnar.HashBytes(l.Bytes(r, c)))
		case KindList:
			h = combine(h, hashList(l.Bytes(r, c), l.ElemKind(c)))
		}
	}
	return h
}

// hashList hashes an encoded list by its count and elements, each as
// HashFields hashes a field of its kind. An invalid encoding hashes as
// bytes.
func hashList(b []byte, ek Kind) uint64 {
	n, err := listLen(b)
	if err != nil {
		return columnar.HashBytes(b)
	}
	nulls, p := b[4:4+n], 4+n
	h := combine(hashSeed, uint64(n))
	for i := 0; i < n; i++ {
		if ek.Variable() {
			if len(b)-p < 4 || int(binary.LittleEndian.Uint32(b[p:])) > len(b)-p-4 {
				return columnar.HashBytes(b)
			}
			m := int(binary.LittleEndian.Uint32(b[p:]))
			v := b[p+4 : p+4+m]
			p += 4 + m
			switch {
			case nulls[i] != 0:
				h = combine(h, nullHash)
			case ek == KindDec128 && m == 16:
				h = combine(combine(h, binary.LittleEndian.Uint64(v)), binary.LittleEndian.Uint64(v[8:]))
			default:
				h = combine(h, columnar.HashBytes(v))
			}
			continue
		}
		if len(b)-p < 8 {
			return columnar.HashBytes(b)
		}
		v := binary.LittleEndian.Uint64(b[p:])
		p += 8
		if nulls[i] != 0 {
			h = combine(h, nullHash)
			continue
		}
		switch ek {
		case KindBool:
			h = combine(h, v&1)
		case KindInt32:
			h = combine(h, uint64(int64(int32(v))))
		case KindFloat64:
			h = combine(h, normalDouble(v))
		case KindDec64:
			h = combine(combine(h, v), uint64(int64(v)>>63))
		default:
			h = combine(h, v)
		}
	}
	return h
}
