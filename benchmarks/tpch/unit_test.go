package tpch

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestQueries(t *testing.T) {
	interval := regexp.MustCompile(`(?i)interval\s+'(\d+)'\s+(\w+)`)
	for n := 1; n <= QueryCount; n++ {
		q, err := Query(n)
		if err != nil {
			t.Fatalf("Query(%d): %v", n, err)
		}
		if !strings.HasPrefix(q, "select") && !strings.HasPrefix(q, "with") {
			t.Errorf("Q%d does not start with select or with: %.30q", n, q)
		}
		if strings.HasSuffix(q, ";") || strings.TrimSpace(q) != q || strings.Contains(q, ";") {
			t.Errorf("Q%d has a semicolon or surrounding space", n)
		}
		// Intervals are written interval 'N' unit with a singular unit.
		for _, m := range interval.FindAllStringSubmatch(q, -1) {
			if u := strings.ToLower(m[2]); u != "day" && u != "month" && u != "year" {
				t.Errorf("Q%d: interval unit %q", n, m[2])
			}
		}
		if strings.Count(q, "interval") != len(interval.FindAllString(q, -1)) {
			t.Errorf("Q%d: an interval is not written interval 'N' unit", n)
		}
		for _, bad := range []string{"::", "date_add", "dateadd", "`", "\"", "create view", "top "} {
			if strings.Contains(strings.ToLower(q), bad) {
				t.Errorf("Q%d contains %q", n, bad)
			}
		}
		if strings.Count(q, "(") != strings.Count(q, ")") {
			t.Errorf("Q%d: unbalanced parentheses", n)
		}
	}
	q15, _ := Query(15)
	if !strings.HasPrefix(q15, "with revenue0 as (") {
		t.Errorf("Q15 does not define revenue0 in a WITH clause")
	}
	// The validation parameters of a few queries.
	for n, param := range map[int]string{
		1: "interval '90' day", 2: "p_size = 15", 3: "'BUILDING'", 5: "'ASIA'", 7: "'FRANCE'",
		8: "'ECONOMY ANODIZED STEEL'", 9: "'%green%'", 11: "0.0001000000", 13: "'%special%requests%'",
		16: "'Brand#45'", 17: "'MED BOX'", 18: "> 300", 19: "'Brand#34'", 20: "'forest%'",
		21: "'SAUDI ARABIA'", 22: "('13', '31', '23', '29', '30', '18', '17')",
	} {
		if q, _ := Query(n); !strings.Contains(q, param) {
			t.Errorf("Q%d lacks %s", n, param)
		}
	}
	for _, n := range []int{0, -1, 23} {
		if _, err := Query(n); !errors.Is(err, ErrUnknownQuery) {
			t.Errorf("Query(%d): %v, want ErrUnknownQuery", n, err)
		}
	}
}

func TestTextPool(t *testing.T) {
	const size = 1 << 20
	a, b := newTextPool(size), newTextPool(size)
	if len(a) != size || string(a) != string(b) {
		t.Fatal("the text pool is not deterministic or not of the requested size")
	}
	// Every word comes from the grammar's lists.
	vocab := map[string]bool{"the": true}
	for _, list := range [][]wordWeight{nouns, verbs, adjectives, adverbs, prepositions, auxiliaries} {
		for _, w := range list {
			for _, part := range strings.Fields(w.word) {
				vocab[part] = true
			}
		}
	}
	words := strings.Fields(string(a))
	for i, w := range words[1 : len(words)-1] { // the pool's ends may cut a word
		if !vocab[strings.TrimRight(w, ".;:?!-,")] {
			t.Fatalf("word %d %q is not in the grammar's lists", i+1, w)
		}
	}
	// Weighted picks: "packages" (weight 40) is far more frequent than
	// "sauternes" (weight 1); sentences end with a period most of the time.
	text := string(a)
	if p, s := strings.Count(text, "packages"), strings.Count(text, "sauternes"); p < 20*s || s == 0 {
		t.Errorf("packages %d times, sauternes %d times", p, s)
	}
	if dots, others := strings.Count(text, ". "), strings.Count(text, "; "); dots < 20*others || others == 0 {
		t.Errorf("%d periods and %d semicolons", dots, others)
	}
	// Picks stay inside the pool and within the lengths.
	r := rowRNG(1, 2)
	for range 10000 {
		s := a.pick(&r, 49, 198)
		if len(s) < 49 || len(s) > 198 {
			t.Fatalf("picked %d bytes", len(s))
		}
	}
}

func TestRNG(t *testing.T) {
	// Rows are independent of each other and reproducible.
	r1, r2 := rowRNG(42, 7), rowRNG(42, 7)
	for range 100 {
		if r1.next() != r2.next() {
			t.Fatal("same row, different numbers")
		}
	}
	if a, b := rowRNG(42, 7), rowRNG(42, 8); a.s == b.s {
		t.Fatal("neighboring rows share a state")
	}
	// between stays in bounds and reaches both ends.
	r := rowRNG(3, 4)
	var seen [11]int
	for range 110000 {
		v := r.between(0, 10)
		if v < 0 || v > 10 {
			t.Fatalf("between(0, 10) = %d", v)
		}
		seen[v]++
	}
	for v, n := range seen {
		if n < 9000 || n > 11000 {
			t.Errorf("value %d drawn %d times of 110000, want about 10000", v, n)
		}
	}
	if v := r.between(-99999, -99999); v != -99999 {
		t.Errorf("between on one value = %d", v)
	}
}

func TestHelpers(t *testing.T) {
	for _, tc := range []struct {
		n     int64
		width int
		want  string
	}{{1, 9, "000000001"}, {123456789, 9, "123456789"}, {7, 2, "07"}, {0, 3, "000"}, {1234, 2, "1234"}} {
		if got := string(appendPadded(nil, tc.n, tc.width)); got != tc.want {
			t.Errorf("appendPadded(%d, %d) = %q, want %q", tc.n, tc.width, got, tc.want)
		}
	}
	for i, want := range []int64{1, 2, 3, 4, 5, 6, 7, 32, 33, 34, 35, 36, 37, 38, 39, 64} {
		if got := orderKey(int64(i)); got != want {
			t.Errorf("orderKey(%d) = %d, want %d", i, got, want)
		}
	}
	for d, want := range []int64{1, 2, 4, 5, 7, 8, 10} {
		if got := customerOfDraw(int64(d)); got != want {
			t.Errorf("customerOfDraw(%d) = %d, want %d", d, got, want)
		}
	}
	for _, tc := range []struct{ key, want int64 }{{1, 90100}, {1000, 90100}, {999, 189999}, {200000, 110000}} {
		if got := retailPrice(tc.key); got != tc.want {
			t.Errorf("retailPrice(%d) = %d, want %d", tc.key, got, tc.want)
		}
	}
}
