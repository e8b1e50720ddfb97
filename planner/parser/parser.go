// Package parser is gluten-go's SQL parser: a hand-written lexer and
// recursive-descent (precedence-climbing) parser for the Spark SQL dialect,
// producing the AST defined in ast.go.
//
// Parse parses one statement; Format renders an AST back to canonical SQL
// text such that parsing the rendering gives an equal tree (positions and
// Literal.Raw aside).
//
// Operator precedence, lowest first (Spark's):
//
//	OR
//	AND
//	NOT
//	= == <> != < <= > >= <=> IS IN BETWEEN LIKE ILIKE RLIKE REGEXP
//	|
//	^
//	&
//	+ - ||
//	* / % DIV
//	unary - + ~
//
// All binary operators are left-associative. Nesting (parentheses,
// subqueries, prefix operators) is limited to MaxDepth levels so that no
// input can exhaust the stack.
package parser

import (
	"fmt"
	"strings"
	"sync"
)

// MaxDepth is the deepest nesting of expressions, queries and parenthesized
// FROM items the parser accepts.
const MaxDepth = 1000

// Precedence levels of expression operators.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
	precBitOr
	precBitXor
	precBitAnd
	precAdd
	precMul
	precUnary
	precPrimary
)

// parseError carries an *Error through a panic to Parse, which recovers it.
// Any other panic is a bug and is not recovered.
type parseError struct{ err *Error }

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	// queryParen[k] is set for a '(' token that opens a query rather than an
	// expression or a FROM item (see classifyParens).
	queryParen []bool
	// match[k] is the index of the ')' closing the '(' at k, or -1.
	match []int32
}

// parserPool recycles the token and parenthesis buffers of parsers: the AST
// never points into them.
var parserPool = sync.Pool{New: func() any { return new(parser) }}

// maxPooledTokens bounds the buffers kept for reuse.
const maxPooledTokens = 1 << 14

// Parse parses one SQL statement. A trailing ';' is allowed; anything after
// it is an error. Errors are *Error values. Parse is safe for concurrent use.
func Parse(sql string) (Statement, error) {
	p := parserPool.Get().(*parser)
	stmt, err := p.parse(sql)
	if cap(p.toks) <= maxPooledTokens {
		clear(p.toks) // drop references to sql
		*p = parser{toks: p.toks[:0], match: p.match[:0], queryParen: p.queryParen[:0]}
		parserPool.Put(p)
	}
	return stmt, err
}

func (p *parser) parse(sql string) (stmt Statement, err error) {
	toks, lerr := tokenize(sql, p.toks)
	p.toks = toks
	if lerr != nil {
		return nil, lerr
	}
	p.src = sql
	p.classifyParens()
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			stmt, err = nil, pe.err
		}
	}()
	stmt = p.parseStatement()
	p.acceptOp(";")
	if p.tok().kind != tEOF {
		p.failExpected("end of input")
	}
	return stmt, nil
}

// ---------------------------------------------------------------------------
// Token helpers

func (p *parser) tok() *token { return &p.toks[p.i] }

// peek returns the token k positions ahead (the EOF token past the end).
func (p *parser) peek(k int) *token {
	if p.i+k >= len(p.toks) {
		return &p.toks[len(p.toks)-1]
	}
	return &p.toks[p.i+k]
}

func (t *token) isKw(kw string) bool { return t.kind == tWord && t.kw == kw }
func (t *token) isOp(op string) bool { return t.kind == tOp && t.text == op }

func (p *parser) isKw(kw string) bool { return p.toks[p.i].isKw(kw) }
func (p *parser) isOp(op string) bool { return p.toks[p.i].isOp(op) }

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) {
	if !p.acceptKw(kw) {
		p.failExpected(kw)
	}
}

func (p *parser) expectOp(op string) {
	if !p.acceptOp(op) {
		p.failExpected("'" + op + "'")
	}
}

// fail aborts parsing with an error at position pos.
func (p *parser) fail(pos Pos, format string, args ...any) {
	panic(parseError{&Error{Line: pos.Line, Col: pos.Col, Msg: fmt.Sprintf(format, args...)}})
}

// failExpected reports that the current token is not what was expected.
func (p *parser) failExpected(what string) {
	t := p.tok()
	if t.kind == tEOF {
		p.fail(t.pos, "unexpected end of input, expected %s", what)
	}
	p.fail(t.pos, "expected %s but found %s", what, describe(t))
}

// describe renders a token for an error message.
func describe(t *token) string {
	if t.kind == tEOF {
		return "end of input"
	}
	text := t.text
	if n := 40; len(text) > n {
		// Cut at a rune boundary.
		cut := n
		for cut > 0 && text[cut]&0xC0 == 0x80 {
			cut--
		}
		text = text[:cut] + "..."
	}
	if t.kind == tString || t.kind == tBinary {
		return text
	}
	return "'" + text + "'"
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.fail(p.tok().pos, "query is nested too deeply (more than %d levels)", MaxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// classifyParens matches parentheses and decides for every '(' whether it
// opens a query: it does when the next token is SELECT, WITH or VALUES, or
// when the next token is a '(' that opens a query and whose group is followed
// by a set operator, ORDER BY, LIMIT, OFFSET or ')' (so that
// ((SELECT 1) UNION (SELECT 2)) is a query but ((SELECT 1) + 1) is an
// expression). One backward pass, so it is linear in the input.
func (p *parser) classifyParens() {
	n := len(p.toks)
	if cap(p.match) < n {
		p.match = make([]int32, n)
		p.queryParen = make([]bool, n)
	}
	p.match = p.match[:n]
	p.queryParen = p.queryParen[:n]
	clear(p.queryParen)
	var stackBuf [32]int32
	stack := stackBuf[:0]
	for k := range p.toks {
		p.match[k] = -1
		switch {
		case p.toks[k].isOp("("):
			stack = append(stack, int32(k))
		case p.toks[k].isOp(")"):
			if len(stack) > 0 {
				open := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				p.match[open] = int32(k)
			}
		}
	}
	for k := n - 2; k >= 0; k-- {
		if !p.toks[k].isOp("(") {
			continue
		}
		next := &p.toks[k+1]
		if next.kind == tWord && (next.kw == "SELECT" || next.kw == "WITH" || next.kw == "VALUES") {
			p.queryParen[k] = true
			continue
		}
		if next.isOp("(") && p.queryParen[k+1] && p.match[k+1] >= 0 {
			after := &p.toks[p.match[k+1]+1]
			if after.isOp(")") {
				p.queryParen[k] = true
				continue
			}
			if after.kind == tWord {
				switch after.kw {
				case "UNION", "INTERSECT", "EXCEPT", "MINUS", "ORDER", "LIMIT", "OFFSET":
					p.queryParen[k] = true
				}
			}
		}
	}
}

// reservedWords cannot be used as bare (unquoted) identifiers: column and
// table names, aliases. Spark allows most other keywords as identifiers; so
// do we (a column may be called date, year, value, ...).
var reservedWords = setOf(`ALL AND ANTI AS BETWEEN BY CASE CROSS DISTINCT DIV ELSE END
	ESCAPE EXCEPT FALSE FETCH FROM FULL GROUP HAVING ILIKE IN INNER INTERSECT IS JOIN
	LATERAL LEFT LIKE LIMIT MINUS NATURAL NOT NULL OFFSET ON OR ORDER OUTER QUALIFY
	REGEXP RIGHT RLIKE SELECT SEMI THEN TRUE UNION USING VALUES WHEN WHERE WINDOW WITH`)

// noBareAlias are the words that cannot be an alias without AS, because they
// may follow a select item or a FROM item.
var noBareAlias = setOf(`CLUSTER DISTRIBUTE SORT PIVOT UNPIVOT TABLESAMPLE FILTER OVER`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// isNameToken reports whether t can be an unquoted or quoted name here.
func isNameToken(t *token) bool {
	return t.kind == tQuoted || t.kind == tWord && !reservedWords[t.kw]
}

// parseName parses an identifier (not a reserved word) and returns it.
func (p *parser) parseName(what string) string {
	t := p.tok()
	if !isNameToken(t) {
		p.failExpected(what)
	}
	p.i++
	if t.kind == tQuoted {
		return t.str
	}
	return t.text
}

// parseAnyName parses an identifier where any word is allowed (after AS or
// a dot).
func (p *parser) parseAnyName(what string) (string, bool) {
	t := p.tok()
	switch t.kind {
	case tQuoted:
		p.i++
		return t.str, true
	case tWord:
		p.i++
		return t.text, false
	}
	p.failExpected(what)
	return "", false
}

// parseNameList parses (a, b, ...).
func (p *parser) parseNameList(what string) []string {
	p.expectOp("(")
	var names []string
	for {
		names = append(names, p.parseName(what))
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return names
}

// unsupported reports clear errors for Spark clauses gluten-go does not
// implement, when one is the current token.
func (p *parser) unsupported() {
	t := p.tok()
	if t.kind != tWord {
		return
	}
	switch t.kw {
	case "SORT", "CLUSTER", "DISTRIBUTE":
		if p.peek(1).isKw("BY") {
			p.fail(t.pos, "%s BY is not supported", t.kw)
		}
	case "WINDOW", "QUALIFY", "PIVOT", "UNPIVOT", "TABLESAMPLE":
		p.fail(t.pos, "%s is not supported", t.kw)
	case "LATERAL":
		p.fail(t.pos, "LATERAL is not supported")
	case "NATURAL":
		p.fail(t.pos, "NATURAL JOIN is not supported")
	}
}

// ---------------------------------------------------------------------------
// Statements and queries

func (p *parser) parseStatement() Statement {
	if t := p.tok(); t.isKw("EXPLAIN") {
		p.i++
		e := &Explain{At: t.pos}
		switch p.tok().kw {
		case "EXTENDED":
			e.Mode = ExplainExtended
		case "FORMATTED":
			e.Mode = ExplainFormatted
		case "ANALYZE":
			e.Mode = ExplainAnalyze
		case "COST":
			e.Mode = ExplainCost
		case "CODEGEN":
			e.Mode = ExplainCodegen
		}
		if e.Mode != ExplainSimple {
			p.i++
		}
		e.Stmt = p.parseQuery()
		return e
	}
	return p.parseQuery()
}

// parseQuery parses [WITH ...] body [ORDER BY ...] [LIMIT ...] [OFFSET ...].
func (p *parser) parseQuery() *Query {
	p.enter()
	defer p.leave()
	q := &Query{At: p.tok().pos}
	if p.acceptKw("WITH") {
		for {
			q.With = append(q.With, p.parseCTE())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	q.Body = p.parseSetExpr()
	if p.isKw("ORDER") && p.peek(1).isKw("BY") {
		p.i += 2
		for {
			q.OrderBy = append(q.OrderBy, p.parseOrderItem())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.unsupported()
	if p.acceptKw("LIMIT") {
		if !p.acceptKw("ALL") {
			q.Limit = p.parseExpr()
		}
	}
	if p.acceptKw("OFFSET") {
		q.Offset = p.parseExpr()
	}
	p.unsupported()
	return q
}

func (p *parser) parseCTE() CTE {
	c := CTE{At: p.tok().pos}
	c.Name = p.parseName("a common table expression name")
	if p.isOp("(") && !p.queryParen[p.i] {
		c.Columns = p.parseNameList("a column name")
	}
	p.acceptKw("AS")
	if !p.isOp("(") {
		p.failExpected("'('")
	}
	p.i++
	c.Query = p.parseQuery()
	p.expectOp(")")
	return c
}

func (p *parser) parseOrderItem() OrderItem {
	it := OrderItem{At: p.tok().pos}
	it.Expr = p.parseExpr()
	if p.acceptKw("DESC") {
		it.Desc = true
	} else {
		p.acceptKw("ASC")
	}
	if p.acceptKw("NULLS") {
		first := false
		switch {
		case p.acceptKw("FIRST"):
			first = true
		case p.acceptKw("LAST"):
		default:
			p.failExpected("FIRST or LAST")
		}
		it.NullsFirst = &first
	}
	return it
}

// parseSetExpr parses query terms joined by UNION / EXCEPT (lowest) and
// INTERSECT (higher), left-associative.
func (p *parser) parseSetExpr() SetExpr {
	left := p.parseIntersectTerm()
	for {
		t := p.tok()
		var op SetOpKind
		switch {
		case t.isKw("UNION"):
			op = SetUnion
		case t.isKw("EXCEPT"), t.isKw("MINUS"):
			op = SetExcept
		default:
			return left
		}
		p.i++
		all := p.parseSetQuantifier()
		right := p.parseIntersectTerm()
		left = &SetOp{At: left.Pos(), Op: op, All: all, Left: left, Right: right}
	}
}

func (p *parser) parseIntersectTerm() SetExpr {
	left := p.parseQueryPrimary()
	for p.isKw("INTERSECT") {
		p.i++
		all := p.parseSetQuantifier()
		right := p.parseQueryPrimary()
		left = &SetOp{At: left.Pos(), Op: SetIntersect, All: all, Left: left, Right: right}
	}
	return left
}

func (p *parser) parseSetQuantifier() bool {
	if p.acceptKw("ALL") {
		return true
	}
	p.acceptKw("DISTINCT")
	return false
}

func (p *parser) parseQueryPrimary() SetExpr {
	t := p.tok()
	switch {
	case t.isKw("SELECT"):
		return p.parseSelect()
	case t.isKw("VALUES"):
		return p.parseValues(false)
	case t.isOp("("):
		p.i++
		q := p.parseQuery()
		p.expectOp(")")
		return &ParenQuery{At: t.pos, Query: q}
	}
	p.failExpected("a query (SELECT, VALUES, WITH or '(')")
	return nil
}

func (p *parser) parseSelect() *Select {
	s := &Select{At: p.tok().pos}
	p.i++ // SELECT
	if p.acceptKw("DISTINCT") {
		s.Distinct = true
	} else {
		p.acceptKw("ALL")
	}
	for {
		s.Items = append(s.Items, p.parseSelectItem())
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("FROM") {
		for {
			s.From = append(s.From, p.parseRelation())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.unsupported()
	if p.acceptKw("WHERE") {
		s.Where = p.parseExpr()
	}
	if p.isKw("GROUP") {
		p.i++
		p.expectKw("BY")
		for {
			s.GroupBy = append(s.GroupBy, p.parseExpr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.acceptKw("HAVING") {
		s.Having = p.parseExpr()
	}
	p.unsupported()
	return s
}

func (p *parser) parseSelectItem() SelectItem {
	t := p.tok()
	it := SelectItem{At: t.pos}
	if t.isOp("*") {
		p.i++
		it.Star = true
		return it
	}
	// qualifier.* : name (. name)* . *
	if isNameToken(t) {
		k := 0
		for {
			if !p.peek(k + 1).isOp(".") {
				break
			}
			nt := p.peek(k + 2)
			if nt.isOp("*") {
				for j := 0; j <= k; j += 2 {
					pt := p.peek(j)
					if pt.kind == tQuoted {
						it.Qualifier = append(it.Qualifier, pt.str)
					} else {
						it.Qualifier = append(it.Qualifier, pt.text)
					}
				}
				p.i += k + 3
				it.Star = true
				return it
			}
			if nt.kind != tWord && nt.kind != tQuoted {
				break
			}
			k += 2
		}
	}
	it.Expr = p.parseExpr()
	it.Alias = p.parseOptAlias()
	return it
}

// parseOptAlias parses [AS] alias; bare aliases cannot be reserved words or
// words that may follow the aliased item.
func (p *parser) parseOptAlias() string {
	if p.acceptKw("AS") {
		name, _ := p.parseAnyName("an alias")
		return name
	}
	t := p.tok()
	if t.kind == tQuoted {
		p.i++
		return t.str
	}
	if t.kind == tWord && !reservedWords[t.kw] && !noBareAlias[t.kw] {
		p.i++
		return t.text
	}
	return ""
}

// parseValues parses VALUES row, row, ... [alias]. In a FROM list a ','
// continues the rows only when a '(' follows it, so that the comma can end
// the VALUES item.
func (p *parser) parseValues(inFrom bool) *Values {
	v := &Values{At: p.tok().pos}
	p.i++ // VALUES
	for {
		var row []Expr
		if p.isOp("(") && !p.queryParen[p.i] {
			p.i++
			for {
				row = append(row, p.parseExpr())
				if !p.acceptOp(",") {
					break
				}
			}
			p.expectOp(")")
		} else {
			row = []Expr{p.parseExpr()}
		}
		if len(v.Rows) > 0 && len(row) != len(v.Rows[0]) {
			p.fail(row[0].Pos(), "VALUES row has %d columns but the first row has %d", len(row), len(v.Rows[0]))
		}
		v.Rows = append(v.Rows, row)
		if !p.isOp(",") || inFrom && !p.peek(1).isOp("(") {
			break
		}
		p.i++
	}
	v.Alias, v.Columns = p.parseTableAlias()
	return v
}

// parseTableAlias parses [[AS] alias [(col, ...)]].
func (p *parser) parseTableAlias() (string, []string) {
	alias := p.parseOptAlias()
	if alias == "" {
		return "", nil
	}
	var cols []string
	if p.isOp("(") {
		cols = p.parseNameList("a column name")
	}
	return alias, cols
}

// ---------------------------------------------------------------------------
// FROM items

func (p *parser) parseRelation() TableExpr {
	left := p.parseRelationPrimary()
	for {
		jt, ok := p.parseJoinType()
		if !ok {
			p.unsupported()
			return left
		}
		right := p.parseRelationPrimary()
		j := &Join{At: left.Pos(), Type: jt, Left: left, Right: right}
		if p.acceptKw("ON") {
			j.On = p.parseExpr()
		} else if p.acceptKw("USING") {
			j.Using = p.parseNameList("a column name")
		}
		left = j
	}
}

// parseJoinType consumes a join operator up to and including JOIN.
func (p *parser) parseJoinType() (JoinType, bool) {
	t := p.tok()
	if t.kind != tWord {
		return 0, false
	}
	var jt JoinType
	n := 1
	switch t.kw {
	case "JOIN":
		return JoinInner, p.acceptKw("JOIN")
	case "INNER":
		jt = JoinInner
	case "CROSS":
		jt = JoinCross
	case "LEFT":
		jt = JoinLeft
		switch p.peek(1).kw {
		case "OUTER":
			n = 2
		case "SEMI":
			jt, n = JoinLeftSemi, 2
		case "ANTI":
			jt, n = JoinLeftAnti, 2
		}
	case "RIGHT":
		jt = JoinRight
		if p.peek(1).isKw("OUTER") {
			n = 2
		}
	case "FULL":
		jt = JoinFull
		if p.peek(1).isKw("OUTER") {
			n = 2
		}
	case "SEMI":
		jt = JoinLeftSemi
	case "ANTI":
		jt = JoinLeftAnti
	case "NATURAL", "LATERAL":
		p.unsupported()
		return 0, false
	default:
		return 0, false
	}
	p.i += n
	p.expectKw("JOIN")
	return jt, true
}

func (p *parser) parseRelationPrimary() TableExpr {
	p.enter()
	defer p.leave()
	t := p.tok()
	switch {
	case t.isOp("("):
		if p.queryParen[p.i] {
			p.i++
			q := p.parseQuery()
			p.expectOp(")")
			st := &SubqueryTable{At: t.pos, Query: q}
			st.Alias, st.Columns = p.parseTableAlias()
			return st
		}
		p.i++
		inner := p.parseRelation()
		p.expectOp(")")
		if alias, cols := p.parseTableAlias(); alias != "" {
			tn, ok := inner.(*TableName)
			if !ok || tn.Alias != "" {
				p.fail(t.pos, "an alias is only allowed on a table name or a subquery, not on a parenthesized join")
			}
			tn.Alias, tn.Columns = alias, cols
		}
		return inner
	case t.isKw("VALUES"):
		return p.parseValues(true)
	case isNameToken(t):
		tn := &TableName{At: t.pos}
		tn.Parts = append(tn.Parts, p.parseName("a table name"))
		for p.isOp(".") {
			p.i++
			name, _ := p.parseAnyName("a table name")
			tn.Parts = append(tn.Parts, name)
		}
		if p.isOp("(") {
			p.fail(t.pos, "table-valued functions are not supported")
		}
		tn.Alias, tn.Columns = p.parseTableAlias()
		return tn
	}
	p.unsupported()
	p.failExpected("a table name or a subquery")
	return nil
}

// ---------------------------------------------------------------------------
// Expressions

func (p *parser) parseExpr() Expr { return p.parseBinary(precOr) }

// parseBinary parses an expression whose operators all bind at least as
// tightly as minPrec.
func (p *parser) parseBinary(minPrec int) Expr {
	p.enter()
	defer p.leave()
	var left Expr
	if t := p.tok(); minPrec <= precNot && (t.isKw("NOT") || t.isOp("!")) {
		p.i++
		x := p.parseBinary(precNot)
		if e, ok := x.(*Exists); ok && !e.Not {
			e.Not, e.At = true, t.pos
			left = e
		} else {
			left = &Unary{At: t.pos, Op: OpNot, X: x}
		}
	} else {
		left = p.parseUnary()
	}
	return p.parseInfix(left, minPrec)
}

// binaryOps maps operator tokens to binary operators and their precedence.
var binaryOps = map[string]struct {
	op   BinaryOp
	prec int
}{
	"OR": {OpOr, precOr}, "AND": {OpAnd, precAnd},
	"=": {OpEq, precCmp}, "==": {OpEq, precCmp}, "<=>": {OpNullSafeEq, precCmp},
	"<>": {OpNe, precCmp}, "!=": {OpNe, precCmp}, "<": {OpLt, precCmp}, "<=": {OpLe, precCmp},
	">": {OpGt, precCmp}, ">=": {OpGe, precCmp},
	"|": {OpBitOr, precBitOr}, "^": {OpBitXor, precBitXor}, "&": {OpBitAnd, precBitAnd},
	"+": {OpAdd, precAdd}, "-": {OpSub, precAdd}, "||": {OpConcat, precAdd},
	"*": {OpMul, precMul}, "/": {OpDiv, precMul}, "%": {OpMod, precMul}, "DIV": {OpIntDiv, precMul},
}

// parseInfix continues an expression whose first operand is left with infix
// and postfix operators of precedence >= minPrec.
func (p *parser) parseInfix(left Expr, minPrec int) Expr {
	for {
		t := p.tok()
		switch t.kind {
		case tOp:
			b, ok := binaryOps[t.text]
			if !ok || b.prec < minPrec {
				return left
			}
			p.i++
			right := p.parseBinary(b.prec + 1)
			left = &Binary{At: left.Pos(), Op: b.op, Left: left, Right: right}
			continue
		case tWord:
		default:
			return left
		}
		switch t.kw {
		case "OR", "AND", "DIV":
			b := binaryOps[t.kw]
			if b.prec < minPrec {
				return left
			}
			p.i++
			right := p.parseBinary(b.prec + 1)
			left = &Binary{At: left.Pos(), Op: b.op, Left: left, Right: right}
			continue
		}
		if precCmp < minPrec {
			return left
		}
		not := false
		pred := t
		if t.kw == "NOT" {
			switch nt := p.peek(1); nt.kw {
			case "IN", "BETWEEN", "LIKE", "ILIKE", "RLIKE", "REGEXP":
				not, pred = true, nt
			default:
				return left
			}
		}
		switch pred.kw {
		case "IS":
			left = p.parseIs(left)
		case "IN":
			p.skipNot(not)
			left = p.parseIn(left, not)
		case "BETWEEN":
			p.skipNot(not)
			p.i++
			low := p.parseBinary(precBitOr)
			p.expectKw("AND")
			high := p.parseBinary(precBitOr)
			left = &Between{At: left.Pos(), Expr: left, Low: low, High: high, Not: not}
		case "LIKE", "ILIKE", "RLIKE", "REGEXP":
			p.skipNot(not)
			p.i++
			l := &Like{At: left.Pos(), Expr: left, Not: not}
			switch pred.kw {
			case "ILIKE":
				l.Kind = PatternILike
			case "RLIKE", "REGEXP":
				l.Kind = PatternRLike
			}
			if p.isKw("ANY") || p.isKw("ALL") || p.isKw("SOME") {
				p.fail(p.tok().pos, "%s %s is not supported", pred.kw, p.tok().kw)
			}
			l.Pattern = p.parseBinary(precBitOr)
			if l.Kind != PatternRLike && p.isKw("ESCAPE") {
				p.i++
				et := p.tok()
				if et.kind != tString {
					p.failExpected("a string literal after ESCAPE")
				}
				l.Escape = p.parseStringLiteral()
			}
			left = l
		default:
			return left
		}
	}
}

func (p *parser) skipNot(not bool) {
	if not {
		p.i++
	}
}

// parseIs parses IS [NOT] NULL | UNKNOWN | TRUE | FALSE | DISTINCT FROM x.
func (p *parser) parseIs(left Expr) Expr {
	p.i++ // IS
	not := p.acceptKw("NOT")
	t := p.tok()
	switch t.kw {
	case "NULL", "UNKNOWN":
		p.i++
		return &IsNull{At: left.Pos(), Expr: left, Not: not}
	case "TRUE", "FALSE":
		p.i++
		return &IsBool{At: left.Pos(), Expr: left, Not: not, Value: t.kw == "TRUE"}
	case "DISTINCT":
		p.i++
		p.expectKw("FROM")
		right := p.parseBinary(precCmp + 1)
		eq := &Binary{At: left.Pos(), Op: OpNullSafeEq, Left: left, Right: right}
		if not {
			return eq
		}
		return &Unary{At: left.Pos(), Op: OpNot, X: eq}
	}
	p.failExpected("NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS")
	return nil
}

// parseIn parses IN (list) or IN (query); the current token is IN.
func (p *parser) parseIn(left Expr, not bool) Expr {
	p.i++ // IN
	if !p.isOp("(") {
		p.failExpected("'(' after IN")
	}
	if p.queryParen[p.i] {
		p.i++
		q := p.parseQuery()
		p.expectOp(")")
		return &InSubquery{At: left.Pos(), Expr: left, Query: q, Not: not}
	}
	p.i++
	in := &InList{At: left.Pos(), Expr: left, Not: not}
	for {
		in.List = append(in.List, p.parseExpr())
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return in
}

// parseUnary parses a prefix -, + or ~ expression or a primary. A '-' right
// before a number is part of the number literal, as in Spark.
func (p *parser) parseUnary() Expr {
	t := p.tok()
	if t.kind == tOp {
		var op UnaryOp
		switch t.text {
		case "-":
			if nt := p.peek(1); nt.kind == tNumber {
				p.i += 2
				return p.numberLiteral(t.pos, p.src[t.pos.Offset:nt.end], nt.text, true)
			}
			op = OpNeg
		case "+":
			op = OpPlus
		case "~":
			op = OpBitNot
		}
		if op != 0 {
			p.i++
			p.enter()
			x := p.parseUnary()
			p.leave()
			return &Unary{At: t.pos, Op: op, X: x}
		}
	}
	return p.parsePrimary()
}

// specialFuncWords are keywords with their own call syntax; a function with
// such a name must be back-quoted when rendered.
var specialFuncWords = setOf(`CAST TRY_CAST EXTRACT CASE`)

func (p *parser) parsePrimary() Expr {
	t := p.tok()
	switch t.kind {
	case tNumber:
		p.i++
		return p.numberLiteral(t.pos, t.text, t.text, false)
	case tString:
		return p.parseStringLiteral()
	case tBinary:
		p.i++
		return binaryLiteral(t)
	case tQuoted:
		if p.peek(1).isOp("(") {
			p.i++
			return p.parseCall(t.pos, strings.ToLower(t.str))
		}
		return p.parseIdent()
	case tOp:
		if t.isOp("(") {
			if p.queryParen[p.i] {
				p.i++
				q := p.parseQuery()
				p.expectOp(")")
				return &ScalarSubquery{At: t.pos, Query: q}
			}
			p.i++
			e := p.parseExpr()
			if p.isOp(",") {
				p.fail(p.tok().pos, "row values (a, b, ...) are not supported")
			}
			p.expectOp(")")
			return e
		}
	case tWord:
		return p.parseWordPrimary(t)
	}
	p.failExpected("an expression")
	return nil
}

func (p *parser) parseWordPrimary(t *token) Expr {
	next := p.peek(1)
	call := next.isOp("(")
	switch t.kw {
	case "NULL":
		p.i++
		return &Literal{At: t.pos, Kind: LitNull, Raw: t.text}
	case "TRUE", "FALSE":
		p.i++
		return &Literal{At: t.pos, Kind: LitBool, Raw: t.text, Value: t.kw == "TRUE"}
	case "CASE":
		return p.parseCase()
	case "CAST", "TRY_CAST":
		if call {
			return p.parseCast()
		}
	case "EXISTS":
		if call && p.queryParen[p.i+1] {
			p.i += 2
			q := p.parseQuery()
			p.expectOp(")")
			return &Exists{At: t.pos, Query: q}
		}
	case "INTERVAL":
		if p.startsInterval() {
			return p.parseInterval()
		}
	case "DATE", "TIMESTAMP", "TIMESTAMP_LTZ":
		if next.kind == tString {
			return p.parseTypedLiteral()
		}
	case "EXTRACT":
		if call {
			return p.parseExtract()
		}
	case "SUBSTRING", "SUBSTR":
		if call {
			return p.parseSubstring()
		}
	case "TRIM":
		if call {
			return p.parseTrim()
		}
	case "POSITION":
		if call {
			return p.parsePosition()
		}
	case "CURRENT_DATE", "CURRENT_TIMESTAMP":
		if !call {
			p.i++
			return &FuncCall{At: t.pos, Name: strings.ToLower(t.kw)}
		}
	}
	if call {
		if reservedWords[t.kw] && t.kw != "LEFT" && t.kw != "RIGHT" {
			p.failExpected("an expression")
		}
		p.i++
		return p.parseCall(t.pos, strings.ToLower(t.text))
	}
	if reservedWords[t.kw] {
		p.failExpected("an expression")
	}
	return p.parseIdent()
}

// parseIdent parses name(.name)*.
func (p *parser) parseIdent() Expr {
	t := p.tok()
	n := 1
	for p.peek(2*n - 1).isOp(".") {
		n++
	}
	id := &Ident{At: t.pos, Parts: make([]string, 0, n), Quoted: make([]bool, 0, n)}
	for {
		name, quoted := p.parseAnyName("a name")
		id.Parts = append(id.Parts, name)
		id.Quoted = append(id.Quoted, quoted)
		if !p.isOp(".") {
			break
		}
		p.i++
	}
	if p.isOp("(") {
		p.fail(t.pos, "qualified function names are not supported")
	}
	return id
}

// parseCall parses the argument list of a function call; the current token
// is '('.
func (p *parser) parseCall(at Pos, name string) Expr {
	p.i++ // (
	fc := &FuncCall{At: at, Name: name}
	switch {
	case p.isOp("*") && p.peek(1).isOp(")"):
		p.i++
		fc.Star = true
	case p.isOp(")"):
	default:
		if p.acceptKw("DISTINCT") {
			fc.Distinct = true
		} else {
			p.acceptKw("ALL")
		}
		for {
			fc.Args = append(fc.Args, p.parseExpr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.expectOp(")")
	return p.finishCall(fc)
}

// finishCall parses what may follow a call: FILTER (WHERE cond), and rejects
// window functions.
func (p *parser) finishCall(fc *FuncCall) Expr {
	if p.isKw("FILTER") && p.peek(1).isOp("(") {
		p.i += 2
		p.expectKw("WHERE")
		fc.Filter = p.parseExpr()
		p.expectOp(")")
	}
	if t := p.tok(); t.isKw("OVER") {
		p.fail(t.pos, "window functions (OVER) are not supported")
	}
	if t := p.tok(); (t.isKw("IGNORE") || t.isKw("RESPECT")) && p.peek(1).isKw("NULLS") {
		p.fail(t.pos, "%s NULLS is not supported", t.kw)
	}
	return fc
}

// parseArgsFrom parses the remaining arguments of a call whose first
// argument has been parsed.
func (p *parser) parseArgsFrom(fc *FuncCall, first Expr) Expr {
	fc.Args = append(fc.Args, first)
	for p.acceptOp(",") {
		fc.Args = append(fc.Args, p.parseExpr())
	}
	p.expectOp(")")
	return p.finishCall(fc)
}

// genericCallFollows reports whether the '(' at the current position is
// followed by something only the ordinary call syntax accepts.
func (p *parser) genericCallFollows() bool {
	t := p.peek(1)
	return t.isOp(")") || t.isOp("*") || t.isKw("DISTINCT") || t.isKw("ALL")
}

func (p *parser) parseSubstring() Expr {
	t := p.tok()
	name := strings.ToLower(t.text)
	p.i++
	if p.genericCallFollows() {
		return p.parseCall(t.pos, name)
	}
	p.i++ // (
	fc := &FuncCall{At: t.pos, Name: name}
	str := p.parseExpr()
	if !p.acceptKw("FROM") {
		return p.parseArgsFrom(fc, str)
	}
	fc.Name = "substring"
	fc.Args = append(fc.Args, str, p.parseExpr())
	if p.acceptKw("FOR") {
		fc.Args = append(fc.Args, p.parseExpr())
	}
	p.expectOp(")")
	return p.finishCall(fc)
}

func (p *parser) parseTrim() Expr {
	t := p.tok()
	p.i++
	if p.genericCallFollows() {
		return p.parseCall(t.pos, "trim")
	}
	p.i++ // (
	fc := &FuncCall{At: t.pos, Name: "trim"}
	special := false
	switch p.tok().kw {
	case "BOTH":
		p.i++
		special = true
	case "LEADING":
		p.i++
		special, fc.Name = true, "ltrim"
	case "TRAILING":
		p.i++
		special, fc.Name = true, "rtrim"
	}
	var trimStr Expr
	if !p.isKw("FROM") {
		trimStr = p.parseExpr()
		if !special && !p.isKw("FROM") {
			return p.parseArgsFrom(fc, trimStr)
		}
	}
	p.expectKw("FROM")
	src := p.parseExpr()
	p.expectOp(")")
	if trimStr != nil {
		fc.Args = []Expr{trimStr, src}
	} else {
		fc.Args = []Expr{src}
	}
	return p.finishCall(fc)
}

func (p *parser) parsePosition() Expr {
	t := p.tok()
	p.i++
	if p.genericCallFollows() || p.peek(1).isKw("NOT") {
		return p.parseCall(t.pos, "position")
	}
	p.i++ // (
	fc := &FuncCall{At: t.pos, Name: "position"}
	first := p.parseBinary(precBitOr)
	if p.isKw("IN") {
		p.i++
		fc.Args = []Expr{first, p.parseExpr()}
		p.expectOp(")")
		return p.finishCall(fc)
	}
	first = p.parseInfix(first, precOr)
	return p.parseArgsFrom(fc, first)
}

func (p *parser) parseExtract() Expr {
	t := p.tok()
	p.i += 2 // EXTRACT (
	ft := p.tok()
	if ft.kind != tWord {
		p.failExpected("a field name (YEAR, MONTH, DAY, ...)")
	}
	p.i++
	p.expectKw("FROM")
	x := p.parseExpr()
	p.expectOp(")")
	return &Extract{At: t.pos, Field: strings.ToUpper(ft.text), Expr: x}
}

func (p *parser) parseCase() Expr {
	c := &Case{At: p.tok().pos}
	p.i++ // CASE
	if !p.isKw("WHEN") {
		c.Operand = p.parseExpr()
	}
	if !p.isKw("WHEN") {
		p.failExpected("WHEN")
	}
	for p.isKw("WHEN") {
		w := When{At: p.tok().pos}
		p.i++
		w.Cond = p.parseExpr()
		p.expectKw("THEN")
		w.Result = p.parseExpr()
		c.Whens = append(c.Whens, w)
	}
	if p.acceptKw("ELSE") {
		c.Else = p.parseExpr()
	}
	p.expectKw("END")
	return c
}

func (p *parser) parseCast() Expr {
	t := p.tok()
	c := &Cast{At: t.pos, Try: t.kw == "TRY_CAST"}
	p.i += 2 // CAST (
	c.Expr = p.parseExpr()
	p.expectKw("AS")
	c.Type = p.parseType()
	p.expectOp(")")
	return c
}

// parseType parses a type name (see TypeName).
func (p *parser) parseType() TypeName {
	t := p.tok()
	if t.kind != tWord {
		p.failExpected("a type name")
	}
	p.i++
	tn := TypeName{At: t.pos}
	switch strings.ToLower(t.text) {
	case "boolean":
		tn.Name = "boolean"
	case "tinyint", "byte":
		tn.Name = "tinyint"
	case "smallint", "short":
		tn.Name = "smallint"
	case "int", "integer":
		tn.Name = "int"
	case "bigint", "long":
		tn.Name = "bigint"
	case "float", "real":
		tn.Name = "float"
	case "double":
		tn.Name = "double"
	case "decimal", "dec", "numeric":
		tn.Name, tn.Precision, tn.Scale = "decimal", 10, 0
		if p.acceptOp("(") {
			tn.Precision = p.parseTypeInt("decimal precision")
			tn.Scale = 0
			if p.acceptOp(",") {
				tn.Scale = p.parseTypeInt("decimal scale")
			}
			p.expectOp(")")
			if tn.Precision < 1 || tn.Precision > 38 {
				p.fail(t.pos, "decimal precision %d out of range [1, 38]", tn.Precision)
			}
			if tn.Scale > tn.Precision {
				p.fail(t.pos, "decimal scale %d is larger than precision %d", tn.Scale, tn.Precision)
			}
		}
	case "string":
		tn.Name = "string"
	case "varchar", "char", "character":
		tn.Name = "string"
		if !p.isOp("(") {
			p.failExpected("'(' and a length after " + strings.ToUpper(t.text))
		}
		p.i++
		tn.Length = p.parseTypeInt("length")
		p.expectOp(")")
		if tn.Length < 1 {
			p.fail(t.pos, "%s length must be positive", strings.ToUpper(t.text))
		}
	case "binary":
		tn.Name = "binary"
	case "date":
		tn.Name = "date"
	case "timestamp", "timestamp_ltz":
		tn.Name = "timestamp"
	case "timestamp_ntz", "interval", "array", "map", "struct", "void", "variant":
		p.fail(t.pos, "type %q is not supported", strings.ToLower(t.text))
	default:
		p.fail(t.pos, "unknown type %q", t.text)
	}
	return tn
}

func (p *parser) parseTypeInt(what string) int {
	t := p.tok()
	if t.kind != tNumber {
		p.failExpected("an integer " + what)
	}
	p.i++
	n := 0
	for k := 0; k < len(t.text); k++ {
		c := t.text[k]
		if !isDigit(c) || n > 1_000_000 {
			p.fail(t.pos, "invalid %s %s", what, t.text)
		}
		n = n*10 + int(c-'0')
	}
	return n
}
