package rowexpr

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
)

// Regular expressions. Spark uses java.util.regex; gluten-go uses Go's
// regexp (RE2 syntax), which accepts the common subset of both. Known
// differences:
//   - Java-only constructs are rejected with an error: backreferences (\1),
//     lookaround ((?=...), (?<=...)), possessive quantifiers (a*+), atomic
//     groups, and Java's named classes such as \p{Alpha} or \p{javaLowerCase}
//     (use [[:alpha:]] or \p{L}).
//   - '.' excludes only '\n' (Java also excludes '\r', U+0085, U+2028 and
//     U+2029); '$' matches only at the end of the input (Java also before a
//     final line terminator) unless (?m) is given.
//   - After a non-empty match, an empty match starting where it ended is not
//     reported (Java reports it), which matters only for patterns that can
//     match the empty string, in split, regexp_replace and
//     regexp_extract_all.

// compileRegex compiles a pattern as a row-only function's argument.
func compileRegex(p string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, invalidErr("invalid regular expression %q: %v", p, err)
	}
	return re, nil
}

// regexp returns the compiled form of a pattern that is not a constant,
// from the context's cache.
func (c *Context) regexp(p []byte) (*regexp.Regexp, error) {
	if re, ok := c.regex[string(p)]; ok {
		return re, nil
	}
	re, err := compileRegex(string(p))
	if err != nil {
		return nil, err
	}
	if c.regex == nil || len(c.regex) >= maxRegexCache {
		c.regex = make(map[string]*regexp.Regexp)
	}
	c.regex[string(p)] = re
	return re, nil
}

// patternArg is the regular-expression argument of a call: compiled once
// when it is a literal, else per distinct value through the context.
type patternArg struct {
	re    *regexp.Regexp
	konst bool
}

func patternOf(args []Expr, i int) (patternArg, error) {
	v, ok := constArg(args, i)
	if !ok {
		return patternArg{}, nil
	}
	if v.Null {
		return patternArg{konst: true}, nil // the call is NULL anyway
	}
	re, err := compileRegex(string(v.B))
	if err != nil {
		return patternArg{}, err
	}
	return patternArg{re: re, konst: true}, nil
}

func (p patternArg) get(c *Context, v Value) (*regexp.Regexp, error) {
	if p.konst {
		return p.re, nil
	}
	return c.regexp(v.B)
}

func registerRegexFunctions() {
	str, i32, boolean := columnar.String, columnar.Int32, columnar.Boolean

	// rlike(str, regexp): whether regexp matches anywhere in str.
	registerRowOnly(&rowOnlySpec{name: "rlike", resolve: sig(boolean, 2, str, str),
		str: func(_ string, args []Expr) string { return fmt.Sprintf("RLIKE(%s, %s)", args[0], args[1]) },
		build: func(_ string, args []Expr, _ arrow.DataType) (callFn, error) {
			pat, err := patternOf(args, 1)
			if err != nil {
				return nil, err
			}
			return func(c *Context, a []Value) (Value, error) {
				re, err := pat.get(c, a[1])
				if err != nil {
					return Null, err
				}
				return Bool(re.Match(a[0].B)), nil
			}, nil
		}}, "regexp", "regexp_like")

	// regexp_extract(str, regexp[, idx]): group idx (default 1) of the
	// first match, '' when there is none.
	registerRowOnly(&rowOnlySpec{name: "regexp_extract", resolve: sig(str, 2, str, str, i32),
		build: func(name string, args []Expr, _ arrow.DataType) (callFn, error) {
			pat, err := patternOf(args, 1)
			if err != nil {
				return nil, err
			}
			return func(c *Context, a []Value) (Value, error) {
				re, err := pat.get(c, a[1])
				if err != nil {
					return Null, err
				}
				idx := 1
				if len(a) > 2 {
					idx = int(int32(a[2].I))
				}
				loc := re.FindSubmatchIndex(a[0].B)
				if loc == nil {
					return Value{B: []byte{}}, nil
				}
				if err := checkGroup(re, idx); err != nil {
					return Null, err
				}
				if loc[2*idx] < 0 {
					return Value{B: []byte{}}, nil
				}
				return Value{B: a[0].B[loc[2*idx]:loc[2*idx+1]]}, nil
			}, nil
		}})

	// regexp_extract_all(str, regexp[, idx]): group idx of every match.
	registerRowOnly(&rowOnlySpec{name: "regexp_extract_all", resolve: sig(stringArray, 2, str, str, i32),
		build: func(name string, args []Expr, _ arrow.DataType) (callFn, error) {
			pat, err := patternOf(args, 1)
			if err != nil {
				return nil, err
			}
			return func(c *Context, a []Value) (Value, error) {
				re, err := pat.get(c, a[1])
				if err != nil {
					return Null, err
				}
				idx := 1
				if len(a) > 2 {
					idx = int(int32(a[2].I))
				}
				s := a[0].B
				ms := re.FindAllSubmatchIndex(s, -1)
				if len(ms) > 0 {
					if err := checkGroup(re, idx); err != nil {
						return Null, err
					}
				}
				size := 0
				for _, m := range ms {
					if m[2*idx] >= 0 {
						size += m[2*idx+1] - m[2*idx]
					}
				}
				w := newListWriter(c, len(ms), size)
				for _, m := range ms {
					if m[2*idx] < 0 {
						w.add(nil)
						continue
					}
					w.add(s[m[2*idx]:m[2*idx+1]])
				}
				return w.finish(c), nil
			}, nil
		}})

	// regexp_replace(str, regexp, rep[, pos]): every match replaced by rep,
	// in which $n and ${name} refer to groups and \ escapes, as Java's
	// Matcher.appendReplacement; the search starts at character pos.
	registerRowOnly(&rowOnlySpec{name: "regexp_replace", resolve: sig(str, 3, str, str, str, i32),
		build: func(name string, args []Expr, _ arrow.DataType) (callFn, error) {
			pat, err := patternOf(args, 1)
			if err != nil {
				return nil, err
			}
			if len(args) > 3 {
				v, ok := constArg(args, 3)
				if !ok {
					return nil, typeErr("the position %s must be a constant", args[3])
				}
				if !v.Null && int32(v.I) <= 0 {
					return nil, invalidErr("the position must be positive, got %d", int32(v.I))
				}
			}
			var tmpl *replTemplate
			if rep, ok := constArg(args, 2); ok && pat.konst && pat.re != nil && !rep.Null {
				tmpl = parseReplacement(rep.B, pat.re)
			}
			return func(c *Context, a []Value) (Value, error) {
				re, err := pat.get(c, a[1])
				if err != nil {
					return Null, err
				}
				t := tmpl
				if t == nil {
					t = parseReplacement(a[2].B, re)
				}
				s := a[0].B
				start := 0
				if len(a) > 3 {
					pos := int(int32(a[3].I)) - 1
					start = charOffset(s, pos)
					if pos > 0 && start >= len(s) {
						return a[0], nil
					}
				}
				ms := re.FindAllSubmatchIndex(s[start:], -1)
				if len(ms) == 0 {
					return a[0], nil
				}
				if t.err != nil {
					return Null, t.err
				}
				d := c.scratch(len(s) + len(ms)*len(t.lit))
				d = append(d, s[:start]...)
				rest := s[start:]
				last := 0
				for _, m := range ms {
					d = append(d, rest[last:m[0]]...)
					d = t.expand(d, rest, m)
					last = m[1]
				}
				d = append(d, rest[last:]...)
				return strResult(c, d), nil
			}, nil
		}})

	// split(str, regex[, limit]): str split around matches of regex, as
	// Spark's UTF8String.split (Java's String.split with the limit, default
	// -1: trailing empty strings kept; an empty regex splits characters).
	registerRowOnly(&rowOnlySpec{name: "split", resolve: sig(stringArray, 2, str, str, i32),
		build: func(_ string, args []Expr, _ arrow.DataType) (callFn, error) {
			pat, err := patternOf(args, 1)
			if err != nil {
				return nil, err
			}
			return func(c *Context, a []Value) (Value, error) {
				limit := -1
				if len(a) > 2 {
					// Spark maps 0 to -1: no Java-specific dropping of
					// trailing empty strings.
					if limit = int(int32(a[2].I)); limit == 0 {
						limit = -1
					}
				}
				s := a[0].B
				if len(s) != 0 && len(a[1].B) == 0 {
					return splitChars(c, s, limit), nil
				}
				re, err := pat.get(c, a[1])
				if err != nil {
					return Null, err
				}
				return splitRegex(c, s, re, limit), nil
			}, nil
		}})
}

// charOffset returns the byte offset of character k of s (len(s) when s
// has k characters or fewer).
func charOffset(s []byte, k int) int {
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

// checkGroup fails for a group index the regex does not have (Spark checks
// it only when the regex matched).
func checkGroup(re *regexp.Regexp, idx int) error {
	if idx < 0 || idx > re.NumSubexp() {
		return invalidErr("the group index %d is out of range: the regex has %d groups (0 is the whole match)", idx, re.NumSubexp())
	}
	return nil
}

// splitChars is Spark's split by the empty pattern: one element per
// character, the last holding the rest when limit is smaller.
func splitChars(c *Context, s []byte, limit int) Value {
	n := utf8.RuneCount(s)
	if limit > 0 && limit < n {
		n = limit
	}
	w := newListWriter(c, n, len(s))
	p := 0
	for i := 0; i < n-1; i++ {
		_, sz := utf8.DecodeRune(s[p:])
		w.add(s[p : p+sz])
		p += sz
	}
	w.add(s[p:])
	return w.finish(c)
}

// splitRegex is Java's Pattern.split(s, limit).
func splitRegex(c *Context, s []byte, re *regexp.Regexp, limit int) Value {
	ms := re.FindAllIndex(s, -1)
	// Segment boundaries, as pairs in c.ints.
	segs := c.ints[:0]
	index := 0
	limited := limit > 0
	for _, m := range ms {
		count := len(segs) / 2
		if !limited || count < limit-1 {
			if index == 0 && m[0] == 0 && m[1] == 0 {
				continue // no empty leading substring for a zero-width match at 0
			}
			segs = append(segs, index, m[0])
			index = m[1]
		} else if count == limit-1 {
			segs = append(segs, index, len(s))
			index = m[1]
			break
		}
	}
	if index == 0 {
		segs = append(segs[:0], 0, len(s))
	} else if !limited || len(segs)/2 < limit {
		segs = append(segs, index, len(s))
	}
	// (Java drops trailing empty strings for limit 0; Spark never passes 0.)
	n := len(segs) / 2
	c.ints = segs
	size := 0
	for i := 0; i < n; i++ {
		size += segs[2*i+1] - segs[2*i]
	}
	w := newListWriter(c, n, size)
	for i := 0; i < n; i++ {
		w.add(s[segs[2*i]:segs[2*i+1]])
	}
	return w.finish(c)
}

// listWriter writes an ARRAY of STRING or BINARY (the list encoding of
// package rows: count, null bytes, then length-prefixed elements) into the
// context's arena.
type listWriter struct {
	b []byte
	i int
}

func newListWriter(c *Context, n, dataBytes int) listWriter {
	b := c.scratch(4 + 5*n + dataBytes)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	for i := 0; i < n; i++ {
		b = append(b, 0)
	}
	return listWriter{b: b}
}

// add appends an element; nil makes it NULL.
func (w *listWriter) add(e []byte) {
	if e == nil {
		w.b[4+w.i] = 1
	}
	w.i++
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(e)))
	w.b = append(w.b, e...)
}

func (w *listWriter) finish(c *Context) Value { return Value{B: c.commit(w.b)} }

// replTemplate is a parsed Java replacement string.
type replTemplate struct {
	parts []replPart
	lit   []byte // all literal bytes, for size hints
	err   error  // a malformed replacement, reported when a match occurs
}

type replPart struct {
	lit   []byte
	group int // -1 for a literal part
}

// parseReplacement parses rep as Java's Matcher.appendReplacement reads a
// replacement: \x is a literal x; $n is group n, taking further digits
// while they form a group the pattern has; ${name} is a named group.
func parseReplacement(rep []byte, re *regexp.Regexp) *replTemplate {
	t := &replTemplate{}
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			t.parts = append(t.parts, replPart{lit: cur, group: -1})
			t.lit = append(t.lit, cur...)
			cur = nil
		}
	}
	groups := re.NumSubexp()
	for i := 0; i < len(rep); {
		ch := rep[i]
		switch ch {
		case '\\':
			i++
			if i == len(rep) {
				t.err = invalidErr("character to be escaped is missing in the replacement %q", rep)
				return t
			}
			_, sz := utf8.DecodeRune(rep[i:])
			cur = append(cur, rep[i:i+sz]...)
			i += sz
		case '$':
			i++
			if i == len(rep) {
				t.err = invalidErr("illegal group reference in the replacement %q: group index is missing", rep)
				return t
			}
			var g int
			if rep[i] == '{' {
				j := i + 1
				for j < len(rep) && isGroupNameByte(rep[j]) {
					j++
				}
				if j == i+1 {
					t.err = invalidErr("named capturing group has a 0 length name in the replacement %q", rep)
					return t
				}
				if j == len(rep) || rep[j] != '}' {
					t.err = invalidErr("named capturing group is missing trailing '}' in the replacement %q", rep)
					return t
				}
				name := string(rep[i+1 : j])
				g = re.SubexpIndex(name)
				if g < 0 {
					t.err = invalidErr("no group with name {%s} in the replacement %q", name, rep)
					return t
				}
				i = j + 1
			} else {
				if rep[i] < '0' || rep[i] > '9' {
					t.err = invalidErr("illegal group reference in the replacement %q", rep)
					return t
				}
				g = int(rep[i] - '0')
				i++
				for i < len(rep) && rep[i] >= '0' && rep[i] <= '9' {
					ng := g*10 + int(rep[i]-'0')
					if ng > groups {
						break
					}
					g = ng
					i++
				}
				if g > groups {
					t.err = invalidErr("no group %d in the pattern (it has %d) in the replacement %q", g, groups, rep)
					return t
				}
			}
			flush()
			t.parts = append(t.parts, replPart{group: g})
		default:
			cur = append(cur, ch)
			i++
		}
	}
	flush()
	return t
}

func isGroupNameByte(b byte) bool {
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// expand appends the replacement of the match m (submatch indexes into s).
func (t *replTemplate) expand(dst, s []byte, m []int) []byte {
	for _, p := range t.parts {
		if p.group < 0 {
			dst = append(dst, p.lit...)
			continue
		}
		if a, b := m[2*p.group], m[2*p.group+1]; a >= 0 {
			dst = append(dst, s[a:b]...)
		}
	}
	return dst
}
