package parser

import "fmt"

// This file defines the abstract syntax tree produced by Parse. The tree is
// plain data: exported structs, one per construct, each carrying the source
// position of its first token in its At field and returning it from Pos().
// Every node renders itself back to canonical SQL text with String(); see
// Format. Nothing in the tree is resolved: names are as written, functions are
// unchecked, and literals are typed only as the literal syntax says (Spark's
// literal typing rules), so that the binder sees exactly what the user wrote.
//
// Shapes at a glance:
//
//	Statement  = *Query | *Explain
//	SetExpr    = *Select | *SetOp | *ParenQuery | *Values
//	TableExpr  = *TableName | *SubqueryTable | *Join | *Values
//	Expr       = *Ident | *Literal | *Interval | *Unary | *Binary | *IsNull |
//	             *IsBool | *InList | *InSubquery | *Exists | *ScalarSubquery |
//	             *Between | *Like | *Case | *Cast | *FuncCall | *Extract
//
// Parentheses leave no node of their own in expressions (the tree shape
// records the grouping); a parenthesized query term in a set operation is a
// *ParenQuery, because a parenthesized query may carry its own ORDER BY and
// LIMIT.

// Pos is a source position. Line and Col are 1-based; Col counts characters
// (runes), not bytes. Offset is the 0-based byte offset into the input. The
// zero Pos means "no position" (a node built by code rather than parsed).
type Pos struct {
	Line, Col, Offset int
}

// String renders the position as "line L, column C".
func (p Pos) String() string { return fmt.Sprintf("line %d, column %d", p.Line, p.Col) }

// IsValid reports whether the position was set by the parser.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Node is implemented by every AST node.
type Node interface {
	// Pos is the position of the node's first token.
	Pos() Pos
	// String renders the node as canonical SQL text (see Format).
	String() string
}

// Statement is a complete SQL statement: *Query or *Explain.
type Statement interface {
	Node
	statementNode()
}

// SetExpr is the body of a query: *Select, *SetOp, *ParenQuery or *Values.
type SetExpr interface {
	Node
	setExprNode()
}

// TableExpr is an item of a FROM clause: *TableName, *SubqueryTable, *Join
// or *Values.
type TableExpr interface {
	Node
	tableExprNode()
}

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// ---------------------------------------------------------------------------
// Statements

// ExplainMode is the variant of an EXPLAIN statement.
type ExplainMode int

// The EXPLAIN variants. ExplainAnalyze (EXPLAIN ANALYZE) is gluten-go's own:
// it runs the query and reports per-operator metrics.
const (
	ExplainSimple    ExplainMode = iota // EXPLAIN
	ExplainExtended                     // EXPLAIN EXTENDED
	ExplainFormatted                    // EXPLAIN FORMATTED
	ExplainAnalyze                      // EXPLAIN ANALYZE
	ExplainCost                         // EXPLAIN COST
	ExplainCodegen                      // EXPLAIN CODEGEN
)

// Explain is EXPLAIN [EXTENDED|FORMATTED|ANALYZE|COST|CODEGEN] statement.
// The parser only produces a *Query as Stmt.
type Explain struct {
	At   Pos
	Mode ExplainMode
	Stmt Statement
}

// Query is a query expression:
//
//	[WITH cte, ...] body [ORDER BY item, ...] [LIMIT n | LIMIT ALL] [OFFSET m]
//
// ORDER BY, LIMIT and OFFSET apply to the whole body (after any set
// operation). Limit and Offset are nil when absent (LIMIT ALL gives nil).
type Query struct {
	At      Pos
	With    []CTE
	Body    SetExpr
	OrderBy []OrderItem
	Limit   Expr
	Offset  Expr
}

// CTE is one common table expression of a WITH clause:
// name [(col, ...)] AS (query).
type CTE struct {
	At      Pos
	Name    string   // as written (case kept)
	Columns []string // optional column aliases; nil if none
	Query   *Query
}

// OrderItem is expr [ASC|DESC] [NULLS FIRST|NULLS LAST]. NullsFirst is nil
// when NULLS is not given; Spark's default is then NULLS FIRST for ascending
// and NULLS LAST for descending order. An integer literal expression (ORDER
// BY 1) is an ordinal; the binder interprets it.
type OrderItem struct {
	At         Pos
	Expr       Expr
	Desc       bool
	NullsFirst *bool
}

// ---------------------------------------------------------------------------
// Query bodies

// SetOpKind is the kind of a set operation.
type SetOpKind int

// The set operations. MINUS is parsed as SetExcept.
const (
	SetUnion SetOpKind = iota
	SetIntersect
	SetExcept
)

// SetOp is Left UNION|INTERSECT|EXCEPT [ALL|DISTINCT] Right. All is false for
// the default and for DISTINCT. INTERSECT binds tighter than UNION and
// EXCEPT, which are left-associative (Spark's rules).
type SetOp struct {
	At          Pos
	Op          SetOpKind
	All         bool
	Left, Right SetExpr
}

// ParenQuery is a parenthesized query used as a query term, e.g.
// (SELECT ... ORDER BY ... LIMIT 1) UNION ALL (SELECT ...).
type ParenQuery struct {
	At    Pos
	Query *Query
}

// Select is one SELECT block. From is the comma-separated FROM list (empty for
// SELECT without FROM); Where and Having are nil when absent. GROUP BY items
// that are integer literals are ordinals; the binder interprets them.
type Select struct {
	At       Pos
	Distinct bool
	Items    []SelectItem
	From     []TableExpr
	Where    Expr
	GroupBy  []Expr
	Having   Expr
}

// SelectItem is one item of a select list: either Expr [[AS] Alias], or a
// star (Star true, Expr nil) with an optional qualifier: * or t.* or db.t.*.
type SelectItem struct {
	At        Pos
	Expr      Expr
	Alias     string   // "" if none; case kept
	Star      bool     // * or qualifier.*
	Qualifier []string // the parts before .* ; nil for a bare *
}

// Values is an inline table, VALUES row, row, ... where a row is either
// (expr, ...) or a single expr; all rows have the same length. It may carry
// an alias and column aliases (VALUES (1, 'a') AS t(id, name)), both as a FROM
// item and as a query body (a query that is just VALUES ...). In a FROM list,
// a ',' continues the rows only when a '(' follows it; otherwise it starts
// the next FROM item.
type Values struct {
	At      Pos
	Rows    [][]Expr
	Alias   string
	Columns []string
}

// ---------------------------------------------------------------------------
// FROM items

// TableName is a named table: name or db.name, with an optional alias and
// optional column aliases (t AS x(a, b)).
type TableName struct {
	At      Pos
	Parts   []string // as written (case kept)
	Alias   string
	Columns []string
}

// SubqueryTable is a derived table: (query) [[AS] alias [(col, ...)]].
// Alias may be empty (Spark allows an unaliased subquery in FROM).
type SubqueryTable struct {
	At      Pos
	Query   *Query
	Alias   string
	Columns []string
}

// JoinType is the kind of a join.
type JoinType int

// The join kinds. JoinCross is CROSS JOIN; a comma in FROM is not a Join
// but a separate entry of Select.From.
const (
	JoinInner JoinType = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinCross
	JoinLeftSemi
	JoinLeftAnti
)

// Join is Left [type] JOIN Right [ON On | USING (Using)]. On and Using are
// both empty for a join without a condition (allowed for every type, as in
// Spark). Joins are left-associative; Right is never a *Join unless the
// query parenthesized it.
type Join struct {
	At          Pos
	Type        JoinType
	Left, Right TableExpr
	On          Expr
	Using       []string
}

// ---------------------------------------------------------------------------
// Expressions

// Ident is a column reference, possibly qualified: a, t.a, db.t.a. Parts keep
// their original case; Quoted[i] tells whether Parts[i] was back-quoted.
// len(Quoted) == len(Parts).
type Ident struct {
	At     Pos
	Parts  []string
	Quoted []bool
}

// LitKind is the type of a literal as Spark types it.
type LitKind int

// The literal kinds, with the Go type of Literal.Value for each:
//
//	LitNull       nil                 NULL
//	LitBool       bool                TRUE, FALSE
//	LitTinyInt    int32 (int8 range)  1Y
//	LitSmallInt   int32 (int16 range) 1S
//	LitInt        int32               1 (fits int32)
//	LitBigInt     int64               1L, or an integer too big for int32
//	LitFloat      float64 (a float32) 1.5F
//	LitDouble     float64             1e3, 1.5D
//	LitDecimal    decimal128.Num      1.5, 1BD, an integer too big for int64
//	LitString     string              'abc', "abc"
//	LitBinary     []byte              X'0AFF'
//	LitDate       arrow.Date32        DATE '2020-01-31'
//	LitTimestamp  arrow.Timestamp     TIMESTAMP '2020-01-31 10:00:00' (µs, UTC)
//
// gluten-go has no TINYINT, SMALLINT or FLOAT columns: the binder widens those
// literals to INT and DOUBLE; their values are already held widened.
const (
	LitNull LitKind = iota
	LitBool
	LitTinyInt
	LitSmallInt
	LitInt
	LitBigInt
	LitFloat
	LitDouble
	LitDecimal
	LitString
	LitBinary
	LitDate
	LitTimestamp
)

// Literal is a constant. Raw is the literal's source text exactly as written
// (including a leading '-' folded into a number, the quotes of a string and
// the DATE/TIMESTAMP keyword); Value is the parsed value (see LitKind).
// Precision and Scale are set for LitDecimal only: Spark's rule, precision =
// max(number of significant digits, scale).
//
// A minus sign directly before a number is part of the literal (-1 is the
// Int literal -1, -2147483648 is an Int), as in Spark's grammar.
type Literal struct {
	At        Pos
	Kind      LitKind
	Raw       string
	Value     any
	Precision int
	Scale     int
}

// IntervalUnit is a unit of an INTERVAL literal.
type IntervalUnit int

// The interval units. Plural spellings (DAYS) are accepted.
const (
	UnitNone IntervalUnit = iota
	UnitYear
	UnitMonth
	UnitWeek
	UnitDay
	UnitHour
	UnitMinute
	UnitSecond
	UnitMillisecond
	UnitMicrosecond
)

// IntervalPart is one "value unit" pair of an INTERVAL literal, or a
// unit-to-unit form ('1-2' YEAR TO MONTH, '1 10:30:00' DAY TO SECOND), in
// which case To is the second unit (UnitNone otherwise).
type IntervalPart struct {
	Value string // the value text without quotes, sign included: "90", "-1.5", "1-2"
	Unit  IntervalUnit
	To    IntervalUnit
}

// Interval is an INTERVAL literal: INTERVAL '90' DAY, INTERVAL 90 DAYS,
// INTERVAL 1 YEAR 2 MONTHS, INTERVAL '1 day 2 hours', INTERVAL '1-2' YEAR TO
// MONTH. Parts is what was written (a unit list inside a string is split into
// parts); the parsed value is Months (years*12 + months), Days (weeks*7 +
// days) and Micros (hours, minutes, seconds and fractions), i.e. Spark's
// CalendarInterval. Following Spark 3, an interval whose parts are all YEAR
// or MONTH is a year-month interval, one whose parts are all DAY..MICROSECOND
// (WEEK included) is a day-time interval, and a mix is a calendar interval;
// YearMonth and DayTime report which.
type Interval struct {
	At     Pos
	Parts  []IntervalPart
	Months int32
	Days   int32
	Micros int64
}

// UnaryOp is a prefix operator.
type UnaryOp int

// The prefix operators.
const (
	OpNeg    UnaryOp = iota + 1 // -x
	OpPlus                      // +x
	OpNot                       // NOT x, !x
	OpBitNot                    // ~x
)

// Unary is Op X.
type Unary struct {
	At Pos
	Op UnaryOp
	X  Expr
}

// BinaryOp is an infix operator.
type BinaryOp int

// The infix operators. x IS NOT DISTINCT FROM y is OpNullSafeEq; x IS
// DISTINCT FROM y is Unary{OpNot, Binary{OpNullSafeEq}} (as in Spark).
const (
	OpAdd        BinaryOp = iota + 1 // +
	OpSub                            // -
	OpMul                            // *
	OpDiv                            // /
	OpMod                            // %
	OpIntDiv                         // DIV
	OpConcat                         // ||
	OpEq                             // = or ==
	OpNullSafeEq                     // <=>
	OpNe                             // <> or !=
	OpLt                             // <
	OpLe                             // <=
	OpGt                             // >
	OpGe                             // >=
	OpAnd                            // AND
	OpOr                             // OR
	OpBitAnd                         // &
	OpBitOr                          // |
	OpBitXor                         // ^
)

// Binary is Left Op Right.
type Binary struct {
	At          Pos
	Op          BinaryOp
	Left, Right Expr
}

// IsNull is Expr IS [NOT] NULL (also IS [NOT] UNKNOWN).
type IsNull struct {
	At   Pos
	Expr Expr
	Not  bool
}

// IsBool is Expr IS [NOT] TRUE|FALSE.
type IsBool struct {
	At    Pos
	Expr  Expr
	Not   bool
	Value bool
}

// InList is Expr [NOT] IN (List...). List is never empty.
type InList struct {
	At   Pos
	Expr Expr
	List []Expr
	Not  bool
}

// InSubquery is Expr [NOT] IN (query).
type InSubquery struct {
	At    Pos
	Expr  Expr
	Query *Query
	Not   bool
}

// Exists is [NOT] EXISTS (query). NOT directly applied to EXISTS is folded
// into Not.
type Exists struct {
	At    Pos
	Query *Query
	Not   bool
}

// ScalarSubquery is a parenthesized query used as a value: (SELECT max(x) FROM t).
type ScalarSubquery struct {
	At    Pos
	Query *Query
}

// Between is Expr [NOT] BETWEEN Low AND High.
type Between struct {
	At        Pos
	Expr      Expr
	Low, High Expr
	Not       bool
}

// LikeKind is the pattern language of a Like.
type LikeKind int

// The pattern-matching predicates.
const (
	PatternLike  LikeKind = iota // LIKE
	PatternILike                 // ILIKE (case-insensitive LIKE)
	PatternRLike                 // RLIKE or REGEXP (Java regular expression)
)

// Like is Expr [NOT] LIKE|ILIKE|RLIKE Pattern [ESCAPE Escape]. Escape is nil
// or a *Literal of kind LitString (the parser accepts only a string literal
// there; the binder checks it is one character).
type Like struct {
	At      Pos
	Kind    LikeKind
	Expr    Expr
	Pattern Expr
	Escape  Expr
	Not     bool
}

// When is one WHEN Cond THEN Result arm of a Case. In a simple CASE, Cond is
// the value compared with the operand.
type When struct {
	At     Pos
	Cond   Expr
	Result Expr
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE Else] END. Operand is nil for
// a searched CASE; Else is nil when absent. Whens is never empty.
type Case struct {
	At      Pos
	Operand Expr
	Whens   []When
	Else    Expr
}

// TypeName is a SQL type as written in CAST. Name is canonical and lower-case,
// one of: boolean, tinyint, smallint, int, bigint, float, double, decimal,
// string, binary, date, timestamp. Aliases are mapped: byte -> tinyint,
// short -> smallint, integer -> int, long -> bigint, real -> float,
// dec/numeric -> decimal, varchar(n)/char(n) -> string with Length n,
// timestamp_ltz -> timestamp. Precision and Scale are set for decimal
// (DECIMAL alone is DECIMAL(10, 0) and DECIMAL(p) is DECIMAL(p, 0), as in
// Spark); Length is set for varchar/char and 0 otherwise.
type TypeName struct {
	At        Pos
	Name      string
	Precision int
	Scale     int
	Length    int
}

// Cast is CAST(Expr AS Type), or TRY_CAST(...) when Try is set.
type Cast struct {
	At   Pos
	Expr Expr
	Type TypeName
	Try  bool
}

// FuncCall is a function call: name([DISTINCT] args...) [FILTER (WHERE cond)].
// Name is lower-cased. Star is set for f(*) (Args empty). Filter is nil when
// absent. Special syntaxes are mapped onto ordinary calls of Spark's
// functions, so the binder sees one shape:
//
//	SUBSTRING(s FROM a [FOR b])        substring(s, a [, b])   (SUBSTR too)
//	TRIM([BOTH] [c] FROM s)            trim(s) or trim(c, s)
//	TRIM(LEADING [c] FROM s)           ltrim(s) or ltrim(c, s)
//	TRIM(TRAILING [c] FROM s)          rtrim(s) or rtrim(c, s)
//	POSITION(a IN b)                   position(a, b)
//	CURRENT_DATE, CURRENT_TIMESTAMP    current_date(), current_timestamp()
//
// Note the two-argument trim/ltrim/rtrim take the trim characters first, as
// Spark's function form trim(trimStr, str) does. IF(c, a, b) is the call
// "if". Window functions (OVER) are rejected by the parser.
type FuncCall struct {
	At       Pos
	Name     string
	Args     []Expr
	Distinct bool
	Star     bool
	Filter   Expr
}

// Extract is EXTRACT(Field FROM Expr). Field is upper-cased as written
// (YEAR, MONTH, DAY, QUARTER, HOUR, MINUTE, SECOND, DAYOFWEEK, ...); the
// binder validates it.
type Extract struct {
	At    Pos
	Field string
	Expr  Expr
}

// ---------------------------------------------------------------------------
// Positions and interface markers

// Pos returns the position of the EXPLAIN keyword.
func (n *Explain) Pos() Pos { return n.At }

// Pos returns the position of the query's first token.
func (n *Query) Pos() Pos { return n.At }

// Pos returns the position of the CTE's name.
func (n CTE) Pos() Pos { return n.At }

// Pos returns the position of the item's expression.
func (n OrderItem) Pos() Pos { return n.At }

// Pos returns the position of the left operand's first token.
func (n *SetOp) Pos() Pos { return n.At }

// Pos returns the position of the opening parenthesis.
func (n *ParenQuery) Pos() Pos { return n.At }

// Pos returns the position of the SELECT keyword.
func (n *Select) Pos() Pos { return n.At }

// Pos returns the position of the item's first token.
func (n SelectItem) Pos() Pos { return n.At }

// Pos returns the position of the VALUES keyword.
func (n *Values) Pos() Pos { return n.At }

// Pos returns the position of the table name.
func (n *TableName) Pos() Pos { return n.At }

// Pos returns the position of the opening parenthesis.
func (n *SubqueryTable) Pos() Pos { return n.At }

// Pos returns the position of the left side's first token.
func (n *Join) Pos() Pos { return n.At }

// Pos returns the position of the first name part.
func (n *Ident) Pos() Pos { return n.At }

// Pos returns the position of the literal's first token.
func (n *Literal) Pos() Pos { return n.At }

// Pos returns the position of the INTERVAL keyword.
func (n *Interval) Pos() Pos { return n.At }

// Pos returns the position of the operator.
func (n *Unary) Pos() Pos { return n.At }

// Pos returns the position of the left operand's first token.
func (n *Binary) Pos() Pos { return n.At }

// Pos returns the position of the tested expression's first token.
func (n *IsNull) Pos() Pos { return n.At }

// Pos returns the position of the tested expression's first token.
func (n *IsBool) Pos() Pos { return n.At }

// Pos returns the position of the tested expression's first token.
func (n *InList) Pos() Pos { return n.At }

// Pos returns the position of the tested expression's first token.
func (n *InSubquery) Pos() Pos { return n.At }

// Pos returns the position of the NOT or EXISTS keyword.
func (n *Exists) Pos() Pos { return n.At }

// Pos returns the position of the opening parenthesis.
func (n *ScalarSubquery) Pos() Pos { return n.At }

// Pos returns the position of the tested expression's first token.
func (n *Between) Pos() Pos { return n.At }

// Pos returns the position of the tested expression's first token.
func (n *Like) Pos() Pos { return n.At }

// Pos returns the position of the WHEN keyword.
func (n When) Pos() Pos { return n.At }

// Pos returns the position of the CASE keyword.
func (n *Case) Pos() Pos { return n.At }

// Pos returns the position of the type name.
func (n TypeName) Pos() Pos { return n.At }

// Pos returns the position of the CAST keyword.
func (n *Cast) Pos() Pos { return n.At }

// Pos returns the position of the function name.
func (n *FuncCall) Pos() Pos { return n.At }

// Pos returns the position of the EXTRACT keyword.
func (n *Extract) Pos() Pos { return n.At }

func (*Explain) statementNode() {}
func (*Query) statementNode()   {}

func (*Select) setExprNode()     {}
func (*SetOp) setExprNode()      {}
func (*ParenQuery) setExprNode() {}
func (*Values) setExprNode()     {}

func (*TableName) tableExprNode()     {}
func (*SubqueryTable) tableExprNode() {}
func (*Join) tableExprNode()          {}
func (*Values) tableExprNode()        {}

func (*Ident) exprNode()          {}
func (*Literal) exprNode()        {}
func (*Interval) exprNode()       {}
func (*Unary) exprNode()          {}
func (*Binary) exprNode()         {}
func (*IsNull) exprNode()         {}
func (*IsBool) exprNode()         {}
func (*InList) exprNode()         {}
func (*InSubquery) exprNode()     {}
func (*Exists) exprNode()         {}
func (*ScalarSubquery) exprNode() {}
func (*Between) exprNode()        {}
func (*Like) exprNode()           {}
func (*Case) exprNode()           {}
func (*Cast) exprNode()           {}
func (*FuncCall) exprNode()       {}
func (*Extract) exprNode()        {}

// YearMonth reports whether every part of the interval has unit YEAR or
// MONTH (Spark's YearMonthIntervalType).
func (n *Interval) YearMonth() bool {
	for _, p := range n.Parts {
		if !p.Unit.isYearMonth() {
			return false
		}
	}
	return len(n.Parts) > 0
}

// DayTime reports whether every part of the interval has a unit from WEEK or
// DAY down to MICROSECOND (Spark's DayTimeIntervalType).
func (n *Interval) DayTime() bool {
	for _, p := range n.Parts {
		if p.Unit.isYearMonth() {
			return false
		}
	}
	return len(n.Parts) > 0
}

func (u IntervalUnit) isYearMonth() bool { return u == UnitYear || u == UnitMonth }

// Error is a parse error at a source position. Line and Col are 1-based, Col
// counting characters.
type Error struct {
	Line, Col int
	Msg       string
}

// Error renders "syntax error at line L, column C: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("syntax error at line %d, column %d: %s", e.Line, e.Col, e.Msg)
}
