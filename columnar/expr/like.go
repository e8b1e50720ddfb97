package expr

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
)

type likeKind int

const (
	likeAll      likeKind = iota // %: any non-NULL string
	likeExact                    // abc
	likePrefix                   // abc%
	likeSuffix                   // %abc
	likeContains                 // %abc%
	likeBoth                     // abc%xyz
	likeGeneral                  // anything with _ or several %
)

// likeToken is one element of a compiled pattern: a literal run, '%' or '_'.
type likeToken struct {
	lit  []byte
	kind byte // 'l' literal, '%', '_'
}

type likeExpr struct {
	e       Expr
	pattern string
	escape  rune
	LikeMatcher
}

// LikeMatcher is a compiled LIKE pattern, matching one string at a time
// with the semantics of Like (for the row engine, columnar/rowexpr).
type LikeMatcher struct {
	caseInsensitive bool
	kind            likeKind
	a, b            []byte // the literal parts for the fast paths
	toks            []likeToken
	segs            likeSegs // the general matcher
}

// CompileLike compiles a LIKE pattern as Like does (for ILIKE, pass
// caseInsensitive; the pattern is lower-cased here).
func CompileLike(pattern string, escape rune, caseInsensitive bool) (*LikeMatcher, error) {
	m := &LikeMatcher{caseInsensitive: caseInsensitive}
	p := pattern
	if caseInsensitive {
		p = strings.ToLower(p)
	}
	toks, err := compileLike(p, escape)
	if err != nil {
		return nil, err
	}
	m.toks = toks
	m.classify()
	return m, nil
}

// CaseInsensitive reports whether the pattern is an ILIKE pattern: Match
// then expects its input lower-cased with AppendLower.
func (x *LikeMatcher) CaseInsensitive() bool { return x.caseInsensitive }

// Match reports whether s matches the pattern. For a case-insensitive
// pattern s must already be lower-cased (AppendLower).
func (x *LikeMatcher) Match(s []byte) bool {
	switch x.kind {
	case likeAll:
		return true
	case likeExact:
		return bytes.Equal(s, x.a)
	case likePrefix:
		return bytes.HasPrefix(s, x.a)
	case likeSuffix:
		return bytes.HasSuffix(s, x.a)
	case likeContains:
		return bytes.Contains(s, x.a)
	case likeBoth:
		return len(s) >= len(x.a)+len(x.b) && bytes.HasPrefix(s, x.a) && bytes.HasSuffix(s, x.b)
	}
	return x.segs.match(s)
}

func newLike(e Expr, pattern string, escape rune, caseInsensitive bool) (Expr, error) {
	if err := checkChild("LIKE", e); err != nil {
		return nil, err
	}
	if e.DataType().ID() != arrow.STRING && e.DataType().ID() != arrow.NULL {
		return nil, typeErr("%s LIKE %s: %s is %s, not string", e, pattern, e, typeName(e.DataType()))
	}
	m, err := CompileLike(pattern, escape, caseInsensitive)
	if err != nil {
		return nil, fmt.Errorf("%s LIKE %s: %w", e, pattern, err)
	}
	return &likeExpr{e: e, pattern: pattern, escape: escape, LikeMatcher: *m}, nil
}

// compileLike splits a pattern into tokens, resolving escapes as Spark does:
// the escape character may precede only '_', '%' or itself.
func compileLike(p string, escape rune) ([]likeToken, error) {
	var toks []likeToken
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			toks = append(toks, likeToken{kind: 'l', lit: cur})
			cur = nil
		}
	}
	for i := 0; i < len(p); {
		r, sz := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == escape:
			if i+sz >= len(p) {
				return nil, invalidErr("the escape character is not allowed to end the pattern")
			}
			nr, nsz := utf8.DecodeRuneInString(p[i+sz:])
			if nr != '_' && nr != '%' && nr != escape {
				return nil, invalidErr("the escape character is not allowed to precede %q", nr)
			}
			cur = append(cur, p[i+sz:i+sz+nsz]...)
			i += sz + nsz
			continue
		case r == '%':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != '%' {
				toks = append(toks, likeToken{kind: '%'})
			}
		case r == '_':
			flush()
			toks = append(toks, likeToken{kind: '_'})
		default:
			cur = append(cur, p[i:i+sz]...)
		}
		i += sz
	}
	flush()
	return toks, nil
}

func (x *LikeMatcher) classify() {
	t := x.toks
	kinds := make([]byte, len(t))
	for i, tk := range t {
		kinds[i] = tk.kind
	}
	switch string(kinds) {
	case "":
		x.kind, x.a = likeExact, nil
	case "%":
		x.kind = likeAll
	case "l":
		x.kind, x.a = likeExact, t[0].lit
	case "l%":
		x.kind, x.a = likePrefix, t[0].lit
	case "%l":
		x.kind, x.a = likeSuffix, t[1].lit
	case "%l%":
		x.kind, x.a = likeContains, t[1].lit
	case "l%l":
		x.kind, x.a, x.b = likeBoth, t[0].lit, t[2].lit
	default:
		x.kind = likeGeneral
		x.segs = compileSegs(t)
	}
}

func (x *likeExpr) DataType() arrow.DataType { return columnar.Boolean }
func (x *likeExpr) Children() []Expr         { return []Expr{x.e} }

func (x *likeExpr) String() string {
	op := "LIKE"
	if x.caseInsensitive {
		op = "ILIKE"
	}
	s := fmt.Sprintf("%s %s %s", x.e, op, x.pattern)
	if x.escape != '\\' {
		s += fmt.Sprintf(" ESCAPE '%c'", x.escape)
	}
	return s
}

func (x *likeExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	in, err := evalChild(ctx, x.e, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	if in.DataType().ID() == arrow.NULL {
		return nullArray(ctx.Alloc, columnar.Boolean, n), nil
	}
	values := newBuf(ctx.Alloc, bitmapLen(n))
	out := values.Bytes()
	v := viewOf(in)
	offs, data := v.offs, v.data
	var lower []byte
	get := func(i int) []byte {
		s := data[offs[i]:offs[i+1]]
		if x.caseInsensitive {
			lower = appendLower(lower[:0], s)
			return lower
		}
		return s
	}
	a, b := x.a, x.b
	switch x.kind {
	case likeAll:
		setAll(out)
	case likeExact:
		tailBits(out, 0, n, func(i int) bool { return bytes.Equal(get(i), a) })
	case likePrefix:
		tailBits(out, 0, n, func(i int) bool { return bytes.HasPrefix(get(i), a) })
	case likeSuffix:
		tailBits(out, 0, n, func(i int) bool { return bytes.HasSuffix(get(i), a) })
	case likeContains:
		if x.caseInsensitive {
			tailBits(out, 0, n, func(i int) bool { return bytes.Contains(get(i), a) })
		} else {
			containsRows(offs, data, a, out, n)
		}
	case likeBoth:
		tailBits(out, 0, n, func(i int) bool {
			s := get(i)
			return len(s) >= len(a)+len(b) && bytes.HasPrefix(s, a) && bytes.HasSuffix(s, b)
		})
	default:
		segs := &x.segs
		tailBits(out, 0, n, func(i int) bool { return segs.match(get(i)) })
	}
	return boolArray(n, andValidity(ctx.Alloc, n, in), values), nil
}

// appendLower appends the lower-case form of UTF-8 s to dst (ASCII fast
// path).
func appendLower(dst, s []byte) []byte {
	if isASCII(s) {
		start := len(dst)
		dst = append(dst, s...)
		r := dst[start:]
		for i, c := range r {
			// Flip the case bit of letters only, without a branch.
			r[i] = c ^ b2u(c-'A' < 26)<<5
		}
		return dst
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, sz := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && sz == 1 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		i += sz
	}
	return dst
}

// containsRows sets bit i of out when row i of offs/data contains needle.
// It searches the whole data buffer at once rather than row by row, and
// skips to the next row after a hit.
func containsRows(offs []int32, data, needle []byte, out []byte, n int) {
	nb := bitmapLen(n)
	if len(needle) == 0 {
		setAll(out[:nb])
		return
	}
	clear(out[:nb])
	if n == 0 {
		return
	}
	end := int(offs[n])
	pos := int(offs[0])
	row := 0
	for pos < end {
		k := bytes.Index(data[pos:end], needle)
		if k < 0 {
			return
		}
		p := pos + k
		for int(offs[row+1]) <= p {
			row++
		}
		if p+len(needle) <= int(offs[row+1]) {
			out[row>>3] |= 1 << (row & 7)
			pos = int(offs[row+1])
		} else {
			pos = p + 1
		}
	}
}

// likeSeg is a run of pattern tokens between two '%': literals and '_',
// matching a fixed number of characters.
type likeSeg struct {
	toks []likeToken
	lit  []byte // the whole segment when it has no '_'
}

// likeSegs is a pattern as segments separated by '%'. Matching anchors the
// first segment at the start and the last at the end (unless the pattern
// begins or ends with '%') and finds each middle segment at its leftmost
// occurrence, which is optimal for fixed-length segments.
type likeSegs struct {
	segs                   []likeSeg
	anchorStart, anchorEnd bool
}

func compileSegs(toks []likeToken) likeSegs {
	ls := likeSegs{anchorStart: len(toks) == 0 || toks[0].kind != '%', anchorEnd: len(toks) == 0 || toks[len(toks)-1].kind != '%'}
	var cur []likeToken
	flush := func() {
		if len(cur) == 0 {
			return
		}
		seg := likeSeg{toks: cur}
		pure := true
		var lit []byte
		for _, t := range cur {
			if t.kind != 'l' {
				pure = false
				break
			}
			lit = append(lit, t.lit...)
		}
		if pure {
			seg.lit = lit
		}
		ls.segs = append(ls.segs, seg)
		cur = nil
	}
	for _, t := range toks {
		if t.kind == '%' {
			flush()
			continue
		}
		cur = append(cur, t)
	}
	flush()
	return ls
}

// at matches seg at byte p of s and returns the end.
func (seg *likeSeg) at(s []byte, p int) (int, bool) {
	for _, t := range seg.toks {
		if t.kind == '_' {
			if p >= len(s) {
				return 0, false
			}
			if s[p] < utf8.RuneSelf {
				p++
			} else {
				_, sz := utf8.DecodeRune(s[p:])
				p += sz
			}
			continue
		}
		if !bytes.HasPrefix(s[p:], t.lit) {
			return 0, false
		}
		p += len(t.lit)
	}
	return p, true
}

// atEnd matches seg ending at len(s), not starting before lo, and returns
// its start.
func (seg *likeSeg) atEnd(s []byte, lo int) (int, bool) {
	e := len(s)
	for k := len(seg.toks) - 1; k >= 0; k-- {
		t := seg.toks[k]
		if t.kind == '_' {
			if e <= lo {
				return 0, false
			}
			_, sz := utf8.DecodeLastRune(s[lo:e])
			e -= sz
			continue
		}
		if e-lo < len(t.lit) || !bytes.Equal(s[e-len(t.lit):e], t.lit) {
			return 0, false
		}
		e -= len(t.lit)
	}
	return e, true
}

// find returns the end of the leftmost match of seg in s[from:].
func (seg *likeSeg) find(s []byte, from int) (int, bool) {
	if seg.lit != nil {
		k := bytes.Index(s[from:], seg.lit)
		if k < 0 {
			return 0, false
		}
		return from + k + len(seg.lit), true
	}
	for p := from; p <= len(s); {
		if e, ok := seg.at(s, p); ok {
			return e, true
		}
		if p == len(s) {
			break
		}
		_, sz := utf8.DecodeRune(s[p:])
		p += sz
	}
	return 0, false
}

func (ls *likeSegs) match(s []byte) bool {
	segs := ls.segs
	if len(segs) == 0 {
		return !(ls.anchorStart && ls.anchorEnd) || len(s) == 0
	}
	pos := 0
	if ls.anchorStart {
		e, ok := segs[0].at(s, 0)
		if !ok {
			return false
		}
		if len(segs) == 1 && ls.anchorEnd {
			return e == len(s)
		}
		pos = e
		segs = segs[1:]
	}
	limit := len(s)
	if ls.anchorEnd && len(segs) > 0 {
		st, ok := segs[len(segs)-1].atEnd(s, pos)
		if !ok {
			return false
		}
		limit = st
		segs = segs[:len(segs)-1]
	}
	t := s[:limit]
	for i := range segs {
		e, ok := segs[i].find(t, pos)
		if !ok {
			return false
		}
		pos = e
	}
	return true
}
