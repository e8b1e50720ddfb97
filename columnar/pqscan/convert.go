package pqscan

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/parquet-go/parquet-go/encoding"
)

// Conversions from the physical values of a page (or dictionary) to the
// values of the Arrow column, written straight into the output buffer.

const (
	julianDayOfEpoch = 2440588 // Julian day number of 1970-01-01
	microsPerDay     = 86400 * 1000 * 1000
)

// floorDiv1000 divides by 1000 rounding toward negative infinity, so that a
// nanosecond instant maps to the microsecond that contains it.
func floorDiv1000(v int64) int64 {
	q := v / 1000
	if v%1000 < 0 {
		q--
	}
	return q
}

// A converter writes len(dst) column values converted from the decoded
// physical values v, starting at value off. The caller guarantees that v
// holds at least off+len(dst) values (see counter).
type converter[T any] func(dst []T, v *encoding.Values, off int) error

// A counter returns the number of physical values in v.
type counter func(v *encoding.Values) int

func countInt32(v *encoding.Values) int  { return len(v.Int32()) }
func countInt64(v *encoding.Values) int  { return len(v.Int64()) }
func countInt96(v *encoding.Values) int  { return len(v.Int96()) }
func countFloat(v *encoding.Values) int  { return len(v.Float()) }
func countDouble(v *encoding.Values) int { return len(v.Double()) }
func countFixed(v *encoding.Values) int {
	data, size := v.FixedLenByteArray()
	if size <= 0 {
		return 0
	}
	return len(data) / size
}
func countBytes(v *encoding.Values) int {
	_, offs := v.ByteArray()
	return max(len(offs)-1, 0)
}

func convInt32(dst []int32, v *encoding.Values, off int) error {
	copy(dst, v.Int32()[off:])
	return nil
}

func convInt8(dst []int32, v *encoding.Values, off int) error {
	for i, x := range v.Int32()[off : off+len(dst)] {
		dst[i] = int32(int8(x))
	}
	return nil
}

func convInt16(dst []int32, v *encoding.Values, off int) error {
	for i, x := range v.Int32()[off : off+len(dst)] {
		dst[i] = int32(int16(x))
	}
	return nil
}

func convUint8(dst []int32, v *encoding.Values, off int) error {
	for i, x := range v.Int32()[off : off+len(dst)] {
		dst[i] = x & 0xff
	}
	return nil
}

func convUint16(dst []int32, v *encoding.Values, off int) error {
	for i, x := range v.Int32()[off : off+len(dst)] {
		dst[i] = x & 0xffff
	}
	return nil
}

func convInt64(dst []int64, v *encoding.Values, off int) error {
	copy(dst, v.Int64()[off:])
	return nil
}

func convUint32(dst []int64, v *encoding.Values, off int) error {
	for i, x := range v.Int32()[off : off+len(dst)] {
		dst[i] = int64(uint32(x))
	}
	return nil
}

func convMillis(dst []int64, v *encoding.Values, off int) error {
	for i, x := range v.Int64()[off : off+len(dst)] {
		dst[i] = x * 1000 // wraps on overflow, as Spark's non-ANSI arithmetic
	}
	return nil
}

func convNanos(dst []int64, v *encoding.Values, off int) error {
	for i, x := range v.Int64()[off : off+len(dst)] {
		dst[i] = floorDiv1000(x)
	}
	return nil
}

func convTimeMillis(dst []int64, v *encoding.Values, off int) error {
	for i, x := range v.Int32()[off : off+len(dst)] {
		dst[i] = int64(x) * 1000
	}
	return nil
}

// convInt96 follows Spark: (julianDay - epochDay) * microsPerDay +
// nanosOfDay / 1000, with Java's wrapping and truncating arithmetic.
func convInt96(dst []int64, v *encoding.Values, off int) error {
	for i, x := range v.Int96()[off : off+len(dst)] {
		nanos := int64(uint64(x[1])<<32 | uint64(x[0]))
		day := int64(int32(x[2]))
		dst[i] = (day-julianDayOfEpoch)*microsPerDay + nanos/1000
	}
	return nil
}

func convDouble(dst []float64, v *encoding.Values, off int) error {
	copy(dst, v.Double()[off:])
	return nil
}

func convFloat(dst []float64, v *encoding.Values, off int) error {
	for i, x := range v.Float()[off : off+len(dst)] {
		dst[i] = float64(x)
	}
	return nil
}

func convFloat16(dst []float64, v *encoding.Values, off int) error {
	data, size := v.FixedLenByteArray()
	if size != 2 {
		return fmt.Errorf("FLOAT16 values of %d bytes", size)
	}
	data = data[2*off : 2*(off+len(dst))]
	for i := range dst {
		dst[i] = float64(float16.FromBits(binary.LittleEndian.Uint16(data[2*i:])).Float32())
	}
	return nil
}

func convInt32Decimal(dst []decimal128.Num, v *encoding.Values, off int) error {
	for i, x := range v.Int32()[off : off+len(dst)] {
		dst[i] = decimal128.New(int64(x)>>63, uint64(int64(x)))
	}
	return nil
}

func convInt64Decimal(dst []decimal128.Num, v *encoding.Values, off int) error {
	for i, x := range v.Int64()[off : off+len(dst)] {
		dst[i] = decimal128.New(x>>63, uint64(x))
	}
	return nil
}

func convUint64(dst []decimal128.Num, v *encoding.Values, off int) error {
	for i, x := range v.Int64()[off : off+len(dst)] {
		dst[i] = decimal128.New(0, uint64(x))
	}
	return nil
}

func convFixedDecimal(dst []decimal128.Num, v *encoding.Values, off int) error {
	data, size := v.FixedLenByteArray()
	if size <= 0 {
		return fmt.Errorf("decimal values of %d bytes", size)
	}
	data = data[size*off : size*(off+len(dst))]
	if size == 16 {
		for i := range dst {
			b := data[16*i : 16*i+16]
			dst[i] = decimal128.New(int64(binary.BigEndian.Uint64(b)), binary.BigEndian.Uint64(b[8:]))
		}
		return nil
	}
	for i := range dst {
		d, ok := decimalFromBigEndian(data[size*i : size*i+size])
		if !ok {
			return fmt.Errorf("decimal value %d does not fit in 128 bits", off+i)
		}
		dst[i] = d
	}
	return nil
}

func convBytesDecimal(dst []decimal128.Num, v *encoding.Values, off int) error {
	data, offs := v.ByteArray()
	for i := range dst {
		j := off + i
		d, ok := decimalFromBigEndian(data[offs[j]:offs[j+1]])
		if !ok {
			return fmt.Errorf("decimal value %d does not fit in 128 bits", j)
		}
		dst[i] = d
	}
	return nil
}

// decimalFromBigEndian decodes a big-endian two's complement integer of any
// length; an empty input is zero. It fails when the value needs more than
// 128 bits.
func decimalFromBigEndian(b []byte) (decimal128.Num, bool) {
	n := len(b)
	if n == 0 {
		return decimal128.Num{}, true
	}
	if n > 16 {
		ext := byte(0)
		if b[n-16]&0x80 != 0 {
			ext = 0xff
		}
		for _, c := range b[:n-16] {
			if c != ext {
				return decimal128.Num{}, false
			}
		}
		b = b[n-16:]
		n = 16
	}
	var buf [16]byte
	if b[0]&0x80 != 0 {
		for i := range buf[:16-n] {
			buf[i] = 0xff
		}
	}
	copy(buf[16-n:], b)
	return decimal128.New(int64(binary.BigEndian.Uint64(buf[:8])), binary.BigEndian.Uint64(buf[8:])), true
}
