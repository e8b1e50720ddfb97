package analyzer

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/planner/logical"
	"github.com/gluten-go/gluten-go/planner/parser"
)

// expr binds an expression over scope s. ag is the aggregation being built
// (aggregate calls allowed) or nil (aggregate calls are an error).
func (a *analyzer) expr(e parser.Expr, s *scope, ag *aggState) (logical.Expr, error) {
	switch x := e.(type) {
	case *parser.Ident:
		c, err := a.resolve(s, x)
		if err != nil {
			// A correlated subquery reads its enclosing query's columns.
			if oc := a.resolveOuter(x); oc != nil {
				return &logical.OuterRef{Col: oc}, nil
			}
			return nil, err
		}
		return logical.Ref(c), nil
	case *parser.Literal:
		return literal(x)
	case *parser.Interval:
		return nil, errAt(x.At, "an INTERVAL value can only be added to or subtracted from a date")
	case *parser.Unary:
		return a.unary(x, s, ag)
	case *parser.Binary:
		return a.binary(x, s, ag)
	case *parser.IsNull:
		arg, err := a.expr(x.Expr, s, ag)
		if err != nil {
			return nil, err
		}
		op := logical.OpIsNull
		if x.Not {
			op = logical.OpIsNotNull
		}
		return &logical.Call{Op: op, Args: []logical.Expr{arg}, Typ: columnar.Boolean, NonNull: true}, nil
	case *parser.IsBool:
		arg, err := a.expr(x.Expr, s, ag)
		if err != nil {
			return nil, err
		}
		if arg, err = castTo(arg, columnar.Boolean, x.At); err != nil {
			return nil, err
		}
		var r logical.Expr = &logical.Call{Op: logical.OpEqNullSafe, Args: []logical.Expr{arg, logical.Lit(x.Value, columnar.Boolean)}, Typ: columnar.Boolean, NonNull: true}
		if x.Not {
			r = not(r)
		}
		return r, nil
	case *parser.InList:
		return a.inList(x, s, ag)
	case *parser.Between:
		v, err := a.expr(x.Expr, s, ag)
		if err != nil {
			return nil, err
		}
		lo, err := a.expr(x.Low, s, ag)
		if err != nil {
			return nil, err
		}
		hi, err := a.expr(x.High, s, ag)
		if err != nil {
			return nil, err
		}
		ge, err := a.compare(logical.OpGtEq, v, lo, x.At)
		if err != nil {
			return nil, err
		}
		le, err := a.compare(logical.OpLtEq, v, hi, x.At)
		if err != nil {
			return nil, err
		}
		r := and(ge, le)
		if x.Not {
			r = not(r)
		}
		return r, nil
	case *parser.Like:
		return a.like(x, s, ag)
	case *parser.Case:
		return a.caseExpr(x, s, ag)
	case *parser.Cast:
		arg, err := a.expr(x.Expr, s, ag)
		if err != nil {
			return nil, err
		}
		t, err := typeOf(x.Type)
		if err != nil {
			return nil, err
		}
		if x.Try {
			return nil, unsupported(x.At, "TRY_CAST")
		}
		// TINYINT, SMALLINT and FLOAT values are held as INT and DOUBLE;
		// the cast narrows the value as Spark's does.
		switch x.Type.Name {
		case "tinyint", "smallint":
			wide, err := explicitCast(arg, columnar.Int64, x.At)
			if err != nil {
				return nil, err
			}
			return a.call(x.Type.Name, []logical.Expr{wide}, x.At)
		case "float":
			wide, err := explicitCast(arg, columnar.Float64, x.At)
			if err != nil {
				return nil, err
			}
			return a.call("float", []logical.Expr{wide}, x.At)
		}
		return explicitCast(arg, t, x.At)
	case *parser.FuncCall:
		if a.isAggregate(x.Name) {
			if ag == nil {
				return nil, errAt(x.At, "aggregate function %s is not allowed here", x.Name)
			}
			if kind, ok := aggFuncs[x.Name]; ok {
				return a.bindAggCall(x, kind, s, ag)
			}
			return a.bindOtherAgg(x, s, ag)
		}
		return a.function(x, s, ag)
	case *parser.Extract:
		arg, err := a.expr(x.Expr, s, ag)
		if err != nil {
			return nil, err
		}
		fn, ok := extractFields[x.Field]
		if !ok {
			return nil, errAt(x.At, "EXTRACT field %s is not supported (supported: YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFWEEK, DOY, HOUR, MINUTE, SECOND)", x.Field)
		}
		return a.call(fn, []logical.Expr{arg}, x.At)
	case *parser.InSubquery:
		return nil, unsupported(x.At, "IN (subquery) outside a conjunct of WHERE")
	case *parser.Exists:
		return nil, unsupported(x.At, "EXISTS (subquery) outside a conjunct of WHERE")
	case *parser.ScalarSubquery:
		return a.scalarSubquery(x, s)
	}
	return nil, errAt(e.Pos(), "unsupported expression %s", e)
}

var extractFields = map[string]string{
	"YEAR": "year", "YEARS": "year", "YYYY": "year", "QUARTER": "quarter", "QTR": "quarter",
	"MONTH": "month", "MONTHS": "month", "MON": "month", "WEEK": "weekofyear", "WEEKS": "weekofyear",
	"DAY": "day", "DAYS": "day", "D": "day", "DAYOFMONTH": "day", "DAYOFWEEK": "dayofweek", "DOW": "dayofweek",
	"DOY": "dayofyear", "DAYOFYEAR": "dayofyear", "HOUR": "hour", "HOURS": "hour", "MINUTE": "minute",
	"MINUTES": "minute", "SECOND": "second", "SECONDS": "second",
}

func literal(x *parser.Literal) (logical.Expr, error) {
	switch x.Kind {
	case parser.LitNull:
		return logical.Lit(nil, columnar.Null), nil
	case parser.LitBool:
		return logical.Lit(x.Value, columnar.Boolean), nil
	case parser.LitTinyInt, parser.LitSmallInt, parser.LitInt:
		return logical.Lit(x.Value, columnar.Int32), nil
	case parser.LitBigInt:
		return logical.Lit(x.Value, columnar.Int64), nil
	case parser.LitFloat, parser.LitDouble:
		return logical.Lit(x.Value, columnar.Float64), nil
	case parser.LitDecimal:
		if err := columnar.ValidDecimal(int32(x.Precision), int32(x.Scale)); err != nil {
			return nil, errAt(x.At, "decimal literal %s: %v", x.Raw, err)
		}
		return logical.Lit(x.Value, columnar.Decimal(int32(x.Precision), int32(x.Scale))), nil
	case parser.LitString:
		return logical.Lit(x.Value, columnar.String), nil
	case parser.LitBinary:
		return logical.Lit(x.Value, columnar.Binary), nil
	case parser.LitDate:
		return logical.Lit(x.Value, columnar.Date), nil
	case parser.LitTimestamp:
		return logical.Lit(x.Value, columnar.Timestamp), nil
	}
	return nil, errAt(x.At, "unsupported literal %s", x.Raw)
}

func typeOf(t parser.TypeName) (arrow.DataType, error) {
	switch t.Name {
	case "boolean":
		return columnar.Boolean, nil
	case "tinyint", "smallint", "int":
		return columnar.Int32, nil
	case "bigint":
		return columnar.Int64, nil
	case "float", "double":
		return columnar.Float64, nil
	case "decimal":
		if err := columnar.ValidDecimal(int32(t.Precision), int32(t.Scale)); err != nil {
			return nil, errAt(t.At, "%v", err)
		}
		return columnar.Decimal(int32(t.Precision), int32(t.Scale)), nil
	case "string":
		return columnar.String, nil
	case "binary":
		return columnar.Binary, nil
	case "date":
		return columnar.Date, nil
	case "timestamp":
		return columnar.Timestamp, nil
	}
	return nil, errAt(t.At, "unsupported type %s", t.Name)
}

func not(e logical.Expr) logical.Expr {
	return &logical.Call{Op: logical.OpNot, Args: []logical.Expr{e}, Typ: columnar.Boolean}
}

func and(l, r logical.Expr) logical.Expr {
	return &logical.Call{Op: logical.OpAnd, Args: []logical.Expr{l, r}, Typ: columnar.Boolean}
}

func or(l, r logical.Expr) logical.Expr {
	return &logical.Call{Op: logical.OpOr, Args: []logical.Expr{l, r}, Typ: columnar.Boolean}
}

// castTo converts e to t with a cast the analyzer inserts itself (an
// implicit cast), or fails when there is none.
func castTo(e logical.Expr, t arrow.DataType, at parser.Pos) (logical.Expr, error) {
	return convert(e, t, at, expr.ImplicitCast)
}

// explicitCast converts e to t for a CAST written in the query.
func explicitCast(e logical.Expr, t arrow.DataType, at parser.Pos) (logical.Expr, error) {
	return convert(e, t, at, expr.CanCast)
}

func convert(e logical.Expr, t arrow.DataType, at parser.Pos, allowed func(from, to arrow.DataType) bool) (logical.Expr, error) {
	if arrow.TypeEqual(e.Type(), t) {
		return e, nil
	}
	if lit, ok := e.(*logical.Literal); ok && lit.Value == nil {
		return logical.Lit(nil, t), nil
	}
	if e.Type().ID() == arrow.NULL {
		return &logical.Cast{Arg: e, To: t}, nil
	}
	if !allowed(e.Type(), t) {
		return nil, errAt(at, "cannot cast %s from %s to %s", e.SQL(), columnar.TypeName(e.Type()), columnar.TypeName(t))
	}
	return &logical.Cast{Arg: e, To: t}, nil
}

func (a *analyzer) unary(x *parser.Unary, s *scope, ag *aggState) (logical.Expr, error) {
	arg, err := a.expr(x.X, s, ag)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case parser.OpPlus:
		if !columnar.IsNumeric(arg.Type()) && arg.Type().ID() != arrow.NULL {
			return nil, errAt(x.At, "unary + needs a number, got %s", columnar.TypeName(arg.Type()))
		}
		return arg, nil
	case parser.OpNeg:
		t := arg.Type()
		switch {
		case t.ID() == arrow.NULL:
			return logical.Lit(nil, columnar.Float64), nil
		case t.ID() == arrow.STRING:
			if arg, err = castTo(arg, columnar.Float64, x.At); err != nil {
				return nil, err
			}
		case !columnar.IsNumeric(t):
			return nil, errAt(x.At, "cannot negate %s of type %s", x.X, columnar.TypeName(t))
		}
		return &logical.Call{Op: logical.OpNeg, Args: []logical.Expr{arg}, Typ: arg.Type()}, nil
	case parser.OpNot:
		if arg, err = castTo(arg, columnar.Boolean, x.At); err != nil {
			return nil, err
		}
		if arg.Type().ID() != arrow.BOOL {
			return nil, errAt(x.At, "NOT needs a boolean, got %s", columnar.TypeName(arg.Type()))
		}
		return not(arg), nil
	}
	return nil, unsupported(x.At, "the bitwise NOT operator ~")
}

var cmpOps = map[parser.BinaryOp]logical.Op{
	parser.OpEq: logical.OpEq, parser.OpNe: logical.OpNotEq, parser.OpLt: logical.OpLt,
	parser.OpLe: logical.OpLtEq, parser.OpGt: logical.OpGt, parser.OpGe: logical.OpGtEq,
	parser.OpNullSafeEq: logical.OpEqNullSafe,
}

var arithOps = map[parser.BinaryOp]logical.Op{
	parser.OpAdd: logical.OpAdd, parser.OpSub: logical.OpSub, parser.OpMul: logical.OpMul,
	parser.OpDiv: logical.OpDiv, parser.OpMod: logical.OpMod,
}

func (a *analyzer) binary(x *parser.Binary, s *scope, ag *aggState) (logical.Expr, error) {
	// date +/- INTERVAL
	if iv, ok := x.Right.(*parser.Interval); ok && (x.Op == parser.OpAdd || x.Op == parser.OpSub) {
		l, err := a.expr(x.Left, s, ag)
		if err != nil {
			return nil, err
		}
		return a.addInterval(l, iv, x.Op == parser.OpSub, x.At)
	}
	if iv, ok := x.Left.(*parser.Interval); ok && x.Op == parser.OpAdd {
		r, err := a.expr(x.Right, s, ag)
		if err != nil {
			return nil, err
		}
		return a.addInterval(r, iv, false, x.At)
	}
	l, err := a.expr(x.Left, s, ag)
	if err != nil {
		return nil, err
	}
	r, err := a.expr(x.Right, s, ag)
	if err != nil {
		return nil, err
	}
	if op, ok := cmpOps[x.Op]; ok {
		return a.compare(op, l, r, x.At)
	}
	if op, ok := arithOps[x.Op]; ok {
		return a.arith(op, l, r, x.At)
	}
	switch x.Op {
	case parser.OpAnd, parser.OpOr:
		if l, err = castTo(l, columnar.Boolean, x.Left.Pos()); err != nil {
			return nil, err
		}
		if r, err = castTo(r, columnar.Boolean, x.Right.Pos()); err != nil {
			return nil, err
		}
		if l.Type().ID() != arrow.BOOL || r.Type().ID() != arrow.BOOL {
			return nil, errAt(x.At, "AND and OR need booleans")
		}
		if x.Op == parser.OpAnd {
			return and(l, r), nil
		}
		return or(l, r), nil
	case parser.OpConcat:
		return a.call("concat", []logical.Expr{l, r}, x.At)
	case parser.OpIntDiv:
		return a.call("div", []logical.Expr{l, r}, x.At)
	}
	return nil, unsupported(x.At, "the bitwise operators &, | and ^")
}

// addInterval adds (or subtracts) an interval literal to a date.
func (a *analyzer) addInterval(d logical.Expr, iv *parser.Interval, sub bool, at parser.Pos) (logical.Expr, error) {
	if d.Type().ID() == arrow.STRING {
		var err error
		if d, err = castTo(d, columnar.Date, at); err != nil {
			return nil, err
		}
	}
	months, days, micros := iv.Months, iv.Days, iv.Micros
	if sub {
		months, days, micros = -months, -days, -micros
	}
	if d.Type().ID() == arrow.DATE32 && micros != 0 {
		// A date plus hours, minutes or seconds is a timestamp, as in Spark.
		var err error
		if d, err = castTo(d, columnar.Timestamp, at); err != nil {
			return nil, err
		}
	}
	if d.Type().ID() == arrow.TIMESTAMP {
		return a.call("timestamp_add_interval", []logical.Expr{d, logical.Lit(months, columnar.Int32),
			logical.Lit(int64(days)*86_400_000_000+micros, columnar.Int64)}, at)
	}
	if d.Type().ID() != arrow.DATE32 {
		return nil, errAt(at, "cannot add an interval to a value of type %s (dates and timestamps only)", columnar.TypeName(d.Type()))
	}
	var err error
	if months != 0 {
		if d, err = a.call("add_months", []logical.Expr{d, logical.Lit(months, columnar.Int32)}, at); err != nil {
			return nil, err
		}
	}
	if days != 0 {
		if d, err = a.call("date_add", []logical.Expr{d, logical.Lit(days, columnar.Int32)}, at); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// arith types an arithmetic operation as Spark does (ANSI mode off).
func (a *analyzer) arith(op logical.Op, l, r logical.Expr, at parser.Pos) (logical.Expr, error) {
	lt, rt := l.Type(), r.Type()
	// Date arithmetic with days.
	if op == logical.OpAdd || op == logical.OpSub {
		if lt.ID() == arrow.DATE32 && isIntegral(rt) {
			fn := "date_add"
			if op == logical.OpSub {
				fn = "date_sub"
			}
			return a.call(fn, []logical.Expr{l, r}, at)
		}
		if op == logical.OpAdd && rt.ID() == arrow.DATE32 && isIntegral(lt) {
			return a.call("date_add", []logical.Expr{r, l}, at)
		}
		if op == logical.OpSub && lt.ID() == arrow.DATE32 && rt.ID() == arrow.DATE32 {
			return a.call("datediff", []logical.Expr{l, r}, at)
		}
	}
	if lt.ID() == arrow.NULL && rt.ID() == arrow.NULL {
		return logical.Lit(nil, columnar.Float64), nil
	}
	if lt.ID() == arrow.NULL {
		lt = rt
	}
	if rt.ID() == arrow.NULL {
		rt = lt
	}
	if lt.ID() == arrow.STRING {
		lt = columnar.Float64
	}
	if rt.ID() == arrow.STRING {
		rt = columnar.Float64
	}
	if !columnar.IsNumeric(lt) || !columnar.IsNumeric(rt) {
		return nil, errAt(at, "cannot apply %s to %s and %s", opSymbol(op), columnar.TypeName(l.Type()), columnar.TypeName(r.Type()))
	}
	_, _, ldec := columnar.IsDecimal(lt)
	_, _, rdec := columnar.IsDecimal(rt)
	switch {
	case lt.ID() == arrow.FLOAT64 || rt.ID() == arrow.FLOAT64:
		lt, rt = columnar.Float64, columnar.Float64
	case ldec || rdec:
		lt, rt = expr.DecimalOf(lt), expr.DecimalOf(rt)
	case op == logical.OpDiv:
		lt, rt = columnar.Float64, columnar.Float64
	case lt.ID() == arrow.INT64 || rt.ID() == arrow.INT64:
		lt, rt = columnar.Int64, columnar.Int64
	}
	var err error
	if l, err = castTo(l, lt, at); err != nil {
		return nil, err
	}
	if r, err = castTo(r, rt, at); err != nil {
		return nil, err
	}
	t, err := expr.ArithResultType(arithOp(op), lt, rt)
	if err != nil {
		return nil, errAt(at, "%v", err)
	}
	return &logical.Call{Op: op, Args: []logical.Expr{l, r}, Typ: t}, nil
}

func isIntegral(t arrow.DataType) bool { return t.ID() == arrow.INT32 || t.ID() == arrow.INT64 }

func arithOp(op logical.Op) expr.ArithOp {
	switch op {
	case logical.OpSub:
		return expr.Sub
	case logical.OpMul:
		return expr.Mul
	case logical.OpDiv:
		return expr.Div
	case logical.OpMod:
		return expr.Mod
	}
	return expr.Add
}

func opSymbol(op logical.Op) string {
	return map[logical.Op]string{logical.OpAdd: "+", logical.OpSub: "-", logical.OpMul: "*", logical.OpDiv: "/", logical.OpMod: "%"}[op]
}

// compare types a comparison: both sides are cast to their common type,
// except that a literal is cast to the other side's type when that loses
// nothing (so columns keep their type and stay prunable), and decimals of
// different scales are compared as they are.
func (a *analyzer) compare(op logical.Op, l, r logical.Expr, at parser.Pos) (logical.Expr, error) {
	lt, rt := l.Type(), r.Type()
	mk := func(l, r logical.Expr) logical.Expr {
		return &logical.Call{Op: op, Args: []logical.Expr{l, r}, Typ: columnar.Boolean, NonNull: op == logical.OpEqNullSafe}
	}
	_, _, ldec := columnar.IsDecimal(lt)
	_, _, rdec := columnar.IsDecimal(rt)
	if arrow.TypeEqual(lt, rt) || (ldec && rdec) {
		return mk(l, r), nil
	}
	t, ok := expr.CommonType(lt, rt)
	if !ok {
		return nil, errAt(at, "cannot compare %s (%s) with %s (%s)", l.SQL(), columnar.TypeName(lt), r.SQL(), columnar.TypeName(rt))
	}
	if t.ID() == arrow.NULL {
		return logical.Lit(nil, columnar.Boolean), nil
	}
	if nl, ok := exactLiteral(r, lt); ok && !logical.IsConstant(l) {
		return mk(l, nl), nil
	}
	if nl, ok := exactLiteral(l, rt); ok && !logical.IsConstant(r) {
		return mk(nl, r), nil
	}
	var err error
	if l, err = castTo(l, t, at); err != nil {
		return nil, err
	}
	if r, err = castTo(r, t, at); err != nil {
		return nil, err
	}
	return mk(l, r), nil
}

// exactLiteral converts a literal to type t when the conversion is exact
// (it converts back to the same value).
func exactLiteral(e logical.Expr, t arrow.DataType) (logical.Expr, bool) {
	lit, ok := e.(*logical.Literal)
	if !ok || t.ID() == arrow.NULL {
		return nil, false
	}
	if lit.Value == nil {
		return logical.Lit(nil, t), true
	}
	if !expr.CanCast(lit.Typ, t) {
		return nil, false
	}
	// Strings compared with numbers are compared as doubles in Spark; only
	// dates and timestamps take a string literal exactly.
	if lit.Typ.ID() == arrow.STRING && t.ID() != arrow.DATE32 && t.ID() != arrow.TIMESTAMP {
		return nil, false
	}
	v, err := logical.EvalConstant(&logical.Cast{Arg: lit, To: t})
	if err != nil || v == nil {
		return nil, false
	}
	if lit.Typ.ID() == arrow.STRING {
		return logical.Lit(v, t), true
	}
	back, err := logical.EvalConstant(&logical.Cast{Arg: logical.Lit(v, t), To: lit.Typ})
	if err != nil || back == nil {
		return nil, false
	}
	if c, ok := columnar.CompareValues(back, lit.Value); !ok || c != 0 {
		return nil, false
	}
	return logical.Lit(v, t), true
}

func (a *analyzer) inList(x *parser.InList, s *scope, ag *aggState) (logical.Expr, error) {
	arg, err := a.expr(x.Expr, s, ag)
	if err != nil {
		return nil, err
	}
	items := make([]logical.Expr, len(x.List))
	allConst := true
	t := arg.Type()
	for i, it := range x.List {
		if items[i], err = a.expr(it, s, ag); err != nil {
			return nil, err
		}
		if !logical.IsConstant(items[i]) {
			allConst = false
		}
	}
	if !allConst {
		var r logical.Expr
		for _, it := range items {
			eq, err := a.compare(logical.OpEq, arg, it, x.At)
			if err != nil {
				return nil, err
			}
			if r == nil {
				r = eq
			} else {
				r = or(r, eq)
			}
		}
		if x.Not {
			r = not(r)
		}
		return r, nil
	}
	// Constant list: values of one type; the argument keeps its type when
	// every value converts to it exactly.
	values := make([]any, len(items))
	exact := true
	for i, it := range items {
		v, err := logical.EvalConstant(it)
		if err != nil {
			return nil, errAt(x.List[i].Pos(), "cannot evaluate %s: %v", x.List[i], err)
		}
		items[i] = logical.Lit(v, it.Type())
		if _, ok := exactLiteral(items[i], t); !ok {
			exact = false
		}
	}
	if !exact {
		for _, it := range items {
			ct, ok := expr.CommonType(t, it.Type())
			if !ok {
				return nil, errAt(x.At, "IN list value of type %s cannot be compared with %s", columnar.TypeName(it.Type()), columnar.TypeName(arg.Type()))
			}
			t = ct
		}
		if t.ID() == arrow.NULL {
			return logical.Lit(nil, columnar.Boolean), nil
		}
		if arg, err = castTo(arg, t, x.At); err != nil {
			return nil, err
		}
	}
	for i, it := range items {
		c, err := castTo(it, t, x.List[i].Pos())
		if err != nil {
			return nil, err
		}
		if values[i], err = logical.EvalConstant(c); err != nil {
			return nil, errAt(x.List[i].Pos(), "cannot evaluate %s: %v", x.List[i], err)
		}
	}
	return &logical.InList{Arg: arg, Values: values, Negated: x.Not}, nil
}

func (a *analyzer) like(x *parser.Like, s *scope, ag *aggState) (logical.Expr, error) {
	arg, err := a.expr(x.Expr, s, ag)
	if err != nil {
		return nil, err
	}
	if arg, err = castTo(arg, columnar.String, x.At); err != nil {
		return nil, err
	}
	pat, err := a.expr(x.Pattern, s, ag)
	if err != nil {
		return nil, err
	}
	if x.Kind == parser.PatternRLike {
		return a.call("rlike", []logical.Expr{arg, pat}, x.At)
	}
	if !logical.IsConstant(pat) {
		return nil, unsupported(x.Pattern.Pos(), "a LIKE pattern that is not a constant")
	}
	pv, err := logical.EvalConstant(&logical.Cast{Arg: pat, To: columnar.String})
	if err != nil {
		return nil, errAt(x.Pattern.Pos(), "cannot evaluate the LIKE pattern: %v", err)
	}
	if pv == nil {
		return logical.Lit(nil, columnar.Boolean), nil
	}
	escape := '\\'
	if x.Escape != nil {
		lit, ok := x.Escape.(*parser.Literal)
		es, _ := lit.Value.(string)
		if !ok || len([]rune(es)) != 1 {
			return nil, errAt(x.Escape.Pos(), "the ESCAPE string must be exactly one character")
		}
		escape = []rune(es)[0]
	}
	var r logical.Expr = &logical.Like{Arg: arg, Pattern: pv.(string), Escape: escape, CaseInsensitive: x.Kind == parser.PatternILike}
	if x.Not {
		r = not(r)
	}
	return r, nil
}

func (a *analyzer) caseExpr(x *parser.Case, s *scope, ag *aggState) (logical.Expr, error) {
	var operand logical.Expr
	var err error
	if x.Operand != nil {
		if operand, err = a.expr(x.Operand, s, ag); err != nil {
			return nil, err
		}
	}
	c := &logical.Case{}
	for _, w := range x.Whens {
		cond, err := a.expr(w.Cond, s, ag)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = a.compare(logical.OpEq, operand, cond, w.At); err != nil {
				return nil, err
			}
		} else if cond, err = castTo(cond, columnar.Boolean, w.Cond.Pos()); err != nil {
			return nil, err
		}
		if cond.Type().ID() != arrow.BOOL {
			return nil, errAt(w.Cond.Pos(), "CASE WHEN condition must be boolean, got %s", columnar.TypeName(cond.Type()))
		}
		res, err := a.expr(w.Result, s, ag)
		if err != nil {
			return nil, err
		}
		c.Conds = append(c.Conds, cond)
		c.Results = append(c.Results, res)
	}
	if x.Else != nil {
		if c.Else, err = a.expr(x.Else, s, ag); err != nil {
			return nil, err
		}
	}
	all := append([]logical.Expr{}, c.Results...)
	if c.Else != nil {
		all = append(all, c.Else)
	}
	t, err := commonOf(all, x.At, "CASE branches")
	if err != nil {
		return nil, err
	}
	for i := range c.Results {
		if c.Results[i], err = castTo(c.Results[i], t, x.At); err != nil {
			return nil, err
		}
	}
	if c.Else != nil {
		if c.Else, err = castTo(c.Else, t, x.At); err != nil {
			return nil, err
		}
	}
	c.Typ = t
	return c, nil
}

// commonOf returns the common type of expressions (NULL alone gives INT,
// as Spark's void prints as NULL either way).
func commonOf(es []logical.Expr, at parser.Pos, what string) (arrow.DataType, error) {
	t := arrow.DataType(columnar.Null)
	for _, e := range es {
		ct, ok := expr.WiderType(t, e.Type())
		if !ok {
			return nil, errAt(at, "%s have incompatible types %s and %s", what, columnar.TypeName(t), columnar.TypeName(e.Type()))
		}
		t = ct
	}
	if t.ID() == arrow.NULL {
		t = columnar.Int32
	}
	return t, nil
}

func (a *analyzer) function(x *parser.FuncCall, s *scope, ag *aggState) (logical.Expr, error) {
	if x.Distinct || x.Star {
		return nil, errAt(x.At, "%s is not an aggregate function and takes neither DISTINCT nor *", x.Name)
	}
	if x.Filter != nil {
		return nil, errAt(x.At, "FILTER applies only to aggregate functions")
	}
	args := make([]logical.Expr, len(x.Args))
	for i, e := range x.Args {
		b, err := a.expr(e, s, ag)
		if err != nil {
			return nil, err
		}
		args[i] = b
	}
	switch x.Name {
	case "coalesce", "nvl", "ifnull":
		if len(args) == 0 || (x.Name != "coalesce" && len(args) != 2) {
			return nil, errAt(x.At, "function %s takes %s arguments, %d given", x.Name, map[bool]string{true: "at least one", false: "two"}[x.Name == "coalesce"], len(args))
		}
		t, err := commonOf(args, x.At, x.Name+" arguments")
		if err != nil {
			return nil, err
		}
		for i := range args {
			if args[i], err = castTo(args[i], t, x.Args[i].Pos()); err != nil {
				return nil, err
			}
		}
		if len(args) == 1 {
			return args[0], nil
		}
		return &logical.Call{Op: logical.OpCoalesce, Args: args, Typ: t}, nil
	case "if", "iff":
		if len(args) != 3 {
			return nil, errAt(x.At, "function if takes 3 arguments, %d given", len(args))
		}
		cond, err := castTo(args[0], columnar.Boolean, x.Args[0].Pos())
		if err != nil {
			return nil, err
		}
		t, err := commonOf(args[1:], x.At, "if branches")
		if err != nil {
			return nil, err
		}
		th, err := castTo(args[1], t, x.Args[1].Pos())
		if err != nil {
			return nil, err
		}
		el, err := castTo(args[2], t, x.Args[2].Pos())
		if err != nil {
			return nil, err
		}
		return &logical.Case{Conds: []logical.Expr{cond}, Results: []logical.Expr{th}, Else: el, Typ: t}, nil
	case "nullif":
		if len(args) != 2 {
			return nil, errAt(x.At, "function nullif takes 2 arguments, %d given", len(args))
		}
		eq, err := a.compare(logical.OpEq, args[0], args[1], x.At)
		if err != nil {
			return nil, err
		}
		t := args[0].Type()
		if t.ID() == arrow.NULL {
			t = columnar.Int32
		}
		v, err := castTo(args[0], t, x.At)
		if err != nil {
			return nil, err
		}
		return &logical.Case{Conds: []logical.Expr{eq}, Results: []logical.Expr{logical.Lit(nil, t)}, Else: v, Typ: t}, nil
	}
	return a.call(x.Name, args, x.At)
}

// call resolves a scalar function by name and argument types: a Go UDF,
// else a columnar built-in, else a row-only built-in (which makes its
// operator fall back to rows).
func (a *analyzer) call(name string, args []logical.Expr, at parser.Pos) (logical.Expr, error) {
	types := make([]arrow.DataType, len(args))
	for i, e := range args {
		types[i] = e.Type()
	}
	if u, ok := a.cat.UDF(name); ok {
		if len(args) != len(u.ArgTypes) {
			return nil, errAt(at, "function %s takes %d arguments, %d given", name, len(u.ArgTypes), len(args))
		}
		for i := range args {
			var err error
			if args[i], err = castTo(args[i], u.ArgTypes[i], at); err != nil {
				return nil, err
			}
		}
		return &logical.Call{Op: logical.OpFunc, Name: u.Name, Args: args, Typ: u.ResultType, RowOnly: true, UDF: u}, nil
	}
	if rowexpr.IsRowOnly(name) {
		sig, err := rowexpr.ResolveFunction(name, types)
		if err != nil {
			return nil, errAt(at, "%s", trimPrefix(err.Error()))
		}
		for i := range args {
			if args[i], err = castTo(args[i], sig.ArgTypes[i], at); err != nil {
				return nil, err
			}
		}
		return &logical.Call{Op: logical.OpFunc, Name: sig.Name, Args: args, Typ: sig.ResultType, RowOnly: true}, nil
	}
	sig, err := expr.ResolveFunction(name, types)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "expr:") {
			msg = msg[i+2:]
		}
		return nil, errAt(at, "%s", msg)
	}
	for i := range args {
		if args[i], err = castTo(args[i], sig.ArgTypes[i], at); err != nil {
			return nil, err
		}
	}
	return &logical.Call{Op: logical.OpFunc, Name: sig.Name, Args: args, Typ: resultType(sig, args)}, nil
}

// resultType is a function's result type given its arguments: some
// functions' types depend on constant arguments (round(x, 2) of a decimal),
// so the function is built over placeholders and constants to ask it.
func resultType(sig expr.FuncSignature, args []logical.Expr) arrow.DataType {
	hasLit := false
	phys := make([]expr.Expr, len(args))
	for i, a := range args {
		if lit, ok := a.(*logical.Literal); ok {
			l, err := expr.Literal(lit.Value, lit.Typ)
			if err != nil {
				return sig.ResultType
			}
			phys[i] = l
			hasLit = true
			continue
		}
		phys[i] = expr.Column(i, "_", a.Type())
	}
	if !hasLit {
		return sig.ResultType
	}
	f, err := expr.Function(sig.Name, phys)
	if err != nil {
		return sig.ResultType
	}
	return f.DataType()
}

// autoName names an unaliased select item as Spark does: a column keeps its
// name, anything else is named by its SQL text.
func autoName(ast parser.Expr, e logical.Expr) string {
	if f, ok := ast.(*parser.FuncCall); ok && f.Star && f.Name == "count" {
		return "count(1)"
	}
	if id, ok := ast.(*parser.Ident); ok {
		return id.Parts[len(id.Parts)-1]
	}
	if r, ok := e.(*logical.ColumnRef); ok {
		if _, isFunc := ast.(*parser.FuncCall); !isFunc {
			return r.Col.Name
		}
	}
	return ast.String()
}

// unused guard for decimal128 import in future literal handling.
var _ = decimal128.Num{}
