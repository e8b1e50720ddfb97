package rows

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
)

func TestKeyEncoderEqualityIsSQLEquality(t *testing.T) {
	l := layoutOf(t, columnar.Int64, columnar.String, columnar.Float64, columnar.Int32,
		columnar.Decimal(30, 2), columnar.Decimal(10, 2), columnar.Boolean, arrow.ListOf(columnar.Int32), columnar.Date)
	r := rand.New(rand.NewPCG(3, 4))
	buf := lowCardBuffer(t, r, l, 300)
	for _, cols := range [][]int{{0}, {1}, {2}, {2, 3}, {4, 5}, {6, 7}, {8, 1, 0}, {0, 1, 2, 3, 4, 5, 6, 7, 8}} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			e := NewKeyEncoder(l, cols)
			keys := make([]SortKey, len(cols))
			for i, c := range cols {
				keys[i] = SortKey{Column: c}
			}
			c := NewComparator(l, keys)
			enc := make([]string, buf.Len())
			for i := range enc {
				enc[i] = string(e.Encode(buf.Row(i)))
			}
			equalPairs := 0
			for i := range enc {
				for j := range enc {
					eq := c.Compare(buf.Row(i), buf.Row(j)) == 0
					if (enc[i] == enc[j]) != eq {
						t.Fatalf("rows %d and %d: keys equal %v, values equal %v", i, j, enc[i] == enc[j], eq)
					}
					if eq && i != j {
						equalPairs++
					}
				}
			}
			if equalPairs == 0 && len(cols) <= 3 {
				t.Fatal("no equal pairs: the test checks nothing")
			}
			// A key is a row of the key layout, and encoding it again
			// gives the same key.
			ke := NewKeyEncoder(e.Layout(), seq(len(cols)))
			for i := range enc {
				if got := string(ke.Encode(Row(enc[i]))); got != enc[i] {
					t.Fatalf("row %d: re-encoded key differs", i)
				}
			}
		})
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestKeyEncoderNormalizes(t *testing.T) {
	l := layoutOf(t, columnar.Float64, columnar.String, columnar.Int32, arrow.ListOf(columnar.Float64))
	e := NewKeyEncoder(l, []int{0, 1, 2, 3})
	kl := e.Layout()
	negZero := math.Copysign(0, -1)
	nan2 := math.Float64frombits(0xfff0000000000123)
	cases := []struct {
		name string
		a, b Row
	}{
		{"-0.0 and 0.0", rowOf(l, negZero, "x", int32(1), listOf{negZero}), rowOf(l, 0.0, "x", int32(1), listOf{0.0})},
		{"NaNs", rowOf(l, math.NaN(), "x", int32(1), listOf{math.NaN(), nil}), rowOf(l, nan2, "x", int32(1), listOf{nan2, nil})},
		{"NULLs", rowOf(l, nil, nil, nil, nil), rowOf(l, nil, nil, nil, nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ka := append([]byte(nil), e.Encode(tc.a)...)
			kb := e.Encode(tc.b)
			if !bytes.Equal(ka, kb) {
				t.Fatalf("keys differ:\n%x\n%x", ka, kb)
			}
			if kl.IsNull(ka, 0) {
				return
			}
			f := kl.Float64(ka, 0)
			if math.Signbit(f) {
				t.Errorf("key reads back %v, want a positive value", f)
			}
			if kl.Int32(ka, 2) != 1 || string(kl.Bytes(ka, 1)) != "x" {
				t.Errorf("key reads back %d %q", kl.Int32(ka, 2), kl.Bytes(ka, 1))
			}
		})
	}
	// A writer's leftovers (a value set, then replaced by NULL) do not
	// change the key.
	w := NewWriter(l)
	w.Reset()
	w.SetString(1, "leftover")
	w.SetNull(1)
	w.SetFloat64(0, 2)
	w.SetNull(2)
	w.SetNull(3)
	clean := rowOf(l, 2.0, nil, nil, nil)
	if got, want := string(e.Encode(w.Row())), string(e.Encode(clean)); got != want {
		t.Fatalf("key of a row with leftovers differs from a clean row's")
	}
	if n := testing.AllocsPerRun(100, func() { e.Encode(cases[0].a) }); n != 0 {
		t.Errorf("Encode allocates %v times", n)
	}
}

func TestHashFieldsMatchesHashColumns(t *testing.T) {
	mem := checkedMem(t)
	r := rand.New(rand.NewPCG(5, 6))
	types := scalar
	nms := make([]nullMode, len(types))
	for i := range nms {
		nms[i] = nullMode(i % 3)
	}
	in := randomBatch(mem, r, types, nms, 300, 5)
	defer in.Release()
	l, err := NewLayout(in.Schema())
	if err != nil {
		t.Fatal(err)
	}
	buf := NewBuffer()
	if err := AppendBatch(l, in, buf); err != nil {
		t.Fatal(err)
	}
	colSets := [][]int{{}, {0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, {12}, {1, 8}, seq(len(types))}
	for _, cols := range colSets {
		arrs := make([]arrow.Array, len(cols))
		for i, c := range cols {
			arrs[i] = in.Column(c)
		}
		want := make([]uint64, in.NumRows())
		if err := columnar.HashColumns(arrs, want); err != nil {
			t.Fatal(err)
		}
		distinct := map[uint64]bool{}
		for i, w := range want {
			if got := HashFields(l, buf.Row(i), cols); got != w {
				t.Fatalf("cols %v row %d: HashFields %x, HashColumns %x", cols, i, got, w)
			}
			distinct[w] = true
		}
		if len(cols) == len(types) && len(distinct) < 250 {
			t.Fatalf("only %d distinct hashes", len(distinct))
		}
	}
}

func TestHashFieldsEqualForEqualKeys(t *testing.T) {
	l := layoutOf(t, columnar.Float64, arrow.ListOf(columnar.Float64), arrow.ListOf(columnar.String), columnar.Decimal(10, 1))
	negZero := math.Copysign(0, -1)
	nan2 := math.Float64frombits(0x7ff0000000000321)
	a := rowOf(l, negZero, listOf{negZero, math.NaN(), nil}, listOf{"a", nil}, nil)
	b := rowOf(l, 0.0, listOf{0.0, nan2, nil}, listOf{"a", nil}, nil)
	c := rowOf(l, 0.0, listOf{0.0, nan2}, listOf{"a", nil}, nil)
	cols := []int{0, 1, 2, 3}
	if HashFields(l, a, cols) != HashFields(l, b, cols) {
		t.Error("equal values hash differently")
	}
	if HashFields(l, a, cols) == HashFields(l, c, cols) {
		t.Error("lists of different lengths hash alike")
	}
	// A list column hashes like a column of the same SQL values: check a
	// round trip through Arrow keeps the hash.
	mem := checkedMem(t)
	buf := NewBuffer()
	buf.Append(a)
	rb, err := BufferToBatch(mem, l, buf, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Release()
	buf2 := NewBuffer()
	if err := AppendBatch(l, rb, buf2); err != nil {
		t.Fatal(err)
	}
	if HashFields(l, buf2.Row(0), cols) != HashFields(l, a, cols) {
		t.Error("hash changed through a round trip")
	}
}
