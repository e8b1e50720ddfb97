package tpch

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// valueChunk is how many values are handed to a column writer at a time; the
// writer cuts a page when its buffer passes the page size after a chunk, so a
// small chunk keeps pages close to that size.
const valueChunk = 1024

// pageBufferSize is the uncompressed size at which a data page is cut.
const pageBufferSize = 256 << 10

// fileWriter writes one Parquet file of a table, one batch per row group.
type fileWriter struct {
	path string
	def  *tableDef
	f    *os.File
	buf  *bufio.Writer
	w    *parquet.Writer
	vals []parquet.Value
	rows int64
}

func createFile(path string, def *tableDef, codec compress.Codec, sf float64) (*fileWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("tpch: %w", err)
	}
	buf := bufio.NewWriterSize(f, 1<<20)
	w := parquet.NewWriter(buf, def.parquet,
		parquet.Compression(codec),
		parquet.DataPageVersion(1),
		parquet.PageBufferSize(pageBufferSize),
		parquet.WriteBufferSize(0),
		parquet.CreatedBy("gluten-go tpch", strconv.Itoa(GeneratorVersion), ""),
		parquet.KeyValueMetadata("tpch.table", def.name),
		parquet.KeyValueMetadata("tpch.sf", strconv.FormatFloat(sf, 'g', -1, 64)),
	)
	return &fileWriter{path: path, def: def, f: f, buf: buf, w: w, vals: make([]parquet.Value, valueChunk)}, nil
}

// writeRowGroup writes the rows of b as one row group.
func (fw *fileWriter) writeRowGroup(b *batch) error {
	if b.rows == 0 {
		return nil
	}
	writers := fw.w.ColumnWriters()
	for ci := range fw.def.columns {
		if err := fw.writeColumn(writers[ci], ci, &b.cols[ci], b.rows); err != nil {
			return fmt.Errorf("tpch: writing column %s of %s: %w", fw.def.columns[ci].name, fw.path, err)
		}
	}
	if err := fw.w.Flush(); err != nil {
		return fmt.Errorf("tpch: writing a row group of %s: %w", fw.path, err)
	}
	fw.rows += int64(b.rows)
	return nil
}

// writeColumn converts a column's values to Parquet values chunk by chunk and
// writes them.
func (fw *fileWriter) writeColumn(cw *parquet.ColumnWriter, ci int, c *colBuf, rows int) error {
	def := &fw.def.columns[ci]
	for start := 0; start < rows; start += valueChunk {
		end := min(start+valueChunk, rows)
		vs := fw.vals[:end-start]
		switch def.kind {
		case kindInt64, kindDecimal:
			for k, v := range c.i64[start:end] {
				vs[k] = parquet.Int64Value(v).Level(0, 0, ci)
			}
		case kindInt32, kindDate:
			for k, v := range c.i32[start:end] {
				vs[k] = parquet.Int32Value(v).Level(0, 0, ci)
			}
		case kindString:
			from := 0
			if start > 0 {
				from = c.ends[start-1]
			}
			for k, to := range c.ends[start:end] {
				vs[k] = parquet.ByteArrayValue(c.data[from:to]).Level(0, 0, ci)
				from = to
			}
		case kindDict:
			for k, v := range c.idx[start:end] {
				vs[k] = def.dictValues[v]
			}
		}
		if _, err := cw.WriteRowValues(vs); err != nil {
			return err
		}
	}
	return nil
}

// close writes the footer and closes the file.
func (fw *fileWriter) close() error {
	err := fw.w.Close()
	if err == nil {
		err = fw.buf.Flush()
	}
	if cerr := fw.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("tpch: closing %s: %w", fw.path, err)
	}
	return nil
}

// abort closes the file after a failure; the caller removes it.
func (fw *fileWriter) abort() { _ = fw.f.Close() }
