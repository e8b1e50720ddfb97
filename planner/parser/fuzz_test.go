package parser

import (
	"errors"
	"testing"
)

// FuzzParse checks that no input makes the parser panic or return a bad
// error, and that every input that parses renders to SQL that parses back to
// the same rendering and the same tree.
//
//	go test -fuzz=FuzzParse ./planner/parser
func FuzzParse(f *testing.F) {
	for _, q := range tpchQueries {
		f.Add(q)
	}
	for _, tc := range formatCases {
		f.Add(tc.in)
	}
	for _, tc := range errorCases {
		f.Add(tc.in)
	}
	for _, sql := range trickyCases {
		f.Add(sql)
	}
	for _, e := range []string{
		"1 + 2 * 3", "a IS DISTINCT FROM b", "-(-1)", "interval '1 10:30:00.5' day to second",
		"x'0AFF'", `'\u0041\101'`, "date '2020-02-29'", "timestamp '2020-01-01T10:00:00+01:00'",
		"a NOT BETWEEN 1 AND 2", "NOT EXISTS (SELECT 1)", "((SELECT 1) + 1)", "1.5e3BD",
	} {
		f.Add("SELECT " + e)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmt, err := Parse(sql)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if pe.Line < 1 || pe.Col < 1 || pe.Msg == "" {
				t.Fatalf("bad error position or message: %#v", pe)
			}
			if stmt != nil {
				t.Fatalf("statement returned with an error")
			}
			return
		}
		out := Format(stmt)
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("rendering does not parse: %v\ninput:     %q\nrendering: %q", err, sql, out)
		}
		if out2 := Format(again); out2 != out {
			t.Fatalf("rendering not stable\ninput:  %q\nfirst:  %q\nsecond: %q", sql, out, out2)
		}
		if d := diffTrees(stmt, again); d != "" {
			t.Fatalf("round trip changed the tree: %s\ninput:     %q\nrendering: %q", d, sql, out)
		}
	})
}
