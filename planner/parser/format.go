package parser

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Format renders a statement as canonical SQL text on one line: keywords
// upper-case, identifiers as written (back-quoted when they were, or when
// they need it), parentheses only where precedence requires them, every
// alias with AS, literals in a form that re-parses to the same kind and
// value (1L, 1.5D, 1.50, DATE '2020-01-01', ...). Parsing the result gives a
// tree equal to the input's, except for positions and Literal.Raw.
func Format(s Statement) string {
	if s == nil {
		return ""
	}
	return s.String()
}

type printer struct {
	sb strings.Builder
}

func (w *printer) str(s string) { w.sb.WriteString(s) }

// ---------------------------------------------------------------------------
// Names

// isSimpleName reports whether s lexes as one unquoted word that is not a
// keyword.
func isSimpleName(s string) bool {
	if s == "" || lookupKeyword(s) != "" {
		return false
	}
	for k, r := range s {
		if r == '_' || r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') ||
			r >= utf8.RuneSelf && unicode.IsLetter(r) {
			continue
		}
		if k > 0 && (r < utf8.RuneSelf && '0' <= r && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r)) {
			continue
		}
		return false
	}
	return true
}

// quoteName back-quotes a name unless it is a simple name.
func quoteName(s string) string {
	if isSimpleName(s) {
		return s
	}
	return backQuote(s)
}

func backQuote(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

func (w *printer) names(names []string) {
	w.str("(")
	for k, n := range names {
		if k > 0 {
			w.str(", ")
		}
		w.str(quoteName(n))
	}
	w.str(")")
}

func (w *printer) alias(alias string, cols []string) {
	if alias == "" {
		return
	}
	w.str(" AS ")
	w.str(quoteName(alias))
	if len(cols) > 0 {
		w.names(cols)
	}
}

// ---------------------------------------------------------------------------
// Statements and queries

func (w *printer) query(q *Query) {
	if q == nil {
		return
	}
	if len(q.With) > 0 {
		w.str("WITH ")
		for k := range q.With {
			if k > 0 {
				w.str(", ")
			}
			w.cte(&q.With[k])
		}
		w.str(" ")
	}
	w.setExpr(q.Body, 0)
	if len(q.OrderBy) > 0 {
		w.str(" ORDER BY ")
		for k := range q.OrderBy {
			if k > 0 {
				w.str(", ")
			}
			w.orderItem(&q.OrderBy[k])
		}
	}
	if q.Limit != nil {
		w.str(" LIMIT ")
		w.expr(q.Limit, 0)
	}
	if q.Offset != nil {
		w.str(" OFFSET ")
		w.expr(q.Offset, 0)
	}
}

func (w *printer) cte(c *CTE) {
	w.str(quoteName(c.Name))
	if len(c.Columns) > 0 {
		w.names(c.Columns)
	}
	w.str(" AS (")
	w.query(c.Query)
	w.str(")")
}

func (w *printer) orderItem(o *OrderItem) {
	w.expr(o.Expr, 0)
	if o.Desc {
		w.str(" DESC")
	}
	if o.NullsFirst != nil {
		if *o.NullsFirst {
			w.str(" NULLS FIRST")
		} else {
			w.str(" NULLS LAST")
		}
	}
}

func setPrec(s SetExpr) int {
	if op, ok := s.(*SetOp); ok {
		if op.Op == SetIntersect {
			return 2
		}
		return 1
	}
	return 3
}

func (w *printer) setExpr(s SetExpr, minPrec int) {
	if setPrec(s) < minPrec {
		w.str("(")
		defer w.str(")")
	}
	switch s := s.(type) {
	case *Select:
		w.selectBlock(s)
	case *SetOp:
		prec := setPrec(s)
		w.setExpr(s.Left, prec)
		w.str(" ")
		w.str(s.Op.String())
		if s.All {
			w.str(" ALL")
		}
		w.str(" ")
		w.setExpr(s.Right, prec+1)
	case *ParenQuery:
		w.str("(")
		w.query(s.Query)
		w.str(")")
	case *Values:
		w.values(s)
	case nil:
		w.str("<nil>")
	}
}

func (w *printer) selectBlock(s *Select) {
	w.str("SELECT ")
	if s.Distinct {
		w.str("DISTINCT ")
	}
	for k := range s.Items {
		if k > 0 {
			w.str(", ")
		}
		w.selectItem(&s.Items[k])
	}
	if len(s.From) > 0 {
		w.str(" FROM ")
		for k, t := range s.From {
			if k > 0 {
				w.str(", ")
			}
			w.tableExpr(t, false)
		}
	}
	if s.Where != nil {
		w.str(" WHERE ")
		w.expr(s.Where, 0)
	}
	if len(s.GroupBy) > 0 {
		w.str(" GROUP BY ")
		w.exprList(s.GroupBy)
	}
	if s.Having != nil {
		w.str(" HAVING ")
		w.expr(s.Having, 0)
	}
}

func (w *printer) selectItem(it *SelectItem) {
	if it.Star {
		for _, q := range it.Qualifier {
			w.str(quoteName(q))
			w.str(".")
		}
		w.str("*")
		return
	}
	w.expr(it.Expr, 0)
	w.alias(it.Alias, nil)
}

func (w *printer) values(v *Values) {
	w.str("VALUES ")
	for k, row := range v.Rows {
		if k > 0 {
			w.str(", ")
		}
		if _, ok := row[0].(*ScalarSubquery); ok && len(row) == 1 {
			// ((SELECT ...)) would read as a parenthesized query.
			w.expr(row[0], 0)
			continue
		}
		w.str("(")
		w.exprList(row)
		w.str(")")
	}
	w.alias(v.Alias, v.Columns)
}

// tableExpr renders a FROM item; a join on the right of a join is
// parenthesized.
func (w *printer) tableExpr(t TableExpr, right bool) {
	switch t := t.(type) {
	case *TableName:
		for k, part := range t.Parts {
			if k > 0 {
				w.str(".")
			}
			w.str(quoteName(part))
		}
		w.alias(t.Alias, t.Columns)
	case *SubqueryTable:
		w.str("(")
		w.query(t.Query)
		w.str(")")
		w.alias(t.Alias, t.Columns)
	case *Values:
		w.values(t)
	case *Join:
		if right {
			w.str("(")
			defer w.str(")")
		}
		w.tableExpr(t.Left, false)
		w.str(" ")
		w.str(t.Type.String())
		w.str(" ")
		w.tableExpr(t.Right, true)
		if t.On != nil {
			w.str(" ON ")
			w.expr(t.On, 0)
		} else if len(t.Using) > 0 {
			w.str(" USING ")
			w.names(t.Using)
		}
	case nil:
		w.str("<nil>")
	}
}

// ---------------------------------------------------------------------------
// Expressions

func binaryPrec(op BinaryOp) int {
	switch op {
	case OpOr:
		return precOr
	case OpAnd:
		return precAnd
	case OpEq, OpNullSafeEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return precCmp
	case OpBitOr:
		return precBitOr
	case OpBitXor:
		return precBitXor
	case OpBitAnd:
		return precBitAnd
	case OpAdd, OpSub, OpConcat:
		return precAdd
	case OpMul, OpDiv, OpMod, OpIntDiv:
		return precMul
	}
	return precPrimary
}

// isDistinctFrom reports whether e is NOT (a <=> b), rendered as
// a IS DISTINCT FROM b.
func isDistinctFrom(e *Unary) (*Binary, bool) {
	if e.Op != OpNot {
		return nil, false
	}
	b, ok := e.X.(*Binary)
	return b, ok && b.Op == OpNullSafeEq
}

// exprPrec is the precedence of e's rendering: it needs parentheses where an
// operand of higher precedence is expected.
func exprPrec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		return binaryPrec(e.Op)
	case *Unary:
		if e.Op == OpNot {
			if _, ok := isDistinctFrom(e); ok {
				return precCmp
			}
			return precNot
		}
		return precUnary
	case *IsNull, *IsBool, *InList, *InSubquery, *Between, *Like:
		return precCmp
	case *Exists:
		if e.Not {
			return precNot
		}
	}
	return precPrimary
}

func (w *printer) exprList(list []Expr) {
	for k, e := range list {
		if k > 0 {
			w.str(", ")
		}
		w.expr(e, 0)
	}
}

// expr renders e, parenthesized if its precedence is below minPrec.
func (w *printer) expr(e Expr, minPrec int) {
	if e == nil {
		w.str("<nil>")
		return
	}
	if exprPrec(e) < minPrec {
		w.str("(")
		defer w.str(")")
	}
	switch e := e.(type) {
	case *Ident:
		for k, part := range e.Parts {
			if k > 0 {
				w.str(".")
			}
			quoted := !isWord(part)
			if k < len(e.Quoted) {
				quoted = quoted || e.Quoted[k]
			} else if !isSimpleName(part) {
				quoted = true
			}
			if quoted {
				w.str(backQuote(part))
			} else {
				w.str(part)
			}
		}
	case *Literal:
		w.literal(e)
	case *Interval:
		w.interval(e)
	case *Unary:
		w.unary(e)
	case *Binary:
		prec := binaryPrec(e.Op)
		w.expr(e.Left, prec)
		w.str(" ")
		w.str(e.Op.String())
		w.str(" ")
		w.expr(e.Right, prec+1)
	case *IsNull:
		w.expr(e.Expr, precCmp)
		if e.Not {
			w.str(" IS NOT NULL")
		} else {
			w.str(" IS NULL")
		}
	case *IsBool:
		w.expr(e.Expr, precCmp)
		w.str(" IS ")
		if e.Not {
			w.str("NOT ")
		}
		if e.Value {
			w.str("TRUE")
		} else {
			w.str("FALSE")
		}
	case *InList:
		w.expr(e.Expr, precCmp)
		w.not(e.Not)
		w.str(" IN (")
		w.exprList(e.List)
		w.str(")")
	case *InSubquery:
		w.expr(e.Expr, precCmp)
		w.not(e.Not)
		w.str(" IN (")
		w.query(e.Query)
		w.str(")")
	case *Exists:
		if e.Not {
			w.str("NOT ")
		}
		w.str("EXISTS (")
		w.query(e.Query)
		w.str(")")
	case *ScalarSubquery:
		w.str("(")
		w.query(e.Query)
		w.str(")")
	case *Between:
		w.expr(e.Expr, precCmp)
		w.not(e.Not)
		w.str(" BETWEEN ")
		w.expr(e.Low, precBitOr)
		w.str(" AND ")
		w.expr(e.High, precBitOr)
	case *Like:
		w.expr(e.Expr, precCmp)
		w.not(e.Not)
		w.str(" ")
		w.str(e.Kind.String())
		w.str(" ")
		w.expr(e.Pattern, precBitOr)
		if e.Escape != nil {
			w.str(" ESCAPE ")
			w.expr(e.Escape, precPrimary)
		}
	case *Case:
		w.str("CASE")
		if e.Operand != nil {
			w.str(" ")
			w.expr(e.Operand, 0)
		}
		for _, wh := range e.Whens {
			w.str(" WHEN ")
			w.expr(wh.Cond, 0)
			w.str(" THEN ")
			w.expr(wh.Result, 0)
		}
		if e.Else != nil {
			w.str(" ELSE ")
			w.expr(e.Else, 0)
		}
		w.str(" END")
	case *Cast:
		if e.Try {
			w.str("TRY_CAST(")
		} else {
			w.str("CAST(")
		}
		w.expr(e.Expr, 0)
		w.str(" AS ")
		w.str(e.Type.String())
		w.str(")")
	case *FuncCall:
		w.funcCall(e)
	case *Extract:
		w.str("EXTRACT(")
		w.str(e.Field)
		w.str(" FROM ")
		w.expr(e.Expr, 0)
		w.str(")")
	default:
		w.str(fmt.Sprintf("<unknown %T>", e))
	}
}

// isWord reports whether s lexes as one unquoted word (keywords included).
func isWord(s string) bool {
	if s == "" {
		return false
	}
	l := lexer{src: s, curLine: 1, curCol: 1}
	if ok, _ := l.identRuneAt(0); !ok {
		return false
	}
	if isDigit(s[0]) {
		toks, err := tokenize(s, nil)
		return err == nil && len(toks) == 2 && toks[0].kind == tWord && toks[0].text == s
	}
	l.scanIdent()
	return l.off == len(s)
}

func (w *printer) not(not bool) {
	if not {
		w.str(" NOT")
	}
}

func (w *printer) unary(e *Unary) {
	if b, ok := isDistinctFrom(e); ok {
		w.expr(b.Left, precCmp)
		w.str(" IS DISTINCT FROM ")
		w.expr(b.Right, precCmp+1)
		return
	}
	switch e.Op {
	case OpNot:
		w.str("NOT ")
		w.expr(e.X, precNot)
		return
	case OpNeg:
		w.str("-")
		// -(1) is not the literal -1; and "--" would start a comment.
		if lit, ok := e.X.(*Literal); ok && isNumericKind(lit.Kind) && !strings.HasPrefix(w.literalText(lit), "-") {
			w.str("(")
			w.literal(lit)
			w.str(")")
			return
		}
		if startsWithMinus(e.X) {
			w.str(" ")
		}
	case OpPlus:
		w.str("+")
	case OpBitNot:
		w.str("~")
	default:
		w.str("?")
	}
	w.expr(e.X, precUnary)
}

// startsWithMinus reports whether e's rendering starts with '-'.
func startsWithMinus(e Expr) bool {
	switch e := e.(type) {
	case *Unary:
		return e.Op == OpNeg
	case *Literal:
		return isNumericKind(e.Kind) && strings.HasPrefix((&printer{}).literalText(e), "-")
	}
	return false
}

func isNumericKind(k LitKind) bool {
	switch k {
	case LitTinyInt, LitSmallInt, LitInt, LitBigInt, LitFloat, LitDouble, LitDecimal:
		return true
	}
	return false
}

func (w *printer) funcCall(f *FuncCall) {
	if (isSimpleName(f.Name) || isFuncKeyword(f.Name)) && !specialSyntaxMisparses(f) {
		w.str(f.Name)
	} else {
		w.str(backQuote(f.Name))
	}
	w.str("(")
	switch {
	case f.Star:
		w.str("*")
	default:
		if f.Distinct {
			w.str("DISTINCT ")
		}
		w.exprList(f.Args)
	}
	w.str(")")
	if f.Filter != nil {
		w.str(" FILTER (WHERE ")
		w.expr(f.Filter, 0)
		w.str(")")
	}
}

// specialSyntaxMisparses reports whether an ordinary call of a function
// named like a special syntax (EXISTS (query), TRIM(BOTH ...), POSITION(a IN
// b)) would, written unquoted, be read as that syntax.
func specialSyntaxMisparses(f *FuncCall) bool {
	if len(f.Args) == 0 || f.Distinct || f.Star {
		return false
	}
	switch f.Name {
	case "exists":
		// exists((SELECT 1)) reads as EXISTS (SELECT 1).
		_, ok := f.Args[0].(*ScalarSubquery)
		return ok && len(f.Args) == 1
	case "trim":
		// trim(both) reads as TRIM(BOTH ...).
		first := render(func(w *printer) { w.expr(f.Args[0], 0) })
		k := 0
		for k < len(first) && isASCIIIdentChar(first[k]) {
			k++
		}
		switch lookupKeyword(first[:k]) {
		case "BOTH", "LEADING", "TRAILING":
			return true
		}
	case "position":
		// position(a IN (b)) reads as POSITION(a IN b).
		return leftSpineHasIn(f.Args[0])
	}
	return false
}

// leftSpineHasIn reports whether e's rendering starts with "x IN" where x is
// an operand at | level or tighter: the first operator after the leftmost
// operand belongs to the deepest node of the left spine.
func leftSpineHasIn(e Expr) bool {
	for {
		var left Expr
		minPrec := precCmp
		switch n := e.(type) {
		case *InList:
			left = n.Expr
		case *InSubquery:
			left = n.Expr
		case *Binary:
			if binaryPrec(n.Op) >= precBitOr {
				return false
			}
			left, minPrec = n.Left, binaryPrec(n.Op)
		case *IsNull:
			left = n.Expr
		case *IsBool:
			left = n.Expr
		case *Between:
			left = n.Expr
		case *Like:
			left = n.Expr
		case *Unary:
			b, ok := isDistinctFrom(n)
			if !ok {
				return false
			}
			left = b.Left
		default:
			return false
		}
		if exprPrec(left) < minPrec || exprPrec(left) >= precBitOr {
			// left is parenthesized or is the leftmost operand itself.
			switch n := e.(type) {
			case *InList:
				return !n.Not
			case *InSubquery:
				return !n.Not
			}
			return false
		}
		e = left
	}
}

// isFuncKeyword reports whether a keyword can be written unquoted as a
// function name followed by '(' and parse as an ordinary call.
func isFuncKeyword(name string) bool {
	kw := lookupKeyword(name)
	if kw == "" || !isWord(name) {
		return false
	}
	if kw == "LEFT" || kw == "RIGHT" {
		return true
	}
	return !reservedWords[kw] && !specialFuncWords[kw]
}

// ---------------------------------------------------------------------------
// Literals

func (w *printer) literal(l *Literal) { w.str(w.literalText(l)) }

// literalText renders a literal from its kind and value.
func (w *printer) literalText(l *Literal) string {
	switch l.Kind {
	case LitNull:
		return "NULL"
	case LitBool:
		if v, _ := l.Value.(bool); v {
			return "TRUE"
		}
		return "FALSE"
	case LitTinyInt:
		return intText(l.Value) + "Y"
	case LitSmallInt:
		return intText(l.Value) + "S"
	case LitInt:
		return intText(l.Value)
	case LitBigInt:
		return intText(l.Value) + "L"
	case LitFloat:
		v, _ := l.Value.(float64)
		return floatText(v, 32) + "F"
	case LitDouble:
		v, _ := l.Value.(float64)
		return floatText(v, 64) + "D"
	case LitDecimal:
		v, _ := l.Value.(decimal128.Num)
		scale := l.Scale
		if scale < 0 || scale > maxDecimalPrecision {
			scale = 0
		}
		s := v.ToString(int32(scale))
		if scale == 0 {
			s += "BD"
		}
		return s
	case LitString:
		v, _ := l.Value.(string)
		return quoteString(v)
	case LitBinary:
		v, _ := l.Value.([]byte)
		return "X'" + strings.ToUpper(hex.EncodeToString(v)) + "'"
	case LitDate:
		v, _ := l.Value.(arrow.Date32)
		return "DATE '" + dateText(int64(v)) + "'"
	case LitTimestamp:
		v, _ := l.Value.(arrow.Timestamp)
		return "TIMESTAMP '" + timestampText(int64(v)) + "'"
	}
	return "?"
}

func intText(v any) string {
	switch v := v.(type) {
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case int8:
		return strconv.FormatInt(int64(v), 10)
	case int16:
		return strconv.FormatInt(int64(v), 10)
	case int:
		return strconv.FormatInt(int64(v), 10)
	}
	return "0"
}

func floatText(v float64, bits int) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		// Not produced by the parser; render something that fails loudly.
		return fmt.Sprint(v)
	}
	s := strconv.FormatFloat(v, 'g', -1, bits)
	// 1e+10 -> 1E10, 1e-05 -> 1E-05: both re-lex as one number token.
	s = strings.Replace(s, "e+", "E", 1)
	return strings.Replace(s, "e-", "E-", 1)
}

// quoteString renders s as a single-quoted literal with Spark escapes.
// Control characters are written as \u00XX so that no escape can merge with
// following digits.
func quoteString(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) + 2)
	sb.WriteByte('\'')
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c == '\'':
			sb.WriteString(`\'`)
		case c == '\\':
			sb.WriteString(`\\`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c == 0x7F:
			fmt.Fprintf(&sb, `\u%04X`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('\'')
	return sb.String()
}

func dateText(days int64) string {
	y, m, d := civilFromDays(days)
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

func timestampText(micros int64) string {
	days := micros / 86_400_000_000
	rem := micros % 86_400_000_000
	if rem < 0 {
		rem += 86_400_000_000
		days--
	}
	secs := rem / 1_000_000
	frac := rem % 1_000_000
	s := fmt.Sprintf("%s %02d:%02d:%02d", dateText(days), secs/3600, secs/60%60, secs%60)
	if frac != 0 {
		f := fmt.Sprintf("%06d", frac)
		s += "." + strings.TrimRight(f, "0")
	}
	return s
}

func (w *printer) interval(iv *Interval) {
	w.str("INTERVAL")
	for _, p := range iv.Parts {
		w.str(" ")
		w.str(quoteString(p.Value))
		w.str(" ")
		w.str(unitName(p.Unit))
		if p.To != UnitNone {
			w.str(" TO ")
			w.str(unitName(p.To))
		}
	}
}

// ---------------------------------------------------------------------------
// String methods

func render(f func(w *printer)) string {
	var w printer
	f(&w)
	return w.sb.String()
}

// String renders the statement as SQL.
func (n *Explain) String() string {
	return render(func(w *printer) {
		w.str("EXPLAIN ")
		if n.Mode != ExplainSimple {
			w.str(n.Mode.String())
			w.str(" ")
		}
		if n.Stmt != nil {
			w.str(n.Stmt.String())
		}
	})
}

// String renders the query as SQL.
func (n *Query) String() string { return render(func(w *printer) { w.query(n) }) }

// String renders the CTE as SQL: name [(cols)] AS (query).
func (n CTE) String() string { return render(func(w *printer) { w.cte(&n) }) }

// String renders the item as SQL.
func (n OrderItem) String() string { return render(func(w *printer) { w.orderItem(&n) }) }

// String renders the set operation as SQL.
func (n *SetOp) String() string { return render(func(w *printer) { w.setExpr(n, 0) }) }

// String renders the parenthesized query as SQL.
func (n *ParenQuery) String() string { return render(func(w *printer) { w.setExpr(n, 0) }) }

// String renders the SELECT block as SQL.
func (n *Select) String() string { return render(func(w *printer) { w.selectBlock(n) }) }

// String renders the select item as SQL.
func (n SelectItem) String() string { return render(func(w *printer) { w.selectItem(&n) }) }

// String renders the VALUES list as SQL.
func (n *Values) String() string { return render(func(w *printer) { w.values(n) }) }

// String renders the table reference as SQL.
func (n *TableName) String() string { return render(func(w *printer) { w.tableExpr(n, false) }) }

// String renders the derived table as SQL.
func (n *SubqueryTable) String() string { return render(func(w *printer) { w.tableExpr(n, false) }) }

// String renders the join as SQL.
func (n *Join) String() string { return render(func(w *printer) { w.tableExpr(n, false) }) }

// String renders the identifier as SQL.
func (n *Ident) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the literal as SQL (canonical, not Raw).
func (n *Literal) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the interval literal as SQL.
func (n *Interval) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *Unary) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *Binary) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *IsNull) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *IsBool) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *InList) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *InSubquery) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *Exists) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *ScalarSubquery) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *Between) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *Like) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the WHEN arm as SQL: WHEN cond THEN result.
func (n When) String() string {
	return render(func(w *printer) {
		w.str("WHEN ")
		w.expr(n.Cond, 0)
		w.str(" THEN ")
		w.expr(n.Result, 0)
	})
}

// String renders the expression as SQL.
func (n *Case) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the type as SQL: INT, DECIMAL(10,2), VARCHAR(5), ...
func (n TypeName) String() string {
	switch n.Name {
	case "decimal":
		return fmt.Sprintf("DECIMAL(%d,%d)", n.Precision, n.Scale)
	case "string":
		if n.Length > 0 {
			return fmt.Sprintf("VARCHAR(%d)", n.Length)
		}
	}
	return strings.ToUpper(n.Name)
}

// String renders the expression as SQL.
func (n *Cast) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the call as SQL.
func (n *FuncCall) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String renders the expression as SQL.
func (n *Extract) String() string { return render(func(w *printer) { w.expr(n, 0) }) }

// String returns the SQL spelling of the mode (EXTENDED, ...; "" for simple).
func (m ExplainMode) String() string {
	switch m {
	case ExplainSimple:
		return ""
	case ExplainExtended:
		return "EXTENDED"
	case ExplainFormatted:
		return "FORMATTED"
	case ExplainAnalyze:
		return "ANALYZE"
	case ExplainCost:
		return "COST"
	case ExplainCodegen:
		return "CODEGEN"
	}
	return "?"
}

// String returns the SQL keyword of the set operation.
func (k SetOpKind) String() string {
	switch k {
	case SetUnion:
		return "UNION"
	case SetIntersect:
		return "INTERSECT"
	case SetExcept:
		return "EXCEPT"
	}
	return "?"
}

// String returns the SQL keywords of the join type, e.g. "LEFT SEMI JOIN".
func (t JoinType) String() string {
	switch t {
	case JoinInner:
		return "JOIN"
	case JoinLeft:
		return "LEFT JOIN"
	case JoinRight:
		return "RIGHT JOIN"
	case JoinFull:
		return "FULL JOIN"
	case JoinCross:
		return "CROSS JOIN"
	case JoinLeftSemi:
		return "LEFT SEMI JOIN"
	case JoinLeftAnti:
		return "LEFT ANTI JOIN"
	}
	return "?"
}

// String returns the SQL operator.
func (op UnaryOp) String() string {
	switch op {
	case OpNeg:
		return "-"
	case OpPlus:
		return "+"
	case OpNot:
		return "NOT"
	case OpBitNot:
		return "~"
	}
	return "?"
}

// String returns the SQL operator (= for OpEq, <> for OpNe, DIV, ...).
func (op BinaryOp) String() string {
	switch op {
	case OpAdd:
		return "+"
	case OpSub:
		return "-"
	case OpMul:
		return "*"
	case OpDiv:
		return "/"
	case OpMod:
		return "%"
	case OpIntDiv:
		return "DIV"
	case OpConcat:
		return "||"
	case OpEq:
		return "="
	case OpNullSafeEq:
		return "<=>"
	case OpNe:
		return "<>"
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	case OpAnd:
		return "AND"
	case OpOr:
		return "OR"
	case OpBitAnd:
		return "&"
	case OpBitOr:
		return "|"
	case OpBitXor:
		return "^"
	}
	return "?"
}

// String returns LIKE, ILIKE or RLIKE.
func (k LikeKind) String() string {
	switch k {
	case PatternLike:
		return "LIKE"
	case PatternILike:
		return "ILIKE"
	case PatternRLike:
		return "RLIKE"
	}
	return "?"
}

// String returns the name of the kind (NULL, INT, DECIMAL, ...).
func (k LitKind) String() string {
	switch k {
	case LitNull:
		return "NULL"
	case LitBool:
		return "BOOLEAN"
	case LitTinyInt:
		return "TINYINT"
	case LitSmallInt:
		return "SMALLINT"
	case LitInt:
		return "INT"
	case LitBigInt:
		return "BIGINT"
	case LitFloat:
		return "FLOAT"
	case LitDouble:
		return "DOUBLE"
	case LitDecimal:
		return "DECIMAL"
	case LitString:
		return "STRING"
	case LitBinary:
		return "BINARY"
	case LitDate:
		return "DATE"
	case LitTimestamp:
		return "TIMESTAMP"
	}
	return "?"
}

// String returns the unit's keyword (YEAR, DAY, ...).
func (u IntervalUnit) String() string { return unitName(u) }
