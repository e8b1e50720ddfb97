package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the lexical class of a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // unquoted identifier or keyword (kw != "" for a keyword)
	tQuoted         // back-quoted identifier; str holds the name
	tNumber         // numeric literal, text holds it
	tString         // string literal; str holds the decoded value
	tBinary         // X'..' literal; str holds the hex digits
	tOp             // operator or punctuation; text holds it
)

// token is one lexical token. text is the exact source text.
type token struct {
	kind tokKind
	kw   string // canonical upper-case keyword for a tWord that is a keyword
	pos  Pos
	end  int // byte offset just past the token
	text string
	str  string
}

// keywords maps an upper-case word to itself (interned, so comparisons of
// token.kw against constants are cheap). Only words that the grammar treats
// specially are listed; whether a keyword may be used as an identifier is
// decided by the parser per context.
var keywords = func() map[string]string {
	m := map[string]string{}
	for _, k := range strings.Fields(`
		ALL AND ANALYZE ANTI ANY AS ASC BETWEEN BOTH BY CASE CAST CLUSTER CODEGEN
		COST CROSS CURRENT_DATE CURRENT_TIMESTAMP DATE DAY DAYS DESC DISTINCT
		DISTRIBUTE DIV ELSE END ESCAPE EXCEPT EXISTS EXPLAIN EXTENDED EXTRACT FALSE
		FETCH FILTER FIRST FOR FORMATTED FROM FULL GROUP HAVING HOUR HOURS IGNORE ILIKE IN
		INNER INTERSECT INTERVAL IS JOIN LAST LATERAL LEADING LEFT LIKE LIMIT
		MICROSECOND MICROSECONDS MILLISECOND MILLISECONDS MINUS MINUTE MINUTES
		MONTH MONTHS NATURAL NOT NULL NULLS OFFSET ON OR ORDER OUTER OVER PIVOT
		POSITION QUALIFY REGEXP RESPECT RIGHT RLIKE SECOND SECONDS SELECT SEMI SOME SORT SUBSTR
		SUBSTRING TABLESAMPLE THEN TIMESTAMP TIMESTAMP_LTZ TO TRAILING TRIM TRUE
		TRY_CAST UNION UNKNOWN UNPIVOT USING VALUES WEEK WEEKS WHEN WHERE WINDOW
		WITH YEAR YEARS`) {
		m[k] = k
	}
	return m
}()

// maxKeywordLen is the length of the longest keyword.
const maxKeywordLen = len("CURRENT_TIMESTAMP")

// lookupKeyword returns the canonical keyword for word, or "".
func lookupKeyword(word string) string {
	if len(word) > maxKeywordLen {
		return ""
	}
	var buf [maxKeywordLen]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return keywords[string(buf[:len(word)])]
}

// lexer turns SQL text into tokens.
type lexer struct {
	src  string
	off  int
	toks []token

	// position cursor: the line and column of byte offset curOff.
	curOff, curLine, curCol int
}

// posAt returns the position of byte offset off. Offsets must be requested in
// non-decreasing order (the lexer only moves forward), which keeps the total
// work linear in the input size.
func (l *lexer) posAt(off int) Pos {
	for l.curOff < off {
		c := l.src[l.curOff]
		if c < utf8.RuneSelf {
			l.curOff++
			if c == '\n' {
				l.curLine++
				l.curCol = 1
			} else {
				l.curCol++
			}
			continue
		}
		_, size := utf8.DecodeRuneInString(l.src[l.curOff:])
		l.curOff += size
		l.curCol++
	}
	return Pos{Line: l.curLine, Col: l.curCol, Offset: off}
}

func (l *lexer) errAt(off int, msg string) *Error {
	p := l.posAt(off)
	return &Error{Line: p.Line, Col: p.Col, Msg: msg}
}

// tokenize lexes the whole input, appending to buf[:0]. The last token is
// always tEOF. On error the tokens so far are returned with it (so that the
// buffer can be reused).
func tokenize(src string, buf []token) ([]token, *Error) {
	l := &lexer{src: src, curLine: 1, curCol: 1}
	if cap(buf) < len(src)/5+8 {
		buf = make([]token, 0, len(src)/5+8)
	}
	l.toks = buf[:0]
	for {
		if err := l.skipSpace(); err != nil {
			return l.toks, err
		}
		if l.off >= len(l.src) {
			l.toks = append(l.toks, token{kind: tEOF, pos: l.posAt(l.off), end: l.off})
			return l.toks, nil
		}
		if err := l.next(); err != nil {
			return l.toks, err
		}
	}
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() *Error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.off++
		case c == '-' && l.off+1 < len(l.src) && l.src[l.off+1] == '-':
			end := strings.IndexByte(l.src[l.off:], '\n')
			if end < 0 {
				l.off = len(l.src)
			} else {
				l.off += end + 1
			}
		case c == '/' && l.off+1 < len(l.src) && l.src[l.off+1] == '*':
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				return l.errAt(l.off, "unterminated comment")
			}
			l.off += 2 + end + 2
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(l.src[l.off:])
			if !unicode.IsSpace(r) {
				return nil
			}
			l.off += size
		default:
			return nil
		}
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIIIdentChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// identRuneAt reports whether an identifier character starts at off and
// returns its size.
func (l *lexer) identRuneAt(off int) (bool, int) {
	if off >= len(l.src) {
		return false, 0
	}
	c := l.src[off]
	if c < utf8.RuneSelf {
		return isASCIIIdentChar(c), 1
	}
	r, size := utf8.DecodeRuneInString(l.src[off:])
	return unicode.IsLetter(r) || unicode.IsDigit(r), size
}

func (l *lexer) push(kind tokKind, start int, str string) {
	t := token{kind: kind, pos: l.posAt(start), end: l.off, text: l.src[start:l.off], str: str}
	if kind == tWord {
		t.kw = lookupKeyword(t.text)
	}
	l.toks = append(l.toks, t)
}

// next lexes one token starting at l.off (not at white space).
func (l *lexer) next() *Error {
	start := l.off
	c := l.src[start]
	switch {
	case c == '\'' || c == '"':
		return l.lexString(start, c, false)
	case (c == 'r' || c == 'R') && start+1 < len(l.src) && (l.src[start+1] == '\'' || l.src[start+1] == '"'):
		return l.lexString(start, l.src[start+1], true)
	case (c == 'x' || c == 'X') && start+1 < len(l.src) && l.src[start+1] == '\'':
		return l.lexHex(start)
	case c == '`':
		return l.lexQuotedIdent(start)
	case isDigit(c) || c == '.' && start+1 < len(l.src) && isDigit(l.src[start+1]):
		return l.lexNumber(start)
	}
	if ok, _ := l.identRuneAt(start); ok {
		l.scanIdent()
		l.push(tWord, start, "")
		return nil
	}
	// Operators: longest match first.
	n := 0
	var c1, c2 byte
	if start+1 < len(l.src) {
		c1 = l.src[start+1]
	}
	if start+2 < len(l.src) {
		c2 = l.src[start+2]
	}
	switch c {
	case '(', ')', ',', '.', ';', '*', '+', '/', '%', '&', '^', '~', '[', ']', '?', '{', '}':
		n = 1
	case '<':
		switch {
		case c1 == '=' && c2 == '>':
			n = 3
		case c1 == '>' || c1 == '=':
			n = 2
		default:
			n = 1
		}
	case '>', '!':
		n = 1
		if c1 == '=' {
			n = 2
		}
	case '=':
		n = 1
		if c1 == '=' {
			n = 2
		}
	case '|':
		n = 1
		if c1 == '|' {
			n = 2
		}
	case ':':
		n = 1
		if c1 == ':' {
			n = 2
		}
	case '-':
		n = 1
		if c1 == '>' {
			n = 2
		}
	}
	if n > 0 {
		l.off += n
		l.push(tOp, start, "")
		return nil
	}
	r, size := utf8.DecodeRuneInString(l.src[start:])
	if r == utf8.RuneError && size == 1 {
		return l.errAt(start, "invalid UTF-8 in input")
	}
	return l.errAt(start, "unexpected character "+quoteRune(r))
}

func quoteRune(r rune) string {
	if unicode.IsPrint(r) {
		return "'" + string(r) + "'"
	}
	return runeHex(r)
}

func runeHex(r rune) string {
	const hex = "0123456789ABCDEF"
	b := []byte("U+")
	started := false
	for shift := 20; shift >= 0; shift -= 4 {
		d := (r >> uint(shift)) & 0xF
		if d != 0 || started || shift <= 12 {
			started = true
			b = append(b, hex[d])
		}
	}
	return string(b)
}

func (l *lexer) scanIdent() {
	for {
		ok, size := l.identRuneAt(l.off)
		if !ok {
			return
		}
		l.off += size
	}
}

// lexNumber lexes a numeric literal: digits, an optional fraction, an
// optional exponent and an optional type suffix (L, S, Y, D, F, BD). As in
// Spark, a run of letters, digits and underscores that starts with a digit
// but is not a number (1a, 2_x) is an identifier.
func (l *lexer) lexNumber(start int) *Error {
	src := l.src
	i := start
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	fraction := false
	if i < len(src) && src[i] == '.' {
		fraction = true
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	signedExp := false
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
			signedExp = true
		}
		if j < len(src) && isDigit(src[j]) {
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			i = j
		} else {
			signedExp = false
		}
	}
	// Type suffix.
	if i < len(src) {
		switch src[i] {
		case 'b', 'B':
			if i+1 < len(src) && (src[i+1] == 'd' || src[i+1] == 'D') {
				i += 2
			}
		case 'd', 'D', 'f', 'F', 'l', 'L', 's', 'S', 'y', 'Y':
			i++
		}
	}
	if ok, _ := l.identRuneAt(i); ok {
		if l.src[start] == '.' {
			// t.1a is t . 1a, as in Spark: a number must not run into a word.
			l.off = start + 1
			l.push(tOp, start, "")
			return nil
		}
		if !fraction && !signedExp {
			// An identifier such as 1a or 12_b.
			l.off = start
			l.scanIdent()
			l.push(tWord, start, "")
			return nil
		}
		l.off = i
		l.scanIdent()
		return l.errAt(start, "invalid number literal '"+src[start:l.off]+"'")
	}
	l.off = i
	l.push(tNumber, start, "")
	return nil
}

// lexString lexes a string literal quoted with q. Escapes follow Spark:
// \' \" \\ \n \t \r \b \0 \Z, \uXXXX, \UXXXXXXXX, three octal digits, \% and
// \_ (kept with the backslash, for LIKE patterns), and \x for any other x
// gives x. A doubled quote stands for one quote. A raw string (r'...') has no
// escapes.
func (l *lexer) lexString(start int, q byte, raw bool) *Error {
	i := start + 1
	if raw {
		i++
		end := strings.IndexByte(l.src[i:], q)
		if end < 0 {
			return l.errAt(start, "unterminated string literal")
		}
		l.off = i + end + 1
		l.push(tString, start, l.src[i:i+end])
		return nil
	}
	contentStart := i
	// Fast path: no escapes and no doubled quotes.
	for i < len(l.src) {
		c := l.src[i]
		if c == '\\' {
			break
		}
		if c == q {
			if i+1 < len(l.src) && l.src[i+1] == q {
				break
			}
			l.off = i + 1
			l.push(tString, start, l.src[contentStart:i])
			return nil
		}
		i++
	}
	var sb strings.Builder
	sb.WriteString(l.src[contentStart:i])
	for i < len(l.src) {
		c := l.src[i]
		switch {
		case c == q:
			if i+1 < len(l.src) && l.src[i+1] == q {
				sb.WriteByte(q)
				i += 2
				continue
			}
			l.off = i + 1
			l.push(tString, start, sb.String())
			return nil
		case c == '\\' && i+1 < len(l.src):
			i = l.unescape(&sb, i)
		default:
			sb.WriteByte(c)
			i++
		}
	}
	return l.errAt(start, "unterminated string literal")
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// parseHexRune parses n hex digits at src[i:]; ok is false when they are not.
func parseHexRune(src string, i, n int) (rune, bool) {
	if i+n > len(src) {
		return 0, false
	}
	var r rune
	for k := 0; k < n; k++ {
		v := hexVal(src[i+k])
		if v < 0 {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// unescape decodes the escape sequence at src[i] == '\\' into sb and returns
// the offset after it.
func (l *lexer) unescape(sb *strings.Builder, i int) int {
	src := l.src
	n := src[i+1]
	switch n {
	case 'u':
		if r, ok := parseHexRune(src, i+2, 4); ok {
			next := i + 6
			if utf16IsHigh(r) {
				// A surrogate pair written as two \u escapes.
				if next+6 <= len(src) && src[next] == '\\' && src[next+1] == 'u' {
					if lo, ok := parseHexRune(src, next+2, 4); ok && utf16IsLow(lo) {
						sb.WriteRune((r-0xD800)<<10 + (lo - 0xDC00) + 0x10000)
						return next + 6
					}
				}
				sb.WriteRune(utf8.RuneError)
				return next
			}
			if utf16IsLow(r) {
				r = utf8.RuneError
			}
			sb.WriteRune(r)
			return next
		}
	case 'U':
		if r, ok := parseHexRune(src, i+2, 8); ok {
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			sb.WriteRune(r)
			return i + 10
		}
	}
	if i+3 < len(src) && isOctal(src[i+1]) && isOctal(src[i+2]) && isOctal(src[i+3]) {
		v := rune(src[i+1]-'0')<<6 | rune(src[i+2]-'0')<<3 | rune(src[i+3]-'0')
		sb.WriteRune(v)
		return i + 4
	}
	switch n {
	case '0':
		sb.WriteByte(0)
	case 'b':
		sb.WriteByte('\b')
	case 'n':
		sb.WriteByte('\n')
	case 'r':
		sb.WriteByte('\r')
	case 't':
		sb.WriteByte('\t')
	case 'Z':
		sb.WriteByte(0x1A)
	case '%':
		sb.WriteString(`\%`)
	case '_':
		sb.WriteString(`\_`)
	default:
		// \' \" \\ and any other \x give x; x may be a multi-byte rune.
		_, size := utf8.DecodeRuneInString(src[i+1:])
		sb.WriteString(src[i+1 : i+1+size])
		return i + 1 + size
	}
	return i + 2
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

func utf16IsHigh(r rune) bool { return 0xD800 <= r && r < 0xDC00 }
func utf16IsLow(r rune) bool  { return 0xDC00 <= r && r < 0xE000 }

// lexHex lexes X'0AFF'.
func (l *lexer) lexHex(start int) *Error {
	i := start + 2
	end := strings.IndexByte(l.src[i:], '\'')
	if end < 0 {
		return l.errAt(start, "unterminated binary literal")
	}
	digits := l.src[i : i+end]
	for k := 0; k < len(digits); k++ {
		if hexVal(digits[k]) < 0 {
			return l.errAt(start, "invalid binary literal: '"+digits+"' is not hexadecimal")
		}
	}
	l.off = i + end + 1
	l.push(tBinary, start, digits)
	return nil
}

// lexQuotedIdent lexes `name`, where a doubled back-quote stands for one.
func (l *lexer) lexQuotedIdent(start int) *Error {
	i := start + 1
	var sb strings.Builder
	for i < len(l.src) {
		c := l.src[i]
		if c == '`' {
			if i+1 < len(l.src) && l.src[i+1] == '`' {
				sb.WriteByte('`')
				i += 2
				continue
			}
			l.off = i + 1
			if sb.Len() == 0 && i == start+1 {
				return l.errAt(start, "empty quoted identifier")
			}
			l.push(tQuoted, start, sb.String())
			return nil
		}
		sb.WriteByte(c)
		i++
	}
	return l.errAt(start, "unterminated quoted identifier")
}
