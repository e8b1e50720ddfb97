package parser

import "testing"

// trickyCases are inputs at the edges of the grammar: each must parse and
// round-trip.
var trickyCases = []string{
	"SELECT interval + 1 day",
	"SELECT (interval) + 1 day",
	"SELECT x FROM t day",
	"SELECT 1e, 1e2e, 1dx, 2_a, 1 e, 1.5 e",
	"SELECT `a`.`b`.*, a.b.*",
	"SELECT * FROM `a`.`b` `c`",
	"SELECT a FROM t WHERE NOT NOT NOT a",
	"SELECT - - - 1, ~-1, -~1, +-+1, - -a, -(-(a))",
	"SELECT 'a' 'b' 'c' AS x, date '2020-' '01-01'",
	"SELECT a IS NOT DISTINCT FROM b IS DISTINCT FROM c",
	"SELECT a <=> b IS NULL, NOT a IS DISTINCT FROM b",
	"SELECT (a IS DISTINCT FROM b) IS DISTINCT FROM c, a = (b IS DISTINCT FROM c)",
	"SELECT a BETWEEN (b IS DISTINCT FROM c) AND d",
	"SELECT CASE WHEN a THEN b END IS NULL",
	"SELECT x LIKE y ESCAPE 'a' 'b'",
	"SELECT count(*) FILTER (WHERE x) AS c",
	"SELECT `a`(1), current_date(), exists, cast, trim, extract, position, substring",
	"WITH a AS (SELECT 1) (SELECT * FROM a)",
	"WITH a AS (SELECT 1) VALUES (1)",
	"(WITH a AS (SELECT 1) SELECT * FROM a) UNION SELECT 2",
	"SELECT * FROM (WITH a AS (SELECT 1) SELECT * FROM a) x",
	"SELECT (WITH a AS (SELECT 1) SELECT * FROM a)",
	"SELECT a FROM t WHERE a IN (1) IN (2)",
	"SELECT a IN (1) = b IN (2)",
	"SELECT 9223372036854775807L, -9223372036854775808L, -(9223372036854775808)",
	"SELECT -0.0, -0.0D, -0, 0.000, 1.0E-7BD, 4.9e-324, 1e-400, 3.4028235e38F",
	"SELECT '\\u0000\\u001f\\x7f', '\\\\%', 'tab\there'",
	"SELECT X'', X'A', x'ab'",
	"SELECT a FROM t WHERE a = 1 LIMIT 1 + 1 OFFSET (SELECT 1)",
	"SELECT * FROM t1 JOIN (t2 LEFT JOIN (t3 CROSS JOIN t4) ON a) ON b",
	"SELECT * FROM ((t1))",
	"SELECT * FROM (((SELECT 1)) UNION ((SELECT 2))) x",
	"SELECT * FROM VALUES (1), ((SELECT 1)), (SELECT 2) + 1 v",
	"VALUES (SELECT 1) UNION VALUES 1",
	"SELECT interval '1' day day, interval 1 hour hour",
	"SELECT date.x, timestamp.y, interval.z, t.date, date",
	"SELECT a AS `select`, b `from`",
	"SELECT trim(both ',' from trim(leading from x)), substring(substring(x from 1) from 2 for 3)",
	"SELECT position((a IN (b)) IN c)",
	"SELECT `trim`(both, 1), `trim`(leading), `trim`(trailing)",
	"SELECT year(`date`), `year`(date)",
	"SELECT EXTRACT(from FROM d), EXTRACT(day FROM d)",
	"SELECT 1a.b, a1.`2`",
	"SELECT \u00e9t\u00e9, \u0663x FROM caf\u00e9",
	"SELECT a\u00a0FROM\u2003t",
	"SELECT 1 -- trailing comment",
	"SELECT 1 /* c */;",
	"SELECT a FROM t GROUP BY a, b HAVING a > 1 AND b < 2 ORDER BY a DESC NULLS LAST, b ASC NULLS FIRST LIMIT ALL OFFSET 3",
	"SELECT - INTERVAL '1' DAY, -DATE '2020-01-01', NOT TRUE, ~X'01'",
	"EXPLAIN VALUES (1)",
	"SELECT CAST(CAST(1 AS string) AS varchar(2)), TRY_CAST('1' AS dec)",
	"SELECT a NOT LIKE b ESCAPE '\\\\', a NOT ILIKE b, a NOT REGEXP b",
	"SELECT (SELECT 1) IN ((SELECT 1), (SELECT 2))",
	"SELECT EXISTS ((SELECT 1)), EXISTS (SELECT 1) = TRUE, NOT EXISTS (SELECT 1) IS NULL",
	"SELECT timestamp '2020-01-01 00:00:00.1', timestamp '9999-12-31 23:59:59.999999', date '0000-01-01'",
}

func TestRoundTripTricky(t *testing.T) {
	for _, sql := range trickyCases {
		t.Run(sql, func(t *testing.T) {
			checkRoundTrip(t, sql, mustParse(t, sql))
		})
	}
}
