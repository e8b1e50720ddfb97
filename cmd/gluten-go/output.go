package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
)

// cellText renders one value as text; ok is false for NULL.
func cellText(arr arrow.Array, i int) (string, bool, error) {
	if arr.IsNull(i) {
		return "", false, nil
	}
	v, err := expr.ValueAt(arr, i)
	if err != nil {
		return "", false, err
	}
	return columnar.FormatValue(v, arr.DataType()), true, nil
}

// writeResult writes every batch of rdr in format and returns the row count.
func writeResult(w io.Writer, rdr array.RecordReader, format string) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	defer bw.Flush()
	switch format {
	case "csv":
		return writeCSV(bw, rdr)
	case "json":
		return writeJSON(bw, rdr)
	}
	return writeTable(bw, rdr)
}

func writeCSV(w io.Writer, rdr array.RecordReader) (int64, error) {
	cw := csv.NewWriter(w)
	schema := rdr.Schema()
	header := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		header[i] = f.Name
	}
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	var rows int64
	rec := make([]string, len(header))
	for rdr.Next() {
		b := rdr.RecordBatch()
		for r := 0; r < int(b.NumRows()); r++ {
			for c := range rec {
				s, _, err := cellText(b.Column(c), r)
				if err != nil {
					return rows, err
				}
				rec[c] = s
			}
			if err := cw.Write(rec); err != nil {
				return rows, err
			}
			rows++
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return rows, err
	}
	return rows, rdr.Err()
}

// writeJSON writes one JSON object per row (JSON Lines). Numbers are JSON
// numbers, except decimals, written as strings to keep every digit.
func writeJSON(w io.Writer, rdr array.RecordReader) (int64, error) {
	schema := rdr.Schema()
	var rows int64
	var sb strings.Builder
	for rdr.Next() {
		b := rdr.RecordBatch()
		for r := 0; r < int(b.NumRows()); r++ {
			sb.Reset()
			sb.WriteByte('{')
			for c, f := range schema.Fields() {
				if c > 0 {
					sb.WriteByte(',')
				}
				k, _ := json.Marshal(f.Name)
				sb.Write(k)
				sb.WriteByte(':')
				arr := b.Column(c)
				if arr.IsNull(r) {
					sb.WriteString("null")
					continue
				}
				v, err := expr.ValueAt(arr, r)
				if err != nil {
					return rows, err
				}
				switch x := v.(type) {
				case bool, int32, int64:
					fmt.Fprint(&sb, x)
				case float64:
					if x != x || x > 1.7976931348623157e308 || x < -1.7976931348623157e308 {
						q, _ := json.Marshal(columnar.FormatValue(x, arr.DataType()))
						sb.Write(q)
					} else {
						q, _ := json.Marshal(x)
						sb.Write(q)
					}
				default:
					q, _ := json.Marshal(columnar.FormatValue(v, arr.DataType()))
					sb.Write(q)
				}
			}
			sb.WriteString("}\n")
			if _, err := io.WriteString(w, sb.String()); err != nil {
				return rows, err
			}
			rows++
		}
	}
	return rows, rdr.Err()
}

// maxTableRows bounds what the table format buffers to compute widths.
const maxTableRows = 10000

// writeTable writes a boxed table as Spark's show() does, numbers
// right-aligned. Beyond maxTableRows rows it stops and says how many more
// there were.
func writeTable(w io.Writer, rdr array.RecordReader) (int64, error) {
	schema := rdr.Schema()
	n := schema.NumFields()
	header := make([]string, n)
	right := make([]bool, n)
	for i, f := range schema.Fields() {
		header[i] = f.Name
		right[i] = columnar.IsNumeric(f.Type)
	}
	var cells [][]string
	var rows int64
	for rdr.Next() {
		b := rdr.RecordBatch()
		for r := 0; r < int(b.NumRows()); r++ {
			rows++
			if len(cells) >= maxTableRows {
				continue
			}
			row := make([]string, n)
			for c := 0; c < n; c++ {
				s, ok, err := cellText(b.Column(c), r)
				if err != nil {
					return rows, err
				}
				if !ok {
					s = "NULL"
				}
				row[c] = s
			}
			cells = append(cells, row)
		}
	}
	if err := rdr.Err(); err != nil {
		return rows, err
	}
	width := make([]int, n)
	for i, h := range header {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, row := range cells {
		for i, s := range row {
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	sep := "+"
	for _, wd := range width {
		sep += strings.Repeat("-", wd+2) + "+"
	}
	line := func(vals []string, align bool) string {
		var b strings.Builder
		b.WriteByte('|')
		for i, s := range vals {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			if align && right[i] {
				b.WriteString(" " + pad + s + " |")
			} else {
				b.WriteString(" " + s + pad + " |")
			}
		}
		return b.String()
	}
	fmt.Fprintln(w, sep)
	fmt.Fprintln(w, line(header, false))
	fmt.Fprintln(w, sep)
	for _, row := range cells {
		fmt.Fprintln(w, line(row, true))
	}
	fmt.Fprintln(w, sep)
	switch {
	case rows > int64(len(cells)):
		fmt.Fprintf(w, "(%d rows, first %d shown; use --format csv for all)\n", rows, len(cells))
	case rows == 1:
		fmt.Fprintln(w, "(1 row)")
	default:
		fmt.Fprintf(w, "(%d rows)\n", rows)
	}
	return rows, nil
}
