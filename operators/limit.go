package operators

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// Limit passes on the first n rows of each input partition, after skipping
// offset rows. Below an exchange it is the local limit of each task; above a
// single-partition exchange it is the global limit.
type Limit struct {
	base
	n, offset int64
	global    bool
}

// NewLimit returns a limit of child to n rows after offset; global marks the
// limit over the whole result (EXPLAIN prints LimitExecTransformer with
// "global").
func NewLimit(child Node, n, offset int64, global bool) (*Limit, error) {
	if n < 0 || offset < 0 {
		return nil, fmt.Errorf("limit: negative count")
	}
	l := &Limit{n: n, offset: offset, global: global}
	l.schema = child.Schema()
	l.children = []Node{child}
	return l, nil
}

// Name implements Node.
func (l *Limit) Name() string { return "LimitExecTransformer" }

// Detail implements Node.
func (l *Limit) Detail() string {
	kind := "local"
	if l.global {
		kind = "global"
	}
	return fmt.Sprintf(" %d, %d, %s", l.n, l.offset, kind)
}

// N returns the limit's row count.
func (l *Limit) N() int64 { return l.n }

// NumPartitions implements Node.
func (l *Limit) NumPartitions() int { return l.children[0].NumPartitions() }

// Execute implements Node.
func (l *Limit) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if l.n == 0 {
		return emptyStream{}, nil
	}
	in, err := executeColumnar(l.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return metered(&limitStream{in: in, left: l.n, skip: l.offset}, &l.metrics), nil
}

type limitStream struct {
	in         Stream
	left, skip int64
	closed     bool
}

func (s *limitStream) Next() (arrow.RecordBatch, error) {
	for {
		if s.left <= 0 {
			s.Close() // stop the producers early
			return nil, io.EOF
		}
		b, err := s.in.Next()
		if err != nil {
			return nil, err
		}
		n := b.NumRows()
		if s.skip >= n {
			s.skip -= n
			b.Release()
			continue
		}
		start := s.skip
		s.skip = 0
		end := min(n, start+s.left)
		s.left -= end - start
		if start == 0 && end == n {
			return b, nil
		}
		out := b.NewSlice(start, end)
		b.Release()
		return out, nil
	}
}

func (s *limitStream) Close() {
	if !s.closed {
		s.closed = true
		s.in.Close()
	}
}
