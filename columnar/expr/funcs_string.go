package expr

import (
	"bytes"
	"encoding/binary"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// String functions work on UTF-8 characters (code points), with ASCII fast
// paths: positions and lengths count characters, not bytes, as Spark does.

func isASCII(s []byte) bool {
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func numChars(s []byte) int {
	if isASCII(s) {
		return len(s)
	}
	return utf8.RuneCount(s)
}

// charOffset returns the byte offset of character k of s (len(s) when s
// has k characters or fewer).
func charOffset(s []byte, k int) int {
	if k <= 0 {
		return 0
	}
	i := 0
	for ; i < len(s) && k > 0; k-- {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, sz := utf8.DecodeRune(s[i:])
		i += sz
	}
	return i
}

// substringSQL is Spark's UTF8String.substringSQL: 1-based pos, 0 treated
// as 1, negative pos counted from the end; length in characters.
func substringSQL(s []byte, pos, length int64) []byte {
	ascii := isASCII(s)
	var n int64
	if ascii {
		n = int64(len(s))
	} else {
		n = int64(utf8.RuneCount(s))
	}
	var start int64
	switch {
	case pos > 0:
		start = pos - 1
	case pos < 0:
		start = n + pos
	}
	end := start + length
	start = max(start, 0)
	if start >= end || start >= n {
		return nil
	}
	end = min(end, n)
	if ascii {
		return s[start:end]
	}
	b := charOffset(s, int(start))
	e := b + charOffset(s[b:], int(end-start))
	return s[b:e]
}

func appendUpper(dst, s []byte) []byte {
	if isASCII(s) {
		start := len(dst)
		dst = append(dst, s...)
		r := dst[start:]
		for i, c := range r {
			// Flip the case bit of letters only, without a branch.
			r[i] = c ^ b2u(c-'a' < 26)<<5
		}
		return dst
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, sz := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && sz == 1 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, unicode.ToUpper(r))
		}
		i += sz
	}
	return dst
}

func appendReverse(dst, s []byte) []byte {
	if isASCII(s) {
		start := len(dst)
		dst = append(dst, s...)
		r := dst[start:]
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return dst
	}
	for end := len(s); end > 0; {
		_, sz := utf8.DecodeLastRune(s[:end])
		dst = append(dst, s[end-sz:end]...)
		end -= sz
	}
	return dst
}

// indexChars returns the character index of the first occurrence of sub in
// s at or after character start, or -1.
func indexChars(s, sub []byte, start int) int {
	b := charOffset(s, start)
	if start > 0 && b >= len(s) && start > numChars(s) {
		return -1
	}
	k := bytes.Index(s[b:], sub)
	if k < 0 {
		return -1
	}
	return start + numChars(s[b:b+k])
}

// trimSet trims characters of set (or spaces when set is nil) from s.
func trimSet(s, set []byte, left, right bool) []byte {
	if set == nil {
		if left {
			for len(s) > 0 && s[0] == ' ' {
				s = s[1:]
			}
		}
		if right {
			for len(s) > 0 && s[len(s)-1] == ' ' {
				s = s[:len(s)-1]
			}
		}
		return s
	}
	in := func(r rune) bool {
		for _, c := range string(set) {
			if c == r {
				return true
			}
		}
		return false
	}
	if left {
		for len(s) > 0 {
			r, sz := utf8.DecodeRune(s)
			if !in(r) {
				break
			}
			s = s[sz:]
		}
	}
	if right {
		for len(s) > 0 {
			r, sz := utf8.DecodeLastRune(s)
			if !in(r) {
				break
			}
			s = s[:len(s)-sz]
		}
	}
	return s
}

// appendPadded is Spark's lpad / rpad: pad s with repetitions of pad to
// length characters, or truncate it to length characters.
func appendPadded(dst, s, pad []byte, length int64, left bool) []byte {
	if length <= 0 {
		return dst
	}
	n := int64(numChars(s))
	if n >= length || len(pad) == 0 {
		return append(dst, substringSQL(s, 1, length)...)
	}
	need := length - n
	if !left {
		dst = append(dst, s...)
	}
	pn := int64(numChars(pad))
	for need > 0 {
		if need >= pn {
			dst = append(dst, pad...)
			need -= pn
		} else {
			dst = append(dst, pad[:charOffset(pad, int(need))]...)
			need = 0
		}
	}
	if left {
		dst = append(dst, s...)
	}
	return dst
}

// strArg reads a STRING argument (vector or scalar) at row i.
func strArg(o operand) byteView { return bytesOperand(o) }

// padLimit bounds the result of lpad / rpad / repeat-like functions so an
// absurd length is reported instead of exhausting memory.
const padLimit = 1 << 30

func registerStringFunctions() {
	str := columnar.String
	i32 := columnar.Int32
	boolean := columnar.Boolean

	unaryStr := func(f func(dst, s []byte) []byte) kernelFunc {
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v := strArg(ops[0])
			return stringResult(alloc, str, n, strBytes(ops[0]), valid, func(d []byte, i int) ([]byte, bool) {
				return f(d, v.at(i)), true
			})
		}
	}
	caseMap := func(upper bool) kernelFunc {
		general := unaryStr(appendLower)
		if upper {
			general = unaryStr(appendUpper)
		}
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			if a := ops[0].arr; a != nil {
				if out, ok := asciiCaseMap(alloc, a, valid, upper); ok {
					return out, nil
				}
			}
			return general(alloc, n, ops, valid)
		}
	}
	register(&fnSpec{name: "upper", resolve: fixedSig(str, 1, str), build: simpleBuild(caseMap(true))}, "ucase")
	register(&fnSpec{name: "lower", resolve: fixedSig(str, 1, str), build: simpleBuild(caseMap(false))}, "lcase")
	register(&fnSpec{name: "reverse", resolve: fixedSig(str, 1, str), build: simpleBuild(unaryStr(appendReverse))})

	register(&fnSpec{name: "length",
		resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
			if len(args) == 1 && args[0].ID() == arrow.BINARY {
				return args, i32, true
			}
			return fixedSig(i32, 1, str)(args)
		},
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v := strArg(ops[0])
			binary := (ops[0].arr != nil && ops[0].arr.DataType().ID() == arrow.BINARY) ||
				(ops[0].arr == nil && ops[0].lit.DataType().ID() == arrow.BINARY)
			return fixedResult(alloc, i32, n, valid, func(i int) (int32, bool) {
				if binary {
					return int32(len(v.at(i))), true
				}
				return int32(numChars(v.at(i))), true
			}), nil
		})}, "char_length", "character_length")

	// substring(str, pos[, len])
	register(&fnSpec{name: "substring", resolve: fixedSig(str, 2, str, i32, i32),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v := strArg(ops[0])
			pos := intArgOf(ops[1])
			length := intArg{v: []int32{1<<31 - 1}, m: 0}
			if len(ops) > 2 {
				length = intArgOf(ops[2])
			}
			return stringResult(alloc, str, n, strBytes(ops[0]), valid, func(d []byte, i int) ([]byte, bool) {
				return append(d, substringSQL(v.at(i), int64(pos.at(i)), int64(length.at(i)))...), true
			})
		})}, "substr")

	// concat(str, ...): NULL if any argument is NULL.
	register(&fnSpec{name: "concat", resolve: variadicSig(str, str, 0),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			views := make([]byteView, len(ops))
			hint := 0
			for k, o := range ops {
				views[k] = strArg(o)
				hint += strBytes(o)
			}
			return stringResult(alloc, str, n, hint, valid, func(d []byte, i int) ([]byte, bool) {
				for k := range views {
					d = append(d, views[k].at(i)...)
				}
				return d, true
			})
		})})

	// concat_ws(sep, str, ...): NULL arguments are skipped; a NULL
	// separator gives NULL.
	register(&fnSpec{name: "concat_ws", resolve: variadicSig(str, str, 1),
		build: func(name string, args []Expr, t arrow.DataType) (Expr, error) {
			return &funcExpr{name: name, args: args, typ: t, nullSafe: true,
				kernel: func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
					views := make([]byteView, len(ops))
					vbits := make([][]byte, len(ops))
					voffs := make([]int, len(ops))
					hint := 0
					for k, o := range ops {
						if o.null() {
							continue
						}
						views[k] = strArg(o)
						if o.arr != nil {
							vbits[k], voffs[k] = validBits(o.arr)
						}
						hint += strBytes(o)
					}
					isNull := func(k, i int) bool {
						o := ops[k]
						if o.arr == nil {
							return o.lit.value == nil
						}
						if o.arr.DataType().ID() == arrow.NULL {
							return true
						}
						return vbits[k] != nil && !isValidAt(vbits[k], voffs[k]+i)
					}
					return stringResult(alloc, str, n, hint, valid, func(d []byte, i int) ([]byte, bool) {
						if isNull(0, i) {
							return d, false
						}
						sep := views[0].at(i)
						first := true
						for k := 1; k < len(ops); k++ {
							if isNull(k, i) {
								continue
							}
							if !first {
								d = append(d, sep...)
							}
							first = false
							d = append(d, views[k].at(i)...)
						}
						return d, true
					})
				}}, nil
		}})

	// trim(str) trims spaces; trim(trimStr, str) trims the characters of
	// trimStr (Spark's function form: the characters come first, as in
	// TRIM(BOTH trimStr FROM str)).
	trim := func(left, right bool) kernelFunc {
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			src := ops[len(ops)-1]
			v := strArg(src)
			var set byteView
			if len(ops) == 2 {
				set = strArg(ops[0])
			}
			return stringResult(alloc, str, n, strBytes(src), valid, func(d []byte, i int) ([]byte, bool) {
				var chars []byte
				if len(ops) == 2 {
					chars = set.at(i)
					if chars == nil {
						chars = []byte{}
					}
				}
				return append(d, trimSet(v.at(i), chars, left, right)...), true
			})
		}
	}
	register(&fnSpec{name: "trim", resolve: fixedSig(str, 1, str, str), build: simpleBuild(trim(true, true))}, "btrim")
	register(&fnSpec{name: "ltrim", resolve: fixedSig(str, 1, str, str), build: simpleBuild(trim(true, false))})
	register(&fnSpec{name: "rtrim", resolve: fixedSig(str, 1, str, str), build: simpleBuild(trim(false, true))})

	// replace(str, search[, replace])
	register(&fnSpec{name: "replace", resolve: fixedSig(str, 2, str, str, str),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v, search := strArg(ops[0]), strArg(ops[1])
			repl := byteView{scalar: []byte{}}
			if len(ops) > 2 {
				repl = strArg(ops[2])
			}
			return stringResult(alloc, str, n, strBytes(ops[0]), valid, func(d []byte, i int) ([]byte, bool) {
				s, from, to := v.at(i), search.at(i), repl.at(i)
				if len(from) == 0 {
					return append(d, s...), true
				}
				for {
					k := bytes.Index(s, from)
					if k < 0 {
						return append(d, s...), true
					}
					d = append(d, s[:k]...)
					d = append(d, to...)
					s = s[k+len(from):]
				}
			})
		})})

	strPred := func(f func(s, x []byte) bool) kernelFunc {
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			a, b := strArg(ops[0]), strArg(ops[1])
			return boolResult(alloc, n, valid, func(i int) (bool, bool) { return f(a.at(i), b.at(i)), true }), nil
		}
	}
	register(&fnSpec{name: "startswith", resolve: fixedSig(boolean, 2, str, str), build: simpleBuild(strPred(bytes.HasPrefix))}, "starts_with")
	register(&fnSpec{name: "endswith", resolve: fixedSig(boolean, 2, str, str), build: simpleBuild(strPred(bytes.HasSuffix))}, "ends_with")
	register(&fnSpec{name: "contains", resolve: fixedSig(boolean, 2, str, str), build: simpleBuild(strPred(bytes.Contains))})

	pad := func(left bool) kernelFunc {
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v, length := strArg(ops[0]), intArgOf(ops[1])
			padv := byteView{scalar: []byte(" ")}
			if len(ops) > 2 {
				padv = strArg(ops[2])
			}
			total := 0
			vb := valid.Bytes()
			for i := 0; i < n; i++ {
				if isValidAt(vb, i) {
					total += 4 * max(int(length.at(i)), 0)
					if total > padLimit {
						valid.Release()
						return nil, invalidErr("padding to %d characters would exceed the %d byte limit of a batch", length.at(i), padLimit)
					}
				}
			}
			return stringResult(alloc, str, n, total/4, valid, func(d []byte, i int) ([]byte, bool) {
				return appendPadded(d, v.at(i), padv.at(i), int64(length.at(i)), left), true
			})
		}
	}
	register(&fnSpec{name: "lpad", resolve: fixedSig(str, 2, str, i32, str), build: simpleBuild(pad(true))})
	register(&fnSpec{name: "rpad", resolve: fixedSig(str, 2, str, i32, str), build: simpleBuild(pad(false))})

	// instr(str, substr): 1-based character position of substr, 0 if absent.
	register(&fnSpec{name: "instr", resolve: fixedSig(i32, 2, str, str),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			s, sub := strArg(ops[0]), strArg(ops[1])
			return fixedResult(alloc, i32, n, valid, func(i int) (int32, bool) {
				return int32(indexChars(s.at(i), sub.at(i), 0) + 1), true
			}), nil
		})})
	// locate(substr, str[, pos]) and position(substr, str[, pos]): search
	// from character pos (1-based, default 1); 0 when absent or pos < 1.
	register(&fnSpec{name: "locate", resolve: fixedSig(i32, 2, str, str, i32),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			sub, s := strArg(ops[0]), strArg(ops[1])
			pos := intArg{v: []int32{1}, m: 0}
			if len(ops) > 2 {
				pos = intArgOf(ops[2])
			}
			return fixedResult(alloc, i32, n, valid, func(i int) (int32, bool) {
				p := pos.at(i)
				if p < 1 {
					return 0, true
				}
				return int32(indexChars(s.at(i), sub.at(i), int(p-1)) + 1), true
			}), nil
		})}, "position")
}

// asciiCaseMap maps the case of a STRING array whose data is all ASCII in
// one pass over the data buffer (offsets are kept); ok is false when the
// data is not ASCII.
func asciiCaseMap(alloc memory.Allocator, a arrow.Array, valid *memory.Buffer, upper bool) (arrow.Array, bool) {
	v := viewOf(a)
	n := a.Len()
	start, end := v.offs[0], v.offs[n]
	src := v.data[start:end]
	if !isASCII(src) {
		return nil, false
	}
	offBuf := newBuf(alloc, 4*(n+1))
	offs := sliceOf[int32](offBuf.Bytes())[:n+1]
	for i, o := range v.offs[:n+1] {
		offs[i] = o - start
	}
	data := newBuf(alloc, len(src))
	dst := data.Bytes()[:len(src)]
	var from byte = 'a'
	if !upper {
		from = 'A'
	}
	// Eight bytes at a time: bit 7 of each byte of ge is set where the byte
	// is >= from, of gt where it is > from+25 (the bytes are ASCII, so the
	// additions carry into no neighbour); letters get bit 5 flipped.
	const hi = 0x8080808080808080
	addGE := 0x0101010101010101 * uint64(0x80-from)
	addGT := 0x0101010101010101 * uint64(0x80-(from+26))
	i := 0
	for ; i+8 <= len(src); i += 8 {
		w := binary.LittleEndian.Uint64(src[i:])
		m := (w + addGE) &^ (w + addGT) & hi
		binary.LittleEndian.PutUint64(dst[i:], w^(m>>2))
	}
	for ; i < len(src); i++ {
		c := src[i]
		dst[i] = c ^ b2u(c-from < 26)<<5
	}
	nulls := finishValidity(&valid, n)
	return makeArray(columnar.String, n, []*memory.Buffer{valid, offBuf, data}, nulls), true
}
