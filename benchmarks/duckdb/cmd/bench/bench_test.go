package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
	xs := []float64{3, 1, 2}
	median(xs)
	if !slices.Equal(xs, []float64{3, 1, 2}) {
		t.Errorf("median reordered its argument: %v", xs)
	}
}

func TestParseQueries(t *testing.T) {
	qs, err := parseQueries("1, 6,22")
	if err != nil || !slices.Equal(qs, []int{1, 6, 22}) {
		t.Errorf("parseQueries = %v, %v", qs, err)
	}
	for _, bad := range []string{"", "0", "23", "1,x", "1,,6"} {
		if _, err := parseQueries(bad); err == nil {
			t.Errorf("parseQueries(%q) succeeded", bad)
		}
	}
}

func TestConfFlags(t *testing.T) {
	c := confFlags{}
	if err := c.Set("a.b=1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("c=x=y"); err != nil {
		t.Fatal(err)
	}
	if c["a.b"] != "1" || c["c"] != "x=y" {
		t.Errorf("conf = %v", c)
	}
	for _, bad := range []string{"novalue", "=v"} {
		if err := c.Set(bad); err == nil {
			t.Errorf("Set(%q) succeeded", bad)
		}
	}
	if got := confText(c); got != " plus a.b=1, c=x=y" {
		t.Errorf("confText = %q", got)
	}
}

func TestTable(t *testing.T) {
	var b strings.Builder
	table(&b, []string{"a", "b"}, [][]string{{"1", "2"}})
	if want := "| a | b |\n|---|---|\n| 1 | 2 |\n"; b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestPeakRSS(t *testing.T) {
	kib, err := peakRSSKiB()
	if err != nil || kib <= 0 {
		t.Errorf("peakRSSKiB = %d, %v", kib, err)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"nope"},
		{"tpch", "--runs", "0"},
		{"tpch", "--queries", "99"},
		{"tpch", "extra"},
		{"scan", "--threads", "0"},
		{"child", "--engine", "other", "--query", "1"},
		{"child", "--query", "0"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
