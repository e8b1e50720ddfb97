package rowexpr

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash/crc32"
	"math"
	"math/big"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

func registerStringRowOnly() {
	str, i32, i64 := columnar.String, columnar.Int32, columnar.Int64

	// initcap(str): lower-cased, then the first character and every one
	// following a space title-cased (Spark's toLowerCase.toTitleCase).
	registerRowOnly(&rowOnlySpec{name: "initcap", resolve: sig(str, 1, str),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				d := expr.AppendLower(c.scratch(len(a[0].B)), a[0].B)
				d = titleCase(d)
				return strResult(c, d), nil
			}, nil
		}})

	// levenshtein(a, b[, threshold]): the edit distance in characters; -1
	// when it exceeds threshold.
	registerRowOnly(&rowOnlySpec{name: "levenshtein", resolve: sig(i32, 2, str, str, i32),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				d := c.levenshtein(a[0].B, a[1].B)
				if len(a) > 2 && d > int(int32(a[2].I)) {
					return Value{I: -1}, nil
				}
				return Value{I: int64(d)}, nil
			}, nil
		}})

	// soundex(str): the American Soundex code; str itself when it does not
	// start with an ASCII letter.
	registerRowOnly(&rowOnlySpec{name: "soundex", resolve: sig(str, 1, str),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				code, ok := soundex(a[0].B)
				if !ok {
					return a[0], nil
				}
				return strResult(c, append(c.scratch(4), code[:]...)), nil
			}, nil
		}})

	// translate(str, from, to): each character of from replaced by the
	// character at the same position of to, or removed when to is shorter.
	registerRowOnly(&rowOnlySpec{name: "translate", resolve: sig(str, 3, str, str, str),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				return strResult(c, translate(c.scratch(len(a[0].B)), a[0].B, a[1].B, a[2].B)), nil
			}, nil
		}})

	// repeat(str, n): str n times ('' for n <= 0).
	registerRowOnly(&rowOnlySpec{name: "repeat", resolve: sig(str, 2, str, i32),
		build: func(name string, _ []Expr, _ arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				n := int64(int32(a[1].I))
				if n <= 0 || len(a[0].B) == 0 {
					return Value{B: []byte{}}, nil
				}
				if n*int64(len(a[0].B)) > expr.PadLimit {
					return Null, invalidErr("a result of %d bytes exceeds the %d byte limit", n*int64(len(a[0].B)), expr.PadLimit)
				}
				d := c.scratch(int(n) * len(a[0].B))
				for i := int64(0); i < n; i++ {
					d = append(d, a[0].B...)
				}
				return strResult(c, d), nil
			}, nil
		}})

	// left(str, n) and right(str, n): the first or last n characters.
	registerRowOnly(&rowOnlySpec{name: "left", resolve: sig(str, 2, str, i32),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(_ *Context, a []Value) (Value, error) {
				return Value{B: nonNil(expr.SubstringSQL(a[0].B, 1, int64(int32(a[1].I))))}, nil
			}, nil
		}})
	registerRowOnly(&rowOnlySpec{name: "right", resolve: sig(str, 2, str, i32),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(_ *Context, a []Value) (Value, error) {
				n := int32(a[1].I)
				if n <= 0 {
					return Value{B: []byte{}}, nil
				}
				return Value{B: nonNil(expr.SubstringSQL(a[0].B, int64(-n), int64(n)))}, nil
			}, nil
		}})

	// ascii(str): the code point of the first character, 0 for ''.
	registerRowOnly(&rowOnlySpec{name: "ascii", resolve: sig(i32, 1, str),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(_ *Context, a []Value) (Value, error) {
				if len(a[0].B) == 0 {
					return Value{}, nil
				}
				r, _ := utf8.DecodeRune(a[0].B)
				return Value{I: int64(r)}, nil
			}, nil
		}})

	// chr(n): the character of code point n mod 256; '' for n < 0.
	registerRowOnly(&rowOnlySpec{name: "chr", resolve: sig(str, 1, i64),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				if a[0].I < 0 {
					return Value{B: []byte{}}, nil
				}
				return strResult(c, utf8.AppendRune(c.scratch(2), rune(a[0].I&0xFF))), nil
			}, nil
		}}, "char")

	// format_number(x, d): x rounded HALF_EVEN to d decimals with grouping
	// commas, as Java's DecimalFormat("#,###,##0.00..."); NULL for d < 0.
	registerRowOnly(&rowOnlySpec{name: "format_number",
		resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
			if len(args) != 2 {
				return nil, nil, false
			}
			x := args[0]
			switch x.ID() {
			case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
			case arrow.STRING, arrow.NULL:
				x = columnar.Float64
			default:
				return nil, nil, false
			}
			d := coerce(args[1], i32)
			if d == nil {
				return nil, nil, false
			}
			return []arrow.DataType{x, d}, str, true
		},
		build: func(_ string, args []Expr, _ arrow.DataType) (callFn, error) {
			x := args[0].DataType()
			_, scale, _ := columnar.IsDecimal(x)
			return func(c *Context, a []Value) (Value, error) {
				d := int(int32(a[1].I))
				if d < 0 {
					return Null, nil
				}
				var out []byte
				switch x.ID() {
				case arrow.INT32, arrow.INT64:
					out = formatNumberDigits(c.scratch(32+d), a[0].I < 0, strconv.AppendInt(nil, a[0].I, 10), d, 0)
				case arrow.FLOAT64:
					out = formatNumberDouble(c.scratch(32+d), a[0].F, d)
				default:
					digits := expr.AppendDecimal(nil, a[0].D, scale)
					out = formatNumberDigits(c.scratch(48+d), a[0].D.Sign() < 0, digits, d, 0)
				}
				return strResult(c, out), nil
			}, nil
		}})

	// base64(bin) and unbase64(str).
	bin := columnar.Binary
	registerRowOnly(&rowOnlySpec{name: "base64", resolve: sig(str, 1, bin),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				return strResult(c, base64.StdEncoding.AppendEncode(c.scratch(base64.StdEncoding.EncodedLen(len(a[0].B))), a[0].B)), nil
			}, nil
		}})
	registerRowOnly(&rowOnlySpec{name: "unbase64", resolve: sig(bin, 1, str),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				return unbase64(c, a[0].B), nil
			}, nil
		}})

	// hex(x): upper-case hex of a BIGINT (two's complement) or of the bytes
	// of a STRING or BINARY; unhex(str): the bytes, NULL if not hex.
	registerRowOnly(&rowOnlySpec{name: "hex",
		resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
			if len(args) != 1 {
				return nil, nil, false
			}
			switch args[0].ID() {
			case arrow.STRING, arrow.BINARY:
				return args, str, true
			case arrow.INT32, arrow.INT64, arrow.NULL:
				return []arrow.DataType{i64}, str, true
			}
			return nil, nil, false
		},
		build: func(_ string, args []Expr, _ arrow.DataType) (callFn, error) {
			if args[0].DataType().ID() == arrow.INT64 {
				return func(c *Context, a []Value) (Value, error) {
					d := strconv.AppendUint(c.scratch(16), uint64(a[0].I), 16)
					return strResult(c, upperASCII(d)), nil
				}, nil
			}
			return func(c *Context, a []Value) (Value, error) {
				return strResult(c, upperASCII(hex.AppendEncode(c.scratch(2*len(a[0].B)), a[0].B))), nil
			}, nil
		}})
	registerRowOnly(&rowOnlySpec{name: "unhex", resolve: sig(bin, 1, str),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) { return unhex(c, a[0].B), nil }, nil
		}})
}

// titleCase title-cases, in place where the sizes allow, the first
// character of b and every character after a space.
func titleCase(b []byte) []byte {
	for i := 0; i < len(b); {
		r, sz := utf8.DecodeRune(b[i:])
		if i == 0 || b[i-1] == ' ' {
			if r < utf8.RuneSelf {
				if 'a' <= r && r <= 'z' {
					b[i] -= 'a' - 'A'
				}
			} else if t := unicode.ToTitle(r); t != r && r != utf8.RuneError && utf8.RuneLen(t) == sz {
				utf8.EncodeRune(b[i:], t)
			} else if t != r && r != utf8.RuneError {
				// A title-case form of another size: rebuild the tail.
				tail := append([]byte(nil), b[i+sz:]...)
				b = utf8.AppendRune(b[:i], t)
				i = len(b)
				b = append(b, tail...)
				continue
			}
		}
		i += sz
	}
	return b
}

// levenshtein returns the edit distance of a and b counted in characters,
// using the context's scratch space.
func (c *Context) levenshtein(a, b []byte) int {
	ra := c.runes[0][:0]
	for _, r := range string(a) {
		ra = append(ra, r)
	}
	rb := c.runes[1][:0]
	for _, r := range string(b) {
		rb = append(rb, r)
	}
	c.runes[0], c.runes[1] = ra, rb
	if len(ra) == 0 {
		return len(rb)
	}
	if len(rb) == 0 {
		return len(ra)
	}
	if cap(c.dist) < 2*(len(rb)+1) {
		c.dist = make([]int32, 2*(len(rb)+1))
	}
	prev, cur := c.dist[:len(rb)+1], c.dist[len(rb)+1:2*(len(rb)+1)]
	for j := range prev {
		prev[j] = int32(j)
	}
	for i, x := range ra {
		cur[0] = int32(i + 1)
		for j, y := range rb {
			cost := int32(1)
			if x == y {
				cost = 0
			}
			cur[j+1] = min(prev[j+1]+1, cur[j]+1, prev[j]+cost)
		}
		prev, cur = cur, prev
	}
	return int(prev[len(rb)])
}

// soundexCodes maps A..Z to Soundex digits; '7' marks H and W, which do
// not separate equal codes; '0' marks vowels, which do.
const soundexCodes = "01230127022455012623017202"

// soundex is Spark's UTF8String.soundex; ok=false when s does not start
// with an ASCII letter (s is then returned unchanged).
func soundex(s []byte) ([4]byte, bool) {
	sx := [4]byte{'0', '0', '0', '0'}
	if len(s) == 0 {
		return sx, false
	}
	b := upperLetter(s[0])
	if b == 0 {
		return sx, false
	}
	sx[0] = b
	k := 1
	last := soundexCodes[b-'A']
	for _, ch := range s[1:] {
		b := upperLetter(ch)
		if b == 0 {
			last = '0'
			continue
		}
		code := soundexCodes[b-'A']
		if code == '7' {
			continue
		}
		if code != '0' && code != last {
			sx[k] = code
			k++
			if k > 3 {
				break
			}
		}
		last = code
	}
	return sx, true
}

// upperLetter returns an ASCII letter upper-cased, or 0.
func upperLetter(b byte) byte {
	switch {
	case b >= 'a' && b <= 'z':
		return b - ('a' - 'A')
	case b >= 'A' && b <= 'Z':
		return b
	}
	return 0
}

// translate appends s with each character of from replaced by the
// character of to at the same position (the first occurrence in from
// counts), or deleted when to has no character there.
func translate(dst, s, from, to []byte) []byte {
	for _, r := range string(s) {
		repl, found, del := r, false, false
		k := 0
		for _, f := range string(from) {
			if f == r {
				found = true
				break
			}
			k++
		}
		if found {
			del = true
			j := 0
			for _, t := range string(to) {
				if j == k {
					repl, del = t, false
					break
				}
				j++
			}
		}
		if !del {
			dst = utf8.AppendRune(dst, repl)
		}
	}
	return dst
}

// formatNumberDouble formats a double as format_number does: Java's
// DecimalFormat works on the shortest decimal digits that identify the
// double and rounds them HALF_EVEN, breaking exact ties in those digits by
// the double's exact binary value.
func formatNumberDouble(dst []byte, f float64, d int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "∞"...)
	case math.IsInf(f, -1):
		return append(dst, "-∞"...)
	}
	neg := math.Signbit(f)
	digits := strconv.AppendFloat(nil, math.Abs(f), 'f', -1, 64)
	tie := 0
	if dot := indexByte(digits, '.'); dot >= 0 && len(digits)-dot-1 == d+1 && digits[len(digits)-1] == '5' {
		// The shortest digits end exactly half way: decide by the exact value.
		exact := new(big.Float).SetFloat64(math.Abs(f)).Text('f', 1100)
		tie = tieDirection(exact, d)
	}
	return formatNumberDigits(dst, neg, digits, d, tie)
}

// tieDirection tells, for the exact decimal text of a value whose shortest
// digits end with a 5 just after d decimals, whether the exact value is
// above (1), below (-1) or at (0) the half-way point.
func tieDirection(exact string, d int) int {
	dot := len(exact)
	for i := 0; i < len(exact); i++ {
		if exact[i] == '.' {
			dot = i
			break
		}
	}
	rest := ""
	if dot+1+d < len(exact) {
		rest = exact[dot+1+d:]
	}
	if rest == "" || rest[0] < '5' {
		return -1
	}
	if rest[0] > '5' {
		return 1
	}
	for i := 1; i < len(rest); i++ {
		if rest[i] != '0' {
			return 1
		}
	}
	return 0
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// formatNumberDigits appends the decimal text digits ([-]int[.frac]) rounded
// HALF_EVEN to d decimals and grouped by threes; tie breaks an exact half
// (1 up, -1 down, 0 to even).
func formatNumberDigits(dst []byte, neg bool, digits []byte, d int, tie int) []byte {
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	ip, fp := digits, []byte(nil)
	if dot := indexByte(digits, '.'); dot >= 0 {
		ip, fp = digits[:dot], digits[dot+1:]
	}
	// The kept digits, as one number: ip followed by d decimals.
	kept := make([]byte, 0, len(ip)+d+1)
	kept = append(kept, ip...)
	for i := 0; i < d; i++ {
		if i < len(fp) {
			kept = append(kept, fp[i])
		} else {
			kept = append(kept, '0')
		}
	}
	if len(fp) > d {
		rest := fp[d:]
		up := false
		switch {
		case rest[0] > '5':
			up = true
		case rest[0] == '5':
			nonzero := false
			for _, ch := range rest[1:] {
				if ch != '0' {
					nonzero = true
					break
				}
			}
			switch {
			case nonzero || tie > 0:
				up = true
			case tie == 0:
				up = (kept[len(kept)-1]-'0')%2 == 1
			}
		}
		if up {
			i := len(kept) - 1
			for ; i >= 0; i-- {
				if kept[i] == '9' {
					kept[i] = '0'
					continue
				}
				kept[i]++
				break
			}
			if i < 0 {
				kept = append([]byte{'1'}, kept...)
			}
		}
	}
	intPart := kept[:len(kept)-d]
	for len(intPart) > 1 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	if len(intPart) == 0 {
		intPart = []byte{'0'}
	}
	if neg {
		dst = append(dst, '-')
	}
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, ch)
	}
	if d > 0 {
		dst = append(dst, '.')
		dst = append(dst, kept[len(kept)-d:]...)
	}
	return dst
}

func upperASCII(b []byte) []byte {
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return b
}

// unbase64 decodes standard base64, ignoring characters outside the
// alphabet (as Java's MIME decoder does) and tolerating missing padding;
// NULL when what is left cannot be decoded.
func unbase64(c *Context, s []byte) Value {
	clean := c.scratch(len(s))
	for _, ch := range s {
		if (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' {
			clean = append(clean, ch)
		}
	}
	clean = c.commit(clean)
	out, err := base64.RawStdEncoding.AppendDecode(c.scratch(base64.RawStdEncoding.DecodedLen(len(clean))), clean)
	if err != nil {
		return Null
	}
	return Value{B: c.commit(out)}
}

// unhex decodes hex digits (an odd count as if led by a 0); NULL when s
// holds a non-hex character.
func unhex(c *Context, s []byte) Value {
	d := c.scratch(len(s)/2 + 1)
	i := 0
	if len(s)%2 == 1 {
		v, ok := hexVal(s[0])
		if !ok {
			return Null
		}
		d = append(d, v)
		i = 1
	}
	for ; i+1 < len(s); i += 2 {
		hi, ok1 := hexVal(s[i])
		lo, ok2 := hexVal(s[i+1])
		if !ok1 || !ok2 {
			return Null
		}
		d = append(d, hi<<4|lo)
	}
	return Value{B: c.commit(d)}
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func registerHashFunctions() {
	str, bin, i32, i64 := columnar.String, columnar.Binary, columnar.Int32, columnar.Int64
	hexOf := func(c *Context, sum []byte) Value {
		return strResult(c, hex.AppendEncode(c.scratch(2*len(sum)), sum))
	}
	registerRowOnly(&rowOnlySpec{name: "md5", resolve: sig(str, 1, bin),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				s := md5.Sum(a[0].B)
				return hexOf(c, s[:]), nil
			}, nil
		}})
	registerRowOnly(&rowOnlySpec{name: "sha1", resolve: sig(str, 1, bin),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				s := sha1.Sum(a[0].B)
				return hexOf(c, s[:]), nil
			}, nil
		}}, "sha")
	// sha2(bin, bits): SHA-224, 256 (also for 0), 384 or 512; NULL for
	// other bit lengths.
	registerRowOnly(&rowOnlySpec{name: "sha2", resolve: sig(str, 2, bin, i32),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(c *Context, a []Value) (Value, error) {
				switch int32(a[1].I) {
				case 224:
					s := sha256.Sum224(a[0].B)
					return hexOf(c, s[:]), nil
				case 0, 256:
					s := sha256.Sum256(a[0].B)
					return hexOf(c, s[:]), nil
				case 384:
					s := sha512.Sum384(a[0].B)
					return hexOf(c, s[:]), nil
				case 512:
					s := sha512.Sum512(a[0].B)
					return hexOf(c, s[:]), nil
				}
				return Null, nil
			}, nil
		}})
	registerRowOnly(&rowOnlySpec{name: "crc32", resolve: sig(i64, 1, bin),
		build: func(string, []Expr, arrow.DataType) (callFn, error) {
			return func(_ *Context, a []Value) (Value, error) {
				return Value{I: int64(crc32.ChecksumIEEE(a[0].B))}, nil
			}, nil
		}})
}

func registerArrayFunctions() {
	i32, boolean := columnar.Int32, columnar.Boolean
	isList := func(t arrow.DataType) bool { return t.ID() == arrow.LIST }

	// size(array): the number of elements; -1 for NULL (Spark's default
	// with spark.sql.legacy.sizeOfNull, ANSI off).
	registerRowOnly(&rowOnlySpec{name: "size", nullSafe: true,
		resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
			if len(args) != 1 || !isList(args[0]) {
				return nil, nil, false
			}
			return args, i32, true
		},
		build: func(_ string, args []Expr, _ arrow.DataType) (callFn, error) {
			k := listElemKind(args[0].DataType())
			return func(c *Context, a []Value) (Value, error) {
				if a[0].Null {
					return Value{I: -1}, nil
				}
				if err := c.list.Reset(k, a[0].B); err != nil {
					return Null, err
				}
				return Value{I: int64(c.list.Len())}, nil
			}, nil
		}}, "cardinality")

	// element_at(array, i): element i (1-based; negative counts from the
	// end); NULL when out of range; an error for 0.
	registerRowOnly(&rowOnlySpec{name: "element_at",
		resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
			if len(args) != 2 || !isList(args[0]) {
				return nil, nil, false
			}
			i := coerce(args[1], i32)
			if i == nil {
				return nil, nil, false
			}
			return []arrow.DataType{args[0], i}, args[0].(*arrow.ListType).Elem(), true
		},
		build: func(name string, args []Expr, _ arrow.DataType) (callFn, error) {
			k := listElemKind(args[0].DataType())
			return func(c *Context, a []Value) (Value, error) {
				if err := c.list.Reset(k, a[0].B); err != nil {
					return Null, err
				}
				i := int(int32(a[1].I))
				n := c.list.Len()
				switch {
				case i == 0:
					return Null, invalidErr("SQL array indices start at 1")
				case i > 0:
					i--
				default:
					i += n
				}
				if i < 0 || i >= n {
					return Null, nil
				}
				return listElem(&c.list, i), nil
			}, nil
		}})

	// array_contains(array, v): whether v is an element; NULL when it is
	// not but the array holds a NULL.
	registerRowOnly(&rowOnlySpec{name: "array_contains",
		resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
			if len(args) != 2 || !isList(args[0]) {
				return nil, nil, false
			}
			e := coerce(args[1], args[0].(*arrow.ListType).Elem())
			if e == nil {
				return nil, nil, false
			}
			return []arrow.DataType{args[0], e}, boolean, true
		},
		build: func(_ string, args []Expr, _ arrow.DataType) (callFn, error) {
			t := args[0].DataType().(*arrow.ListType).Elem()
			k := listElemKind(args[0].DataType())
			cmp := newComparer(t, t)
			return func(c *Context, a []Value) (Value, error) {
				if err := c.list.Reset(k, a[0].B); err != nil {
					return Null, err
				}
				hasNull := false
				for i := 0; i < c.list.Len(); i++ {
					e := listElem(&c.list, i)
					if e.Null {
						hasNull = true
						continue
					}
					if cmp.eq(e, a[1]) {
						return Bool(true), nil
					}
				}
				if hasNull {
					return Null, nil
				}
				return Bool(false), nil
			}, nil
		}})
}

// listElem returns element i of a list as a Value.
func listElem(r *rows.ListReader, i int) Value {
	if r.IsNull(i) {
		return Null
	}
	switch r.ElemKind() {
	case rows.KindBool, rows.KindInt64:
		return Value{I: int64(r.Slot(i))}
	case rows.KindInt32:
		return Value{I: int64(int32(r.Slot(i)))}
	case rows.KindFloat64:
		return Value{F: math.Float64frombits(r.Slot(i))}
	case rows.KindDec64, rows.KindDec128:
		return Value{D: r.Decimal(i)}
	case rows.KindBytes:
		return Value{B: r.Bytes(i)}
	}
	return Null
}
