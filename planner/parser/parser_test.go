package parser

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

var posType = reflect.TypeOf(Pos{})

// equalTrees compares two ASTs like reflect.DeepEqual but ignores positions
// and Literal.Raw.
func equalTrees(a, b any) bool { return diffTrees(a, b) == "" }

// diffTrees returns the path of the first difference between two ASTs
// (positions and Literal.Raw ignored), or "".
func diffTrees(a, b any) string {
	if d := diffValues(reflect.ValueOf(a), reflect.ValueOf(b)); d != "" {
		return "tree" + d
	}
	return ""
}

// diffValues returns "" or the path below a and b followed by ": what
// differs". Paths are built only on the way back from a difference, so deep
// trees cost linear time.
func diffValues(a, b reflect.Value) string {
	if a.IsValid() != b.IsValid() {
		return ": one side missing"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf(": %v vs %v", a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return ": nil vs non-nil"
			}
			return ""
		}
		return diffValues(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() != b.Len() || a.IsNil() != b.IsNil() {
			return fmt.Sprintf(": length %d vs %d (nil %v vs %v)", a.Len(), b.Len(), a.IsNil(), b.IsNil())
		}
		for k := 0; k < a.Len(); k++ {
			if d := diffValues(a.Index(k), b.Index(k)); d != "" {
				return fmt.Sprintf("[%d]%s", k, d)
			}
		}
		return ""
	case reflect.Struct:
		if a.Type() == posType {
			return ""
		}
		for k := 0; k < a.NumField(); k++ {
			f := a.Type().Field(k)
			if f.Type == posType || a.Type() == reflect.TypeOf(Literal{}) && f.Name == "Raw" {
				continue
			}
			if !f.IsExported() {
				// decimal128.Num and the like: compare as values.
				if !reflect.DeepEqual(a.Interface(), b.Interface()) {
					return fmt.Sprintf(": %v vs %v", a.Interface(), b.Interface())
				}
				return ""
			}
			if d := diffValues(a.Field(k), b.Field(k)); d != "" {
				return "." + f.Name + d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf(": %#v vs %#v", a.Interface(), b.Interface())
	}
	return ""
}

// checkRoundTrip asserts that Format(stmt) parses back to an equal tree
// that renders identically.
func checkRoundTrip(t *testing.T, sql string, stmt Statement) string {
	t.Helper()
	out := Format(stmt)
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("rendering of %q does not parse: %v\nrendering: %s", sql, err, out)
	}
	if out2 := Format(again); out2 != out {
		t.Fatalf("rendering not stable for %q:\nfirst:  %s\nsecond: %s", sql, out, out2)
	}
	if d := diffTrees(stmt, again); d != "" {
		t.Fatalf("round trip changed the tree for %q\nrendering: %s\ndifference: %s", sql, out, d)
	}
	return out
}

func mustParse(t *testing.T, sql string) Statement {
	t.Helper()
	stmt, err := Parse(sql)
	if err != nil {
		t.Fatalf("Parse(%q): %v", sql, err)
	}
	return stmt
}

// formatCases: input -> canonical rendering.
var formatCases = []struct{ in, want string }{
	{"SELECT 1+1", "SELECT 1 + 1"},
	{"select 1;", "SELECT 1"},
	{"select a, b from t", "SELECT a, b FROM t"},
	{"select distinct a from t", "SELECT DISTINCT a FROM t"},
	{"select all a from t", "SELECT a FROM t"},
	{"select a x, b as y, c `z w` from t", "SELECT a AS x, b AS y, c AS `z w` FROM t"},
	{"select * from t", "SELECT * FROM t"},
	{"select t.*, db.t.*, `q`.* from t", "SELECT t.*, db.t.*, q.* FROM t"},
	{"select t.a, db.t.a from db.t", "SELECT t.a, db.t.a FROM db.t"},
	{"select `a b`.`c` from `a b`", "SELECT `a b`.`c` FROM `a b`"},
	{"select `a``b` from t", "SELECT `a``b` FROM t"},
	{"select A, Bc from T", "SELECT A, Bc FROM T"},
	{"SELECT date, year, day, value, key, type, comment, month FROM t", "SELECT date, year, day, value, key, type, comment, month FROM t"},
	{"select year(d), month(d) from t", "SELECT year(d), month(d) FROM t"},
	{"select t.from, t.select from t", "SELECT t.from, t.select FROM t"},
	{"select 1 as from", "SELECT 1 AS `from`"},
	{"select a from date", "SELECT a FROM `date`"},
	{"select a from t as year", "SELECT a FROM t AS `year`"},
	{"select a from t where b = 1 group by a having count(*) > 1",
		"SELECT a FROM t WHERE b = 1 GROUP BY a HAVING count(*) > 1"},
	{"select a, count(*) from t group by 1 order by 2 desc", "SELECT a, count(*) FROM t GROUP BY 1 ORDER BY 2 DESC"},
	{"select a from t order by a asc nulls first, b desc nulls last, c", "SELECT a FROM t ORDER BY a NULLS FIRST, b DESC NULLS LAST, c"},
	{"select a from t limit 10", "SELECT a FROM t LIMIT 10"},
	{"select a from t limit all", "SELECT a FROM t"},
	{"select a from t limit 10 offset 5", "SELECT a FROM t LIMIT 10 OFFSET 5"},
	{"with a as (select 1), b as (select 2) select * from a, b", "WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b"},
	{"with a (x, y) as (select 1, 2) select x from a", "WITH a(x, y) AS (SELECT 1, 2) SELECT x FROM a"},
	{"with a (select 1) select * from a", "WITH a AS (SELECT 1) SELECT * FROM a"},
	{"select * from (select 1) t", "SELECT * FROM (SELECT 1) AS t"},
	{"select * from (select 1) as t (x)", "SELECT * FROM (SELECT 1) AS t(x)"},
	{"select * from (select 1)", "SELECT * FROM (SELECT 1)"},
	{"select * from ((select 1)) t", "SELECT * FROM ((SELECT 1)) AS t"},
	{"select * from t1 join t2 using (k)", "SELECT * FROM t1 JOIN t2 USING (k)"},
	{"select * from t1 join t2 using (k1, k2)", "SELECT * FROM t1 JOIN t2 USING (k1, k2)"},
	{"select * from t1 inner join t2 on t1.a = t2.a", "SELECT * FROM t1 JOIN t2 ON t1.a = t2.a"},
	{"select * from t1 left join t2 on a = b", "SELECT * FROM t1 LEFT JOIN t2 ON a = b"},
	{"select * from t1 left outer join t2 on a = b", "SELECT * FROM t1 LEFT JOIN t2 ON a = b"},
	{"select * from t1 right outer join t2 on a = b", "SELECT * FROM t1 RIGHT JOIN t2 ON a = b"},
	{"select * from t1 full outer join t2 on a = b", "SELECT * FROM t1 FULL JOIN t2 ON a = b"},
	{"select * from t1 full join t2 on a = b", "SELECT * FROM t1 FULL JOIN t2 ON a = b"},
	{"select * from t1 cross join t2", "SELECT * FROM t1 CROSS JOIN t2"},
	{"select * from t1 left semi join t2 on a = b", "SELECT * FROM t1 LEFT SEMI JOIN t2 ON a = b"},
	{"select * from t1 left anti join t2 on a = b", "SELECT * FROM t1 LEFT ANTI JOIN t2 ON a = b"},
	{"select * from t1 semi join t2 on a = b", "SELECT * FROM t1 LEFT SEMI JOIN t2 ON a = b"},
	{"select * from t1 anti join t2 on a = b", "SELECT * FROM t1 LEFT ANTI JOIN t2 ON a = b"},
	{"select * from t1 join t2", "SELECT * FROM t1 JOIN t2"},
	{"select * from t1 a join t2 b on a.x = b.x join t3 c on c.y = b.y",
		"SELECT * FROM t1 AS a JOIN t2 AS b ON a.x = b.x JOIN t3 AS c ON c.y = b.y"},
	{"select * from t1 join (t2 join t3 on x = y) on a = b", "SELECT * FROM t1 JOIN (t2 JOIN t3 ON x = y) ON a = b"},
	{"select * from (t1 join t2 on x = y) join t3 on a = b", "SELECT * FROM t1 JOIN t2 ON x = y JOIN t3 ON a = b"},
	{"select * from (t1) x", "SELECT * FROM t1 AS x"},
	{"select * from t1, t2 left join t3 on a = b", "SELECT * FROM t1, t2 LEFT JOIN t3 ON a = b"},
	{"select 1 union select 2", "SELECT 1 UNION SELECT 2"},
	{"select 1 union distinct select 2", "SELECT 1 UNION SELECT 2"},
	{"select 1 union all select 2 union all select 3", "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3"},
	{"select 1 except select 2", "SELECT 1 EXCEPT SELECT 2"},
	{"select 1 minus select 2", "SELECT 1 EXCEPT SELECT 2"},
	{"select 1 except all select 2", "SELECT 1 EXCEPT ALL SELECT 2"},
	{"select 1 intersect all select 2", "SELECT 1 INTERSECT ALL SELECT 2"},
	{"select 1 union select 2 intersect select 3", "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3"},
	{"(select 1) union all (select 2)", "(SELECT 1) UNION ALL (SELECT 2)"},
	{"(select a from t order by a limit 1) union all (select 2) order by 1 limit 5",
		"(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT 2) ORDER BY 1 LIMIT 5"},
	{"((select 1))", "((SELECT 1))"},
	{"select a from t union select b from u order by 1", "SELECT a FROM t UNION SELECT b FROM u ORDER BY 1"},
	{"values (1, 'a'), (2, 'b')", "VALUES (1, 'a'), (2, 'b')"},
	{"values 1, 2", "VALUES (1), (2)"},
	{"select * from values (1, 2), (3, 4) as t(a, b)", "SELECT * FROM VALUES (1, 2), (3, 4) AS t(a, b)"},
	{"select * from values (1), (2) t(a), u", "SELECT * FROM VALUES (1), (2) AS t(a), u"},
	{"select * from (values (1), (2)) as t(a)", "SELECT * FROM (VALUES (1), (2)) AS t(a)"},
	{"explain select 1", "EXPLAIN SELECT 1"},
	{"explain extended select 1", "EXPLAIN EXTENDED SELECT 1"},
	{"explain formatted select 1", "EXPLAIN FORMATTED SELECT 1"},
	{"explain analyze select 1", "EXPLAIN ANALYZE SELECT 1"},
	{"explain cost select 1", "EXPLAIN COST SELECT 1"},
	{"explain codegen select 1", "EXPLAIN CODEGEN SELECT 1"},
	// Predicates.
	{"select a from t where a is null and b is not null", "SELECT a FROM t WHERE a IS NULL AND b IS NOT NULL"},
	{"select a is unknown, a is not unknown", "SELECT a IS NULL, a IS NOT NULL"},
	{"select a is true, a is not false", "SELECT a IS TRUE, a IS NOT FALSE"},
	{"select a is not distinct from b", "SELECT a <=> b"},
	{"select a is distinct from b", "SELECT a IS DISTINCT FROM b"},
	{"select not (a <=> b)", "SELECT a IS DISTINCT FROM b"},
	{"select a in (1, 2, 3), a not in (4)", "SELECT a IN (1, 2, 3), a NOT IN (4)"},
	{"select a in (select b from u), a not in (select b from u)",
		"SELECT a IN (SELECT b FROM u), a NOT IN (SELECT b FROM u)"},
	{"select a in ((select 1), 2)", "SELECT a IN ((SELECT 1), 2)"},
	{"select a in ((select 1) union (select 2))", "SELECT a IN ((SELECT 1) UNION (SELECT 2))"},
	{"select exists (select 1), not exists (select 1)", "SELECT EXISTS (SELECT 1), NOT EXISTS (SELECT 1)"},
	{"select not not exists (select 1)", "SELECT NOT NOT EXISTS (SELECT 1)"},
	{"select a between 1 and 2, a not between 1 and 2", "SELECT a BETWEEN 1 AND 2, a NOT BETWEEN 1 AND 2"},
	{"select a between b + 1 and c * 2 and d", "SELECT a BETWEEN b + 1 AND c * 2 AND d"},
	{"select a like 'x%', a not like 'y' escape '!'", "SELECT a LIKE 'x%', a NOT LIKE 'y' ESCAPE '!'"},
	{"select a ilike 'x', a not ilike 'x'", "SELECT a ILIKE 'x', a NOT ILIKE 'x'"},
	{"select a rlike 'x.*', a regexp 'y', a not rlike 'z'", "SELECT a RLIKE 'x.*', a RLIKE 'y', a NOT RLIKE 'z'"},
	{"select (select max(x) from t) + 1", "SELECT (SELECT max(x) FROM t) + 1"},
	{"select ((select 1) + 1)", "SELECT (SELECT 1) + 1"},
	// Expressions.
	{"select case when a = 1 then 'x' when a = 2 then 'y' else 'z' end",
		"SELECT CASE WHEN a = 1 THEN 'x' WHEN a = 2 THEN 'y' ELSE 'z' END"},
	{"select case a when 1 then 'x' end", "SELECT CASE a WHEN 1 THEN 'x' END"},
	{"select if(a > 1, 'x', 'y')", "SELECT if(a > 1, 'x', 'y')"},
	{"select cast(a as int), cast(a as integer), cast(a as bigint), cast(a as long)",
		"SELECT CAST(a AS INT), CAST(a AS INT), CAST(a AS BIGINT), CAST(a AS BIGINT)"},
	{"select cast(a as decimal), cast(a as decimal(5)), cast(a as numeric(5, 2)), cast(a as dec(38,38))",
		"SELECT CAST(a AS DECIMAL(10,0)), CAST(a AS DECIMAL(5,0)), CAST(a AS DECIMAL(5,2)), CAST(a AS DECIMAL(38,38))"},
	{"select cast(a as varchar(10)), cast(a as char(2)), cast(a as string), cast(a as binary)",
		"SELECT CAST(a AS VARCHAR(10)), CAST(a AS VARCHAR(2)), CAST(a AS STRING), CAST(a AS BINARY)"},
	{"select cast(a as boolean), cast(a as byte), cast(a as short), cast(a as real), cast(a as double), cast(a as date), cast(a as timestamp)",
		"SELECT CAST(a AS BOOLEAN), CAST(a AS TINYINT), CAST(a AS SMALLINT), CAST(a AS FLOAT), CAST(a AS DOUBLE), CAST(a AS DATE), CAST(a AS TIMESTAMP)"},
	{"select try_cast(a as int)", "SELECT TRY_CAST(a AS INT)"},
	{"select count(distinct a, b), count(*), count(all a), count()", "SELECT count(DISTINCT a, b), count(*), count(a), count()"},
	{"select COUNT(a) filter (where b > 1)", "SELECT count(a) FILTER (WHERE b > 1)"},
	{"select `My Func`(a)", "SELECT `my func`(a)"},
	{"select `cast`(a), `exists`(a), `exists`((select 1))", "SELECT `cast`(a), exists(a), `exists`((SELECT 1))"},
	{"select left(a, 2), right(a, 2)", "SELECT left(a, 2), right(a, 2)"},
	{"select substring(a from 2 for 3), substring(a from 2), substr(a, 1, 2), substring(a, 1)",
		"SELECT substring(a, 2, 3), substring(a, 2), substr(a, 1, 2), substring(a, 1)"},
	{"select trim(a), trim(both from a), trim(leading from a), trim(trailing from a)",
		"SELECT trim(a), trim(a), ltrim(a), rtrim(a)"},
	{"select trim('x' from a), trim(both 'x' from a), trim(leading 'x' from a), trim(trailing 'x' from a)",
		"SELECT trim('x', a), trim('x', a), ltrim('x', a), rtrim('x', a)"},
	{"select position('a' in b), position('a', b, 2)", "SELECT position('a', b), position('a', b, 2)"},
	{"select extract(year from d), extract(Quarter from d), extract(doy from d)",
		"SELECT EXTRACT(YEAR FROM d), EXTRACT(QUARTER FROM d), EXTRACT(DOY FROM d)"},
	{"select current_date, current_timestamp, current_date()", "SELECT current_date(), current_timestamp(), current_date()"},
	{"select exists(arr, x)", "SELECT exists(arr, x)"},
	{"select substr(a from 1), `substr`(a, 1), `substring`(a)", "SELECT substring(a, 1), substr(a, 1), substring(a)"},
	{"select `trim`(both), `trim`(both + 1, x), trim(`both`), `position`(a in (b)), `position`(a in (b) and c), `position`(a not in (b))",
		"SELECT `trim`(both), `trim`(both + 1, x), trim(`both`), `position`(a IN (b)), `position`(a IN (b) AND c), position(a NOT IN (b))"},
	{"select `position`((a in (b)) + 1), `position`(a in (b) is null)",
		"SELECT position((a IN (b)) + 1), `position`(a IN (b) IS NULL)"},
	{"values (select 1), ((select 2)), ((select 3) + 1)", "VALUES (SELECT 1), ((SELECT 2)), ((SELECT 3) + 1)"},
	{"select interval '90' day, interval 90 days, interval '3' month, interval '1' year",
		"SELECT INTERVAL '90' DAY, INTERVAL '90' DAY, INTERVAL '3' MONTH, INTERVAL '1' YEAR"},
	{"select interval 1 year 2 months, interval -1 day, interval '1 day 2 hours'",
		"SELECT INTERVAL '1' YEAR '2' MONTH, INTERVAL '-1' DAY, INTERVAL '1' DAY '2' HOUR"},
	{"select interval '1-2' year to month, interval '1 10:30:00.5' day to second",
		"SELECT INTERVAL '1-2' YEAR TO MONTH, INTERVAL '1 10:30:00.5' DAY TO SECOND"},
	{"select interval from t", "SELECT interval FROM t"},
	{"select interval - 1 from t", "SELECT interval - 1 FROM t"},
	{"select date from t where date = date '2020-01-01'", "SELECT date FROM t WHERE date = DATE '2020-01-01'"},
	{"select a || b || 'c'", "SELECT a || b || 'c'"},
	{"select a div b, a % b, a / b", "SELECT a DIV b, a % b, a / b"},
	{"select a & b | c ^ d", "SELECT a & b | c ^ d"},
	{"select ~a, -a, +a, - -a, -(-1), -(1)", "SELECT ~a, -a, +a, - -a, - -1, -(1)"},
	{"select !a, not a", "SELECT NOT a, NOT a"},
	{"select a == b, a != b, a <> b", "SELECT a = b, a <> b, a <> b"},
	{"select a -- comment\n from t /* block\ncomment */ where b", "SELECT a FROM t WHERE b"},
	{"select /*+ BROADCAST(t) */ a from t", "SELECT a FROM t"},
}

func TestFormat(t *testing.T) {
	for _, tc := range formatCases {
		t.Run(tc.in, func(t *testing.T) {
			stmt := mustParse(t, tc.in)
			if got := Format(stmt); got != tc.want {
				t.Fatalf("Format(Parse(%q))\n got: %s\nwant: %s", tc.in, got, tc.want)
			}
			checkRoundTrip(t, tc.in, stmt)
		})
	}
}

// tree renders an expression fully parenthesized, in prefix form, so that
// tests see the exact tree shape.
func tree(e Expr) string {
	switch e := e.(type) {
	case *Binary:
		return "(" + e.Op.String() + " " + tree(e.Left) + " " + tree(e.Right) + ")"
	case *Unary:
		return "(" + e.Op.String() + " " + tree(e.X) + ")"
	case *IsNull:
		if e.Not {
			return "(ISNOTNULL " + tree(e.Expr) + ")"
		}
		return "(ISNULL " + tree(e.Expr) + ")"
	case *IsBool:
		return fmt.Sprintf("(IS%v%v %s)", map[bool]string{true: "NOT", false: ""}[e.Not], e.Value, tree(e.Expr))
	case *InList:
		s := "(IN"
		if e.Not {
			s = "(NOTIN"
		}
		s += " " + tree(e.Expr)
		for _, x := range e.List {
			s += " " + tree(x)
		}
		return s + ")"
	case *Between:
		op := "BETWEEN"
		if e.Not {
			op = "NOTBETWEEN"
		}
		return "(" + op + " " + tree(e.Expr) + " " + tree(e.Low) + " " + tree(e.High) + ")"
	case *Like:
		op := e.Kind.String()
		if e.Not {
			op = "NOT" + op
		}
		return "(" + op + " " + tree(e.Expr) + " " + tree(e.Pattern) + ")"
	case *FuncCall:
		s := e.Name + "("
		for k, a := range e.Args {
			if k > 0 {
				s += " "
			}
			s += tree(a)
		}
		return s + ")"
	case *Exists:
		if e.Not {
			return "(NOTEXISTS)"
		}
		return "(EXISTS)"
	}
	return e.String()
}

func parseExpr(t *testing.T, expr string) Expr {
	t.Helper()
	stmt := mustParse(t, "SELECT "+expr)
	checkRoundTrip(t, expr, stmt)
	sel := stmt.(*Query).Body.(*Select)
	if len(sel.Items) != 1 {
		t.Fatalf("%q: %d select items", expr, len(sel.Items))
	}
	return sel.Items[0].Expr
}

func TestPrecedence(t *testing.T) {
	cases := []struct{ in, want string }{
		{"1 + 2 * 3", "(+ 1 (* 2 3))"},
		{"1 * 2 + 3", "(+ (* 1 2) 3)"},
		{"1 - 2 - 3", "(- (- 1 2) 3)"},
		{"1 - (2 - 3)", "(- 1 (- 2 3))"},
		{"8 / 4 / 2", "(/ (/ 8 4) 2)"},
		{"a DIV b * c % d", "(% (* (DIV a b) c) d)"},
		{"a || b + c", "(+ (|| a b) c)"},
		{"a + b || c", "(|| (+ a b) c)"},
		{"a | b ^ c & d", "(| a (^ b (& c d)))"},
		{"a & b + c", "(& a (+ b c))"},
		{"a | b = c", "(= (| a b) c)"},
		{"a = b | c", "(= a (| b c))"},
		{"a OR b AND c", "(OR a (AND b c))"},
		{"a AND b OR c", "(OR (AND a b) c)"},
		{"NOT a AND b", "(AND (NOT a) b)"},
		{"NOT a = b", "(NOT (= a b))"},
		{"NOT a OR b", "(OR (NOT a) b)"},
		{"a AND NOT b", "(AND a (NOT b))"},
		{"NOT NOT a", "(NOT (NOT a))"},
		{"-a * b", "(* (- a) b)"},
		{"-a.b", "(- a.b)"},
		{"~a + 1", "(+ (~ a) 1)"},
		{"- 2 * 3", "(* -2 3)"},
		{"2 - -1", "(- 2 -1)"},
		{"a = 1 AND b < 2 OR c >= 3", "(OR (AND (= a 1) (< b 2)) (>= c 3))"},
		{"a IS NULL AND b", "(AND (ISNULL a) b)"},
		{"a + 1 IS NOT NULL", "(ISNOTNULL (+ a 1))"},
		{"NOT a IS NULL", "(NOT (ISNULL a))"},
		{"a = b IS NULL", "(ISNULL (= a b))"},
		{"a IS TRUE = b", "(= (IStrue a) b)"},
		{"a IN (1, 2) AND b", "(AND (IN a 1 2) b)"},
		{"a + 1 IN (1 + 1)", "(IN (+ a 1) (+ 1 1))"},
		{"NOT a IN (1)", "(NOT (IN a 1))"},
		{"a NOT IN (1) OR b", "(OR (NOTIN a 1) b)"},
		{"a BETWEEN 1 AND 2 AND b", "(AND (BETWEEN a 1 2) b)"},
		{"a BETWEEN 1 + 1 AND 2 * 3", "(BETWEEN a (+ 1 1) (* 2 3))"},
		{"a NOT BETWEEN b AND c OR d", "(OR (NOTBETWEEN a b c) d)"},
		{"a LIKE 'x' || 'y' AND b", "(AND (LIKE a (|| 'x' 'y')) b)"},
		{"a || 'b' LIKE c", "(LIKE (|| a 'b') c)"},
		{"a <=> b = c", "(= (<=> a b) c)"},
		{"a = b = c", "(= (= a b) c)"},
		{"a IS DISTINCT FROM b AND c", "(AND (NOT (<=> a b)) c)"},
		{"a IS NOT DISTINCT FROM b + 1", "(<=> a (+ b 1))"},
		{"NOT EXISTS (SELECT 1) AND a", "(AND (NOTEXISTS) a)"},
		{"NOT (EXISTS (SELECT 1))", "(NOTEXISTS)"},
		{"(a OR b) AND c", "(AND (OR a b) c)"},
		{"a * (b + c)", "(* a (+ b c))"},
		{"-(a + b)", "(- (+ a b))"},
		{"f(a + b, c) * 2", "(* f((+ a b) c) 2)"},
		{"date '1998-12-01' - interval '90' day", "(- DATE '1998-12-01' INTERVAL '90' DAY)"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := tree(parseExpr(t, tc.in)); got != tc.want {
				t.Fatalf("%s\n got: %s\nwant: %s", tc.in, got, tc.want)
			}
		})
	}
}

func dec(t *testing.T, s string, scale int32) decimal128.Num {
	t.Helper()
	n, err := decimal128.FromString(s, 38, scale)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLiteralTyping(t *testing.T) {
	cases := []struct {
		in         string
		kind       LitKind
		value      any
		prec, scal int
	}{
		{"0", LitInt, int32(0), 0, 0},
		{"1", LitInt, int32(1), 0, 0},
		{"2147483647", LitInt, int32(2147483647), 0, 0},
		{"-2147483648", LitInt, int32(-2147483648), 0, 0},
		{"- 2147483648", LitInt, int32(-2147483648), 0, 0},
		{"2147483648", LitBigInt, int64(2147483648), 0, 0},
		{"-2147483649", LitBigInt, int64(-2147483649), 0, 0},
		{"9223372036854775807", LitBigInt, int64(9223372036854775807), 0, 0},
		{"-9223372036854775808", LitBigInt, int64(-9223372036854775808), 0, 0},
		{"9223372036854775808", LitDecimal, dec(t, "9223372036854775808", 0), 19, 0},
		{"-9223372036854775809", LitDecimal, dec(t, "-9223372036854775809", 0), 19, 0},
		{"12345678901234567890123456789012345678", LitDecimal, dec(t, "12345678901234567890123456789012345678", 0), 38, 0},
		{"1L", LitBigInt, int64(1), 0, 0},
		{"-5l", LitBigInt, int64(-5), 0, 0},
		{"10S", LitSmallInt, int32(10), 0, 0},
		{"-32768S", LitSmallInt, int32(-32768), 0, 0},
		{"10Y", LitTinyInt, int32(10), 0, 0},
		{"-128y", LitTinyInt, int32(-128), 0, 0},
		{"1.5", LitDecimal, dec(t, "1.5", 1), 2, 1},
		{"1.50", LitDecimal, dec(t, "1.50", 2), 3, 2},
		{".5", LitDecimal, dec(t, "0.5", 1), 1, 1},
		{"5.", LitDecimal, dec(t, "5", 0), 1, 0},
		{"0.05", LitDecimal, dec(t, "0.05", 2), 2, 2},
		{"00.050", LitDecimal, dec(t, "0.050", 3), 3, 3},
		{"0.0", LitDecimal, dec(t, "0", 1), 1, 1},
		{"100.0", LitDecimal, dec(t, "100.0", 1), 4, 1},
		{"-1.25", LitDecimal, dec(t, "-1.25", 2), 3, 2},
		{"123.456", LitDecimal, dec(t, "123.456", 3), 6, 3},
		{"1BD", LitDecimal, dec(t, "1", 0), 1, 0},
		{"1.23BD", LitDecimal, dec(t, "1.23", 2), 3, 2},
		{"1e3BD", LitDecimal, dec(t, "1000", 0), 4, 0},
		{"1.5e-3BD", LitDecimal, dec(t, "0.0015", 4), 4, 4},
		{"1e10", LitDouble, 1e10, 0, 0},
		{"1E10", LitDouble, 1e10, 0, 0},
		{"1.5E-3", LitDouble, 1.5e-3, 0, 0},
		{"-2.5e+2", LitDouble, -250.0, 0, 0},
		{"1D", LitDouble, 1.0, 0, 0},
		{"1.5d", LitDouble, 1.5, 0, 0},
		{".5e1", LitDouble, 5.0, 0, 0},
		{"1.1F", LitFloat, float64(float32(1.1)), 0, 0},
		{"2f", LitFloat, 2.0, 0, 0},
		{"'abc'", LitString, "abc", 0, 0},
		{`"abc"`, LitString, "abc", 0, 0},
		{"'a' 'b' \"c\"", LitString, "abc", 0, 0},
		{"'it''s'", LitString, "it's", 0, 0},
		{`"say ""hi"""`, LitString, `say "hi"`, 0, 0},
		{`'a\nb\tc\'d\"e\\f'`, LitString, "a\nb\tc'd\"e\\f", 0, 0},
		{`'\u0041\u00e9'`, LitString, "Aé", 0, 0},
		{`'\ud83d\ude00'`, LitString, "😀", 0, 0},
		{`'\U0001F600'`, LitString, "😀", 0, 0},
		{`'\101\0\Z\b\r'`, LitString, "A\x00\x1a\b\r", 0, 0},
		{`'\q\é'`, LitString, "qé", 0, 0},
		{`'100\%' '\_'`, LitString, `100\%\_`, 0, 0},
		{`r'a\nb'`, LitString, `a\nb`, 0, 0},
		{`R"a\"`, LitString, `a\`, 0, 0},
		{"''", LitString, "", 0, 0},
		{"'multi\nline'", LitString, "multi\nline", 0, 0},
		{"X'0aFF'", LitBinary, []byte{0x0a, 0xff}, 0, 0},
		{"X'abc'", LitBinary, []byte{0x0a, 0xbc}, 0, 0},
		{"X''", LitBinary, []byte{}, 0, 0},
		{"true", LitBool, true, 0, 0},
		{"FALSE", LitBool, false, 0, 0},
		{"null", LitNull, nil, 0, 0},
		{"date '1970-01-01'", LitDate, arrow.Date32(0), 0, 0},
		{"DATE '1998-12-01'", LitDate, arrow.Date32(10561), 0, 0},
		{"date '2000-2-29'", LitDate, arrow.Date32(11016), 0, 0},
		{"date '1969-12-31'", LitDate, arrow.Date32(-1), 0, 0},
		{"date '0001-01-01'", LitDate, arrow.Date32(-719162), 0, 0},
		{"date ' 2020-01-01 '", LitDate, arrow.Date32(18262), 0, 0},
		{"timestamp '1970-01-01'", LitTimestamp, arrow.Timestamp(0), 0, 0},
		{"timestamp '1970-01-01 00:00:01'", LitTimestamp, arrow.Timestamp(1_000_000), 0, 0},
		{"timestamp '1970-01-02 03:04:05.123456'", LitTimestamp, arrow.Timestamp(97_445_123_456), 0, 0},
		{"timestamp '1970-01-01 00:00:00.5'", LitTimestamp, arrow.Timestamp(500_000), 0, 0},
		{"timestamp '1970-01-01 00:00:00.123456789'", LitTimestamp, arrow.Timestamp(123_456), 0, 0},
		{"timestamp '1970-01-01T01:00:00Z'", LitTimestamp, arrow.Timestamp(3_600_000_000), 0, 0},
		{"timestamp '1970-01-01 01:00:00+01:00'", LitTimestamp, arrow.Timestamp(0), 0, 0},
		{"timestamp '1970-01-01 00:00-0130'", LitTimestamp, arrow.Timestamp(5_400_000_000), 0, 0},
		{"timestamp '1969-12-31 23:59:59.999999'", LitTimestamp, arrow.Timestamp(-1), 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			lit, ok := parseExpr(t, tc.in).(*Literal)
			if !ok {
				t.Fatalf("%q is not a literal", tc.in)
			}
			if lit.Kind != tc.kind {
				t.Fatalf("%q: kind %v, want %v", tc.in, lit.Kind, tc.kind)
			}
			if !reflect.DeepEqual(lit.Value, tc.value) {
				t.Fatalf("%q: value %#v (%T), want %#v (%T)", tc.in, lit.Value, lit.Value, tc.value, tc.value)
			}
			if lit.Precision != tc.prec || lit.Scale != tc.scal {
				t.Fatalf("%q: decimal(%d, %d), want decimal(%d, %d)", tc.in, lit.Precision, lit.Scale, tc.prec, tc.scal)
			}
			if lit.Raw != tc.in {
				t.Fatalf("%q: Raw %q", tc.in, lit.Raw)
			}
		})
	}
}

func TestInterval(t *testing.T) {
	cases := []struct {
		in                string
		months, days      int32
		micros            int64
		yearMonth, dayTim bool
	}{
		{"interval '90' day", 0, 90, 0, false, true},
		{"interval 90 days", 0, 90, 0, false, true},
		{"interval '3' month", 3, 0, 0, true, false},
		{"interval '1' year", 12, 0, 0, true, false},
		{"interval 1 year 2 months", 14, 0, 0, true, false},
		{"interval -1 year", -12, 0, 0, true, false},
		{"interval '-1' year", -12, 0, 0, true, false},
		{"interval -'-1' year", 12, 0, 0, true, false},
		{"interval 2 weeks", 0, 14, 0, false, true},
		{"interval 1 hour 30 minutes", 0, 0, 5400 * 1_000_000, false, true},
		{"interval '1.5' second", 0, 0, 1_500_000, false, true},
		{"interval 1.000001 seconds", 0, 0, 1_000_001, false, true},
		{"interval 3 milliseconds 4 microseconds", 0, 0, 3004, false, true},
		{"interval 1 month 2 days", 1, 2, 0, false, false},
		{"interval '1 day 2 hours'", 0, 1, 7200 * 1_000_000, false, true},
		{"interval 'interval 1 year -1 month'", 11, 0, 0, true, false},
		{"interval '1-2' year to month", 14, 0, 0, true, false},
		{"interval '-1-2' year to month", -14, 0, 0, true, false},
		{"interval '1 10' day to hour", 0, 1, 10 * 3600 * 1_000_000, false, true},
		{"interval '1 10:30' day to minute", 0, 1, (10*3600 + 30*60) * 1_000_000, false, true},
		{"interval '-1 10:30:15.25' day to second", 0, -1, -((10*3600+30*60+15)*1_000_000 + 250_000), false, true},
		{"interval '25:30' hour to minute", 0, 0, (25*3600 + 30*60) * 1_000_000, false, true},
		{"interval '1:02:03' hour to second", 0, 0, 3723 * 1_000_000, false, true},
		{"interval '90:05.5' minute to second", 0, 0, (90*60+5)*1_000_000 + 500_000, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			iv, ok := parseExpr(t, tc.in).(*Interval)
			if !ok {
				t.Fatalf("%q is not an interval", tc.in)
			}
			if iv.Months != tc.months || iv.Days != tc.days || iv.Micros != tc.micros {
				t.Fatalf("%q: months %d days %d micros %d, want %d %d %d", tc.in, iv.Months, iv.Days, iv.Micros, tc.months, tc.days, tc.micros)
			}
			if iv.YearMonth() != tc.yearMonth || iv.DayTime() != tc.dayTim {
				t.Fatalf("%q: YearMonth %v DayTime %v", tc.in, iv.YearMonth(), iv.DayTime())
			}
		})
	}
}

// errorCases: input -> exact error message.
var errorCases = []struct{ in, want string }{
	{"", "syntax error at line 1, column 1: unexpected end of input, expected a query (SELECT, VALUES, WITH or '(')"},
	{"SELECT", "syntax error at line 1, column 7: unexpected end of input, expected an expression"},
	{"SELECT a\nFROM t\nWHERE x = (1 FROM", "syntax error at line 3, column 14: expected ')' but found 'FROM'"},
	{"SELECT 'abc", "syntax error at line 1, column 8: unterminated string literal"},
	{"SELECT a,\n  'abc\n\n", "syntax error at line 2, column 3: unterminated string literal"},
	{"SELECT CAST(a AS strng)", `syntax error at line 1, column 18: unknown type "strng"`},
	{"SELECT CAST(a AS text)", `syntax error at line 1, column 18: unknown type "text"`},
	{"SELECT CAST(a AS array)", `syntax error at line 1, column 18: type "array" is not supported`},
	{"SELECT CAST(a AS DECIMAL(39, 2))", "syntax error at line 1, column 18: decimal precision 39 out of range [1, 38]"},
	{"SELECT CAST(a AS DECIMAL(3, 4))", "syntax error at line 1, column 18: decimal scale 4 is larger than precision 3"},
	{"SELECT CAST(a AS VARCHAR)", "syntax error at line 1, column 25: expected '(' and a length after VARCHAR but found ')'"},
	{"SELECT CAST(a INT)", "syntax error at line 1, column 15: expected AS but found 'INT'"},
	{"SELECT 'é', 'ü' FRM t", "syntax error at line 1, column 21: expected end of input but found 't'"},
	{"SELECT sum(x) OVER (PARTITION BY y) FROM t", "syntax error at line 1, column 15: window functions (OVER) are not supported"},
	{"SELECT 1; SELECT 2", "syntax error at line 1, column 11: expected end of input but found 'SELECT'"},
	{"SELECT 1;;", "syntax error at line 1, column 10: expected end of input but found ';'"},
	{"SELECT DATE '2020-13-01'", "syntax error at line 1, column 13: invalid DATE literal '2020-13-01': expected 'yyyy-mm-dd'"},
	{"SELECT DATE '2019-02-29'", "syntax error at line 1, column 13: invalid DATE literal '2019-02-29': expected 'yyyy-mm-dd'"},
	{"SELECT TIMESTAMP '2020-01-01 25:00:00'", "syntax error at line 1, column 18: invalid TIMESTAMP literal '2020-01-01 25:00:00': expected 'yyyy-mm-dd[ hh:mm:ss[.ffffff]]'"},
	{"SELECT 1 FROM t WHERE", "syntax error at line 1, column 22: unexpected end of input, expected an expression"},
	{"SELECT 1 FROM", "syntax error at line 1, column 14: unexpected end of input, expected a table name or a subquery"},
	{"SELECT a FROM t GROUP a", "syntax error at line 1, column 23: expected BY but found 'a'"},
	{"SELECT a FROM t ORDER BY a NULLS", "syntax error at line 1, column 33: unexpected end of input, expected FIRST or LAST"},
	{"SELECT /* unterminated", "syntax error at line 1, column 8: unterminated comment"},
	{"SELECT `abc", "syntax error at line 1, column 8: unterminated quoted identifier"},
	{"SELECT ``", "syntax error at line 1, column 8: empty quoted identifier"},
	{"SELECT 12345678901234567890123456789012345678901", "syntax error at line 1, column 8: number literal 12345678901234567890123456789012345678901 exceeds the maximum decimal precision 38"},
	{"SELECT 0.000000000000000000000000000000000000001", "syntax error at line 1, column 8: number literal 0.000000000000000000000000000000000000001 exceeds the maximum decimal precision 38"},
	{"SELECT 128Y", "syntax error at line 1, column 8: number literal 128Y out of range for TINYINT"},
	{"SELECT -129Y", "syntax error at line 1, column 8: number literal -129Y out of range for TINYINT"},
	{"SELECT 32768S", "syntax error at line 1, column 8: number literal 32768S out of range for SMALLINT"},
	{"SELECT 9223372036854775808L", "syntax error at line 1, column 8: number literal 9223372036854775808L out of range for BIGINT"},
	{"SELECT 1e999", "syntax error at line 1, column 8: number literal 1e999 out of range for DOUBLE"},
	{"SELECT 1e39F", "syntax error at line 1, column 8: number literal 1e39F out of range for FLOAT"},
	{"SELECT 1.5L", "syntax error at line 1, column 8: invalid number literal '1.5L'"},
	{"SELECT 1.5abc", "syntax error at line 1, column 8: invalid number literal '1.5abc'"},
	{"SELECT X'12G'", "syntax error at line 1, column 8: invalid binary literal: '12G' is not hexadecimal"},
	{"SELECT a # b", "syntax error at line 1, column 10: unexpected character '#'"},
	{"SELECT a FROM t1 NATURAL JOIN t2", "syntax error at line 1, column 18: NATURAL JOIN is not supported"},
	{"SELECT a FROM t LATERAL VIEW explode(x) e", "syntax error at line 1, column 17: LATERAL is not supported"},
	{"SELECT a FROM t SORT BY a", "syntax error at line 1, column 17: SORT BY is not supported"},
	{"SELECT a FROM t WINDOW w AS (PARTITION BY a)", "syntax error at line 1, column 17: WINDOW is not supported"},
	{"SELECT a FROM range(10)", "syntax error at line 1, column 15: table-valued functions are not supported"},
	{"SELECT db.f(x)", "syntax error at line 1, column 8: qualified function names are not supported"},
	{"SELECT (a, b)", "syntax error at line 1, column 10: row values (a, b, ...) are not supported"},
	{"SELECT x IS 5", "syntax error at line 1, column 13: expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS but found '5'"},
	{"SELECT x IN 1", "syntax error at line 1, column 13: expected '(' after IN but found '1'"},
	{"SELECT x IN ()", "syntax error at line 1, column 14: expected an expression but found ')'"},
	{"SELECT x BETWEEN 1 OR 2", "syntax error at line 1, column 20: expected AND but found 'OR'"},
	{"SELECT x LIKE 'a' ESCAPE 1", "syntax error at line 1, column 26: expected a string literal after ESCAPE but found '1'"},
	{"SELECT x LIKE ANY ('a')", "syntax error at line 1, column 15: LIKE ANY is not supported"},
	{"SELECT CASE END", "syntax error at line 1, column 13: expected an expression but found 'END'"},
	{"SELECT CASE WHEN a THEN b", "syntax error at line 1, column 26: unexpected end of input, expected END"},
	{"SELECT CASE a ELSE b END", "syntax error at line 1, column 15: expected WHEN but found 'ELSE'"},
	{"SELECT a = NOT b", "syntax error at line 1, column 12: expected an expression but found 'NOT'"},
	{"SELECT a FROM", "syntax error at line 1, column 14: unexpected end of input, expected a table name or a subquery"},
	{"SELECT FROM t", "syntax error at line 1, column 8: expected an expression but found 'FROM'"},
	{"SELECT a, FROM t", "syntax error at line 1, column 11: expected an expression but found 'FROM'"},
	{"SELECT * FROM t1 JOIN t2 USING k", "syntax error at line 1, column 32: expected '(' but found 'k'"},
	{"SELECT * FROM t1 LEFT t2", "syntax error at line 1, column 23: expected JOIN but found 't2'"},
	{"SELECT 1 UNION", "syntax error at line 1, column 15: unexpected end of input, expected a query (SELECT, VALUES, WITH or '(')"},
	{"WITH a AS SELECT 1 SELECT 2", "syntax error at line 1, column 11: expected '(' but found 'SELECT'"},
	{"SELECT INTERVAL 1 FORTNIGHT", "syntax error at line 1, column 19: expected an interval unit (YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND) but found 'FORTNIGHT'"},
	{"SELECT INTERVAL '1.5' YEAR", "syntax error at line 1, column 17: invalid interval value '1.5' for YEAR: only SECOND may have a fraction"},
	{"SELECT INTERVAL 'x' DAY", "syntax error at line 1, column 17: invalid interval value 'x' for DAY"},
	{"SELECT INTERVAL '1 fortnight'", "syntax error at line 1, column 17: invalid interval string '1 fortnight': expected 'value unit [value unit ...]'"},
	{"SELECT INTERVAL '1-13' YEAR TO MONTH", "syntax error at line 1, column 17: invalid interval value '1-13' for YEAR TO MONTH"},
	{"SELECT INTERVAL '1 24:00' DAY TO MINUTE", "syntax error at line 1, column 17: invalid interval value '1 24:00' for DAY TO MINUTE: hour must be in [0, 23]"},
	{"SELECT INTERVAL '1' MONTH TO YEAR", "syntax error at line 1, column 17: invalid interval unit range MONTH TO YEAR"},
	{"SELECT INTERVAL 1 DAY TO HOUR", "syntax error at line 1, column 17: the value of an interval DAY TO HOUR must be a string"},
	{"SELECT INTERVAL 3000000000 MONTHS", "syntax error at line 1, column 17: interval value '3000000000' MONTH out of range"},
	{"SELECT a FROM (t1 JOIN t2) AS x", "syntax error at line 1, column 15: an alias is only allowed on a table name or a subquery, not on a parenthesized join"},
	{"VALUES (1, 2), (3)", "syntax error at line 1, column 17: VALUES row has 1 columns but the first row has 2"},
	{"EXPLAIN", "syntax error at line 1, column 8: unexpected end of input, expected a query (SELECT, VALUES, WITH or '(')"},
	{"EXPLAIN EXPLAIN SELECT 1", "syntax error at line 1, column 9: expected a query (SELECT, VALUES, WITH or '(') but found 'EXPLAIN'"},
	{"SELECT trim(BOTH 'a' a)", "syntax error at line 1, column 22: expected FROM but found 'a'"},
	{"SELECT extract(1 FROM d)", "syntax error at line 1, column 16: expected a field name (YEAR, MONTH, DAY, ...) but found '1'"},
	{"SELECT count(x) IGNORE NULLS", "syntax error at line 1, column 17: IGNORE NULLS is not supported"},
	{"SELECT TIMESTAMP '0000-01-01 00:00:00+01:00'", "syntax error at line 1, column 18: TIMESTAMP literal '0000-01-01 00:00:00+01:00' out of range [0000-01-01, 9999-12-31 23:59:59.999999] UTC"},
	{"SELECT 'a' 'b", "syntax error at line 1, column 12: unterminated string literal"},
	{"SELECT \xff", "syntax error at line 1, column 8: invalid UTF-8 in input"},
	{"SELECT a FROM t WHERE a = 'very long string literal that goes on and on' b",
		"syntax error at line 1, column 74: expected end of input but found 'b'"},
	{"SELECT a FROM t t2 t3", "syntax error at line 1, column 20: expected end of input but found 't3'"},
	{"SELECT a FROM t WHERE a IN (SELECT b FROM u", "syntax error at line 1, column 44: unexpected end of input, expected ')'"},
	{"\n\n   SELECT\tx\n\tFROM t WHERE )", "syntax error at line 4, column 15: expected an expression but found ')'"},
}

func TestErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.in, func(t *testing.T) {
			stmt, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded: %s", tc.in, Format(stmt))
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, not *Error", err, err)
			}
			if stmt != nil {
				t.Fatalf("Parse(%q) returned a statement with an error", tc.in)
			}
			if err.Error() != tc.want {
				t.Fatalf("Parse(%q)\n got: %s\nwant: %s", tc.in, err, tc.want)
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	nested := func(open, close string, n int) string {
		return "SELECT " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	// Within the limit.
	for _, sql := range []string{
		nested("(", ")", 900),
		nested("- ", "", 900),
		nested("NOT ", "", 900),
		nested("abs(", ")", 900),
	} {
		stmt := mustParse(t, sql)
		checkRoundTrip(t, sql[:20], stmt)
	}
	// Past it: a clear error, no stack overflow.
	for _, sql := range []string{
		nested("(", ")", 1000),
		nested("(", ")", 100_000),
		nested("- ", "", 100_000),
		nested("~", "", 5000),
		nested("NOT ", "", 5000),
		nested("f(", ")", 5000),
		nested("(SELECT ", ")", 2000),
		nested("CASE WHEN ", " THEN 1 END", 2000),
		"SELECT * FROM " + strings.Repeat("(", 5000) + "t" + strings.Repeat(")", 5000),
		strings.Repeat("(", 5000) + "SELECT 1" + strings.Repeat(")", 5000),
		strings.Repeat("SELECT * FROM (", 2000) + "SELECT 1" + strings.Repeat(")", 2000),
	} {
		_, err := Parse(sql)
		if err == nil || !strings.Contains(err.Error(), "nested too deeply (more than 1000 levels)") {
			t.Fatalf("%.40s...: error %v", sql, err)
		}
	}
	// Long flat chains are not nesting: they parse without limit.
	terms := make([]string, 20_000)
	for k := range terms {
		terms[k] = fmt.Sprintf("a%d = %d", k, k)
	}
	sql := "SELECT * FROM t WHERE " + strings.Join(terms, " OR ")
	stmt := mustParse(t, sql)
	checkRoundTrip(t, "long OR chain", stmt)
	list := "SELECT x IN (" + strings.Repeat("1, ", 50_000) + "1)"
	stmt = mustParse(t, list)
	if n := len(stmt.(*Query).Body.(*Select).Items[0].Expr.(*InList).List); n != 50_001 {
		t.Fatalf("IN list has %d items", n)
	}
}

func TestExactDepthError(t *testing.T) {
	// The query is level 1, the select item expression level 2, and every
	// parenthesis one more: the expression inside the 999th '(' is level
	// 1001, reported at its first token, the 1000th '(' (column 7 + 1000).
	sql := "SELECT " + strings.Repeat("(", 1000) + "1" + strings.Repeat(")", 1000)
	_, err := Parse(sql)
	want := "syntax error at line 1, column 1007: query is nested too deeply (more than 1000 levels)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestTPCH(t *testing.T) {
	for k, sql := range tpchQueries {
		t.Run(fmt.Sprintf("Q%d", k+1), func(t *testing.T) {
			stmt := mustParse(t, sql)
			q, ok := stmt.(*Query)
			if !ok || q.Body == nil {
				t.Fatalf("not a query: %T", stmt)
			}
			checkRoundTrip(t, sql, stmt)
		})
	}
	// Q1's exact canonical rendering.
	want := "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price, " +
		"sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, " +
		"avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order " +
		"FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY " +
		"GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus"
	if got := Format(mustParse(t, tpchQueries[0])); got != want {
		t.Fatalf("Q1\n got: %s\nwant: %s", got, want)
	}
	// Q13: derived table with column aliases over a LEFT OUTER JOIN.
	q13 := mustParse(t, tpchQueries[12]).(*Query).Body.(*Select)
	st := q13.From[0].(*SubqueryTable)
	if st.Alias != "c_orders" || !reflect.DeepEqual(st.Columns, []string{"c_custkey", "c_count"}) {
		t.Fatalf("Q13 derived table: %q %v", st.Alias, st.Columns)
	}
	j := st.Query.Body.(*Select).From[0].(*Join)
	if j.Type != JoinLeft || j.On == nil || j.Left.(*TableName).Parts[0] != "customer" {
		t.Fatalf("Q13 join: %s", j)
	}
	// Q22: both SUBSTRING syntaxes give the same call.
	q22 := mustParse(t, tpchQueries[21]).(*Query).Body.(*Select)
	inner := q22.From[0].(*SubqueryTable).Query.Body.(*Select)
	f1 := inner.Items[0].Expr.(*FuncCall)
	f2 := inner.Where.(*Binary).Left.(*Binary).Left.(*InList).Expr.(*FuncCall)
	if !equalTrees(f1, f2) {
		t.Fatalf("Q22 substring forms differ: %s vs %s", f1, f2)
	}
}

func TestASTShapes(t *testing.T) {
	t.Run("idents", func(t *testing.T) {
		sel := mustParse(t, "SELECT `My Col`, t.`x`, T.Y FROM t").(*Query).Body.(*Select)
		want := []*Ident{
			{Parts: []string{"My Col"}, Quoted: []bool{true}},
			{Parts: []string{"t", "x"}, Quoted: []bool{false, true}},
			{Parts: []string{"T", "Y"}, Quoted: []bool{false, false}},
		}
		for k, w := range want {
			got := sel.Items[k].Expr.(*Ident)
			got.At = Pos{}
			if !reflect.DeepEqual(got, w) {
				t.Fatalf("item %d: %#v, want %#v", k, got, w)
			}
		}
	})
	t.Run("stars", func(t *testing.T) {
		sel := mustParse(t, "SELECT *, t.*, db.`t 2`.*, a AS b FROM t").(*Query).Body.(*Select)
		if !sel.Items[0].Star || sel.Items[0].Qualifier != nil || sel.Items[0].Expr != nil {
			t.Fatalf("item 0: %+v", sel.Items[0])
		}
		if !sel.Items[1].Star || !reflect.DeepEqual(sel.Items[1].Qualifier, []string{"t"}) {
			t.Fatalf("item 1: %+v", sel.Items[1])
		}
		if !reflect.DeepEqual(sel.Items[2].Qualifier, []string{"db", "t 2"}) {
			t.Fatalf("item 2: %+v", sel.Items[2])
		}
		if sel.Items[3].Star || sel.Items[3].Alias != "b" {
			t.Fatalf("item 3: %+v", sel.Items[3])
		}
	})
	t.Run("query", func(t *testing.T) {
		q := mustParse(t, "WITH c (x) AS (SELECT 1) SELECT x FROM c ORDER BY x DESC NULLS FIRST LIMIT 3 OFFSET 1").(*Query)
		if len(q.With) != 1 || q.With[0].Name != "c" || !reflect.DeepEqual(q.With[0].Columns, []string{"x"}) {
			t.Fatalf("with: %+v", q.With)
		}
		o := q.OrderBy[0]
		if !o.Desc || o.NullsFirst == nil || !*o.NullsFirst {
			t.Fatalf("order item: %+v", o)
		}
		if q.Limit.(*Literal).Value != int32(3) || q.Offset.(*Literal).Value != int32(1) {
			t.Fatalf("limit/offset: %s %s", q.Limit, q.Offset)
		}
		q = mustParse(t, "SELECT 1 ORDER BY 1").(*Query)
		if q.OrderBy[0].NullsFirst != nil || q.OrderBy[0].Desc || q.Limit != nil || q.Offset != nil {
			t.Fatalf("defaults: %+v", q)
		}
	})
	t.Run("setops", func(t *testing.T) {
		q := mustParse(t, "SELECT 1 UNION ALL SELECT 2 EXCEPT SELECT 3 INTERSECT SELECT 4").(*Query)
		// ((1 UNION ALL 2) EXCEPT (3 INTERSECT 4))
		top := q.Body.(*SetOp)
		if top.Op != SetExcept || top.All {
			t.Fatalf("top: %s", top)
		}
		if l := top.Left.(*SetOp); l.Op != SetUnion || !l.All {
			t.Fatalf("left: %s", l)
		}
		if r := top.Right.(*SetOp); r.Op != SetIntersect || r.All {
			t.Fatalf("right: %s", r)
		}
		p := mustParse(t, "(SELECT 1 LIMIT 1) UNION SELECT 2").(*Query).Body.(*SetOp).Left.(*ParenQuery)
		if p.Query.Limit == nil {
			t.Fatalf("paren query lost its LIMIT")
		}
	})
	t.Run("joins", func(t *testing.T) {
		sel := mustParse(t, "SELECT * FROM a JOIN b ON x LEFT JOIN c USING (k) CROSS JOIN d, e").(*Query).Body.(*Select)
		if len(sel.From) != 2 {
			t.Fatalf("from: %d items", len(sel.From))
		}
		j3 := sel.From[0].(*Join)
		j2 := j3.Left.(*Join)
		j1 := j2.Left.(*Join)
		if j3.Type != JoinCross || j2.Type != JoinLeft || j1.Type != JoinInner {
			t.Fatalf("types: %v %v %v", j1.Type, j2.Type, j3.Type)
		}
		if !reflect.DeepEqual(j2.Using, []string{"k"}) || j2.On != nil || j1.On == nil {
			t.Fatalf("conditions: %s / %s", j1, j2)
		}
	})
	t.Run("functions", func(t *testing.T) {
		sel := mustParse(t, "SELECT COUNT(DISTINCT a, b), Count(*), sum(x) FILTER (WHERE y), trim(LEADING 'x' FROM s), position('a' IN s)").(*Query).Body.(*Select)
		f := sel.Items[0].Expr.(*FuncCall)
		if f.Name != "count" || !f.Distinct || len(f.Args) != 2 || f.Star {
			t.Fatalf("count distinct: %+v", f)
		}
		f = sel.Items[1].Expr.(*FuncCall)
		if f.Name != "count" || !f.Star || len(f.Args) != 0 {
			t.Fatalf("count(*): %+v", f)
		}
		f = sel.Items[2].Expr.(*FuncCall)
		if f.Filter == nil || f.Filter.(*Ident).Parts[0] != "y" {
			t.Fatalf("filter: %+v", f)
		}
		f = sel.Items[3].Expr.(*FuncCall)
		if f.Name != "ltrim" || len(f.Args) != 2 || f.Args[0].(*Literal).Value != "x" || f.Args[1].(*Ident).Parts[0] != "s" {
			t.Fatalf("trim: %s", f)
		}
		f = sel.Items[4].Expr.(*FuncCall)
		if f.Name != "position" || len(f.Args) != 2 || f.Args[0].(*Literal).Value != "a" {
			t.Fatalf("position: %s", f)
		}
	})
	t.Run("explain", func(t *testing.T) {
		e := mustParse(t, "EXPLAIN ANALYZE SELECT 1").(*Explain)
		if e.Mode != ExplainAnalyze {
			t.Fatalf("mode %v", e.Mode)
		}
		if _, ok := e.Stmt.(*Query); !ok {
			t.Fatalf("stmt %T", e.Stmt)
		}
	})
	t.Run("cast", func(t *testing.T) {
		c := parseExpr(t, "CAST(x AS decimal(12, 3))").(*Cast)
		if c.Type.Name != "decimal" || c.Type.Precision != 12 || c.Type.Scale != 3 || c.Try {
			t.Fatalf("%+v", c.Type)
		}
		c = parseExpr(t, "CAST(x AS char(5))").(*Cast)
		if c.Type.Name != "string" || c.Type.Length != 5 {
			t.Fatalf("%+v", c.Type)
		}
	})
	t.Run("case", func(t *testing.T) {
		c := parseExpr(t, "CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' END").(*Case)
		if c.Operand == nil || len(c.Whens) != 2 || c.Else != nil {
			t.Fatalf("%s", c)
		}
		c = parseExpr(t, "CASE WHEN x THEN 1 ELSE 2 END").(*Case)
		if c.Operand != nil || len(c.Whens) != 1 || c.Else == nil {
			t.Fatalf("%s", c)
		}
	})
	t.Run("like escape", func(t *testing.T) {
		l := parseExpr(t, `x NOT LIKE 'a!%' ESCAPE '!'`).(*Like)
		if !l.Not || l.Kind != PatternLike || l.Escape.(*Literal).Value != "!" {
			t.Fatalf("%s", l)
		}
	})
}

func TestPositions(t *testing.T) {
	sql := "SELECT a,\n  b + 1 AS x,\n\t'é' || c\nFROM t1 JOIN t2 ON t1.k = t2.k\nWHERE d IS NULL"
	q := mustParse(t, sql).(*Query)
	sel := q.Body.(*Select)
	check := func(name string, n Node, line, col int) {
		t.Helper()
		if p := n.Pos(); p.Line != line || p.Col != col {
			t.Errorf("%s at %v, want line %d, column %d", name, p, line, col)
		}
		if p := n.Pos(); !strings.HasPrefix(sql[p.Offset:], "") || p.Offset < 0 || p.Offset > len(sql) {
			t.Errorf("%s: bad offset %d", name, p.Offset)
		}
	}
	check("query", q, 1, 1)
	check("select", sel, 1, 1)
	check("item a", sel.Items[0], 1, 8)
	check("a", sel.Items[0].Expr, 1, 8)
	check("b + 1", sel.Items[1].Expr, 2, 3)
	check("1", sel.Items[1].Expr.(*Binary).Right, 2, 7)
	check("concat", sel.Items[2].Expr, 3, 2)
	check("c", sel.Items[2].Expr.(*Binary).Right, 3, 9)
	j := sel.From[0].(*Join)
	check("join", j, 4, 6)
	check("t2", j.Right, 4, 14)
	check("on", j.On, 4, 20)
	check("where", sel.Where, 5, 7)
	// Offsets are byte offsets: 'é' is two bytes.
	if off := sel.Items[2].Expr.(*Binary).Right.Pos().Offset; sql[off] != 'c' {
		t.Errorf("offset %d points at %q", off, sql[off])
	}
	e := mustParse(t, "EXPLAIN SELECT 1").(*Explain)
	check("explain", e, 1, 1)
	check("explained query", e.Stmt, 1, 9)
}

// TestNodeStrings checks that every node renders and reports a position.
func TestNodeStrings(t *testing.T) {
	q := mustParse(t, `WITH c AS (SELECT 1) SELECT x, CASE WHEN a THEN b END, CAST(a AS INT),
		EXTRACT(YEAR FROM d), INTERVAL '1' DAY, a IS TRUE, a IN (SELECT 1), EXISTS (SELECT 1), (SELECT 1),
		a BETWEEN 1 AND 2, a LIKE 'x', -a, a + 1, a IS NULL, a IN (1), f(x)
		FROM t JOIN (SELECT 1) s ON TRUE, VALUES (1) v ORDER BY 1`).(*Query)
	var nodes []Node
	nodes = append(nodes, q, q.With[0], q.OrderBy[0], q.Body)
	sel := q.Body.(*Select)
	for _, it := range sel.Items {
		nodes = append(nodes, it, it.Expr)
	}
	for _, f := range sel.From {
		nodes = append(nodes, f)
	}
	j := sel.From[0].(*Join)
	nodes = append(nodes, j.Left, j.Right, sel.Items[1].Expr.(*Case).Whens[0], sel.Items[2].Expr.(*Cast).Type)
	for _, n := range nodes {
		if n.String() == "" {
			t.Errorf("%T renders empty", n)
		}
		if !n.Pos().IsValid() {
			t.Errorf("%T %s has no position", n, n)
		}
	}
	if got := sel.Items[1].Expr.(*Case).Whens[0].String(); got != "WHEN a THEN b" {
		t.Errorf("When: %s", got)
	}
	if got := sel.Items[2].Expr.(*Cast).Type.String(); got != "INT" {
		t.Errorf("TypeName: %s", got)
	}
	u := mustParse(t, "SELECT 1 UNION (SELECT 2)").(*Query).Body.(*SetOp)
	if u.String() != "SELECT 1 UNION (SELECT 2)" || u.Right.String() != "(SELECT 2)" {
		t.Errorf("set op renders %q / %q", u, u.Right)
	}
	if Format(nil) != "" {
		t.Errorf("Format(nil) not empty")
	}
}

// TestFormatConstructed checks rendering of trees built by code, which may
// need parentheses the parser would have recorded differently.
func TestFormatConstructed(t *testing.T) {
	one := &Literal{Kind: LitInt, Value: int32(1)}
	a := &Ident{Parts: []string{"a"}}
	cases := []struct {
		e    Expr
		want string
	}{
		{&Binary{Op: OpSub, Left: a, Right: &Binary{Op: OpSub, Left: a, Right: one}}, "a - (a - 1)"},
		{&Binary{Op: OpMul, Left: &Binary{Op: OpAdd, Left: a, Right: one}, Right: a}, "(a + 1) * a"},
		{&Unary{Op: OpNeg, X: one}, "-(1)"},
		{&Unary{Op: OpNeg, X: &Unary{Op: OpNeg, X: a}}, "- -a"},
		{&Unary{Op: OpNot, X: &Binary{Op: OpOr, Left: a, Right: a}}, "NOT (a OR a)"},
		{&Ident{Parts: []string{"select", "from"}}, "`select`.`from`"},
		{&Ident{Parts: []string{"1x"}}, "`1x`"},
		{&FuncCall{Name: "cast", Args: []Expr{a}}, "`cast`(a)"},
		{&FuncCall{Name: "my func", Args: []Expr{a}}, "`my func`(a)"},
		{&Literal{Kind: LitString, Value: "a'b\\c\x00\n"}, `'a\'b\\c\u0000\n'`},
		{&Literal{Kind: LitDouble, Value: 1e100}, "1E100D"},
		{&Literal{Kind: LitDouble, Value: 1.5e-7}, "1.5E-07D"},
		{&Literal{Kind: LitDecimal, Value: decimal128.FromI64(-5), Precision: 3, Scale: 2}, "-0.05"},
		{&Literal{Kind: LitTimestamp, Value: arrow.Timestamp(-1)}, "TIMESTAMP '1969-12-31 23:59:59.999999'"},
		{&Between{Expr: a, Low: &Binary{Op: OpAnd, Left: a, Right: a}, High: one}, "a BETWEEN (a AND a) AND 1"},
	}
	for _, tc := range cases {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
		if _, err := Parse("SELECT " + tc.e.String()); err != nil {
			t.Errorf("rendering %s does not parse: %v", tc.e, err)
		}
	}
	s := &SetOp{Op: SetIntersect, Left: &Select{Items: []SelectItem{{Expr: one}}},
		Right: &SetOp{Op: SetUnion, Left: &Select{Items: []SelectItem{{Expr: one}}}, Right: &Select{Items: []SelectItem{{Expr: one}}}}}
	if got := Format(&Query{Body: s}); got != "SELECT 1 INTERSECT (SELECT 1 UNION SELECT 1)" {
		t.Errorf("set op: %s", got)
	}
}

func BenchmarkParseTPCHQ1(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(tpchQueries[0])))
	for b.Loop() {
		if _, err := Parse(tpchQueries[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTPCHAll(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for _, q := range tpchQueries {
		n += len(q)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, q := range tpchQueries {
			if _, err := Parse(q); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkFormatTPCHQ1(b *testing.B) {
	stmt, err := Parse(tpchQueries[0])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Format(stmt)
	}
}

func TestInspect(t *testing.T) {
	stmt := mustParse(t, tpchQueries[1]) // Q2: one scalar subquery
	counts := map[string]int{}
	Inspect(stmt, func(n Node) bool {
		counts[fmt.Sprintf("%T", n)]++
		return true
	})
	want := map[string]int{"*parser.ScalarSubquery": 1, "*parser.Select": 2, "*parser.Query": 2,
		"*parser.TableName": 9, "parser.OrderItem": 4, "parser.SelectItem": 9, "*parser.FuncCall": 1}
	for typ, n := range want {
		if counts[typ] != n {
			t.Errorf("%s: %d, want %d (all: %v)", typ, counts[typ], n, counts)
		}
	}
	// Skipping children: do not enter subqueries.
	outer := 0
	Inspect(stmt, func(n Node) bool {
		if _, ok := n.(*Select); ok {
			outer++
		}
		_, sub := n.(*ScalarSubquery)
		return !sub
	})
	if outer != 1 {
		t.Errorf("visited %d SELECT blocks outside subqueries, want 1", outer)
	}
	// Every parsed node carries a position.
	for k, sql := range append(append([]string{}, tpchQueries...), trickyCases...) {
		Inspect(mustParse(t, sql), func(n Node) bool {
			if !n.Pos().IsValid() {
				t.Errorf("query %d: %T %s has no position", k, n, n)
			}
			return true
		})
	}
	Inspect(nil, func(Node) bool { t.Fatal("visited nil"); return true })
	Inspect((*Query)(nil), func(Node) bool { t.Fatal("visited nil *Query"); return true })
}

func TestDiffTrees(t *testing.T) {
	a := mustParse(t, "SELECT a + 1 FROM t")
	b := mustParse(t, "\n  SELECT a+1 FROM t")
	if d := diffTrees(a, b); d != "" {
		t.Fatalf("positions should not matter: %s", d)
	}
	c := mustParse(t, "SELECT a + 2 FROM t")
	want := "tree.Body.Items[0].Expr.Right.Value: 1 vs 2"
	if d := diffTrees(a, c); d != want {
		t.Fatalf("diff %q, want %q", d, want)
	}
	if d := diffTrees(mustParse(t, "SELECT 1.50"), mustParse(t, "SELECT 1.5")); d == "" {
		t.Fatalf("decimal scale difference not detected")
	}
}
