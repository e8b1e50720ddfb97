package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/sorting"
)

// AggMode is the phase of a hash aggregation.
type AggMode int

// The aggregation phases, as Spark's: Partial turns input rows into
// per-group partial states, Final merges partial states into results, and
// Complete does both at once.
const (
	AggPartial AggMode = iota
	AggFinal
	AggComplete
)

// AggFunc is one aggregate of a HashAggregate.
type AggFunc struct {
	Kind agg.AggKind
	// Input is the input column: for Partial and Complete the column of raw
	// values (-1 for count(*)), for Final the first of the function's state
	// columns.
	Input int
	// InputType is the type of the raw values (nil for count(*)).
	InputType arrow.DataType
	// Distinct aggregates each group's distinct values only (Complete mode
	// only: the operator keeps a set of the values seen per group).
	Distinct bool
}

// HashAggregate groups rows by key columns and computes aggregates per
// group: HashAggregateTransformer in EXPLAIN. Its output is the key columns
// followed by, per aggregate, its state columns (Partial) or its result
// (Final, Complete).
type HashAggregate struct {
	base
	mode   AggMode
	keys   []int
	funcs  []AggFunc
	detail string
}

// NewHashAggregate returns an aggregation of child. keys are the child's key
// columns (for Final, the first len(keys) columns); names names the output
// fields; detail is EXPLAIN's text.
func NewHashAggregate(child Node, mode AggMode, keys []int, funcs []AggFunc, names []string, detail string) (*HashAggregate, error) {
	in := child.Schema()
	var fields []arrow.Field
	for _, k := range keys {
		if k < 0 || k >= in.NumFields() {
			return nil, fmt.Errorf("hash aggregate: key column %d out of range", k)
		}
		fields = append(fields, in.Field(k))
	}
	for _, f := range funcs {
		if f.Distinct && mode != AggComplete {
			return nil, fmt.Errorf("hash aggregate: DISTINCT %s needs the complete mode", f.Kind)
		}
		acc, err := agg.NewAccumulator(f.Kind, f.InputType)
		if err != nil {
			return nil, err
		}
		var types []arrow.DataType
		if mode == AggPartial {
			types = acc.StateTypes()
		} else {
			types = []arrow.DataType{acc.ResultType()}
		}
		if mode == AggFinal {
			st := acc.StateTypes()
			if f.Input < 0 || f.Input+len(st) > in.NumFields() {
				acc.Release()
				return nil, fmt.Errorf("hash aggregate: state columns of %s out of range", f.Kind)
			}
			for i, t := range st {
				if !arrow.TypeEqual(in.Field(f.Input+i).Type, t) {
					acc.Release()
					return nil, fmt.Errorf("hash aggregate: state column %d of %s has type %s, want %s", i, f.Kind, in.Field(f.Input+i).Type, t)
				}
			}
		} else if f.Kind != agg.CountStar && (f.Input < 0 || f.Input >= in.NumFields()) {
			acc.Release()
			return nil, fmt.Errorf("hash aggregate: input column of %s out of range", f.Kind)
		}
		acc.Release()
		for _, t := range types {
			fields = append(fields, arrow.Field{Type: t, Nullable: true})
		}
	}
	if len(names) != len(fields) {
		return nil, fmt.Errorf("hash aggregate: %d names for %d output columns", len(names), len(fields))
	}
	for i := range fields {
		fields[i].Name = names[i]
	}
	h := &HashAggregate{mode: mode, keys: keys, funcs: funcs, detail: detail}
	h.schema = arrow.NewSchema(fields, nil)
	h.children = []Node{child}
	return h, nil
}

// Name implements Node.
func (h *HashAggregate) Name() string { return "HashAggregateTransformer" }

// Detail implements Node.
func (h *HashAggregate) Detail() string { return h.detail }

// Mode returns the aggregation phase.
func (h *HashAggregate) Mode() AggMode { return h.mode }

// NumPartitions implements Node.
func (h *HashAggregate) NumPartitions() int { return h.children[0].NumPartitions() }

// Execute implements Node.
func (h *HashAggregate) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(h.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return metered(&aggStream{h: h, ctx: ctx, in: in, task: task}, &h.metrics), nil
}

type aggStream struct {
	h    *HashAggregate
	ctx  context.Context
	in   Stream
	task *TaskContext
	out  slicer
	done bool
}

func (s *aggStream) Next() (arrow.RecordBatch, error) {
	if !s.done {
		s.done = true
		out, err := s.aggregate()
		if err != nil {
			return nil, err
		}
		s.out = slicer{b: out, size: s.task.BatchSize}
	}
	return s.out.next()
}

func (s *aggStream) aggregate() (arrow.RecordBatch, error) {
	h := s.h
	keyTypes := make([]arrow.DataType, len(h.keys))
	for i := range h.keys {
		keyTypes[i] = h.schema.Field(i).Type
	}
	var table *agg.GroupTable
	if len(h.keys) > 0 {
		t, err := agg.NewGroupTable(s.task.Alloc, keyTypes)
		if err != nil {
			return nil, err
		}
		table = t
		defer table.Release()
	}
	accs := make([]agg.Accumulator, len(h.funcs))
	defer func() {
		for _, a := range accs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, f := range h.funcs {
		a, err := agg.NewAccumulator(f.Kind, f.InputType)
		if err != nil {
			return nil, err
		}
		accs[i] = a
	}
	// A distinct aggregate passes on only the first occurrence of each
	// (group, value): a group table over both tells which rows those are.
	distinct := make([]*distinctFilter, len(h.funcs))
	defer func() {
		for _, d := range distinct {
			if d != nil {
				d.release()
			}
		}
	}()
	for i, f := range h.funcs {
		if f.Distinct {
			d, err := newDistinctFilter(s.task.Alloc, f.InputType)
			if err != nil {
				return nil, err
			}
			distinct[i] = d
		}
	}
	var ids []uint32
	numGroups := 0
	if table == nil {
		numGroups = 1 // a global aggregate has one group, even over no rows
	}
	keyCols := make([]arrow.Array, len(h.keys))
	err := Drain(s.ctx, s.in, func(b arrow.RecordBatch) error {
		n := int(b.NumRows())
		if cap(ids) < n {
			ids = make([]uint32, n)
		}
		ids = ids[:n]
		if table != nil {
			for i, k := range h.keys {
				if h.mode == AggFinal {
					k = i
				}
				keyCols[i] = b.Column(k)
			}
			if err := table.Insert(keyCols, ids); err != nil {
				return err
			}
			numGroups = table.NumGroups()
		} else {
			clear(ids)
		}
		for i, f := range h.funcs {
			switch {
			case h.mode == AggFinal:
				st := accs[i].StateTypes()
				cols := b.Columns()[f.Input : f.Input+len(st)]
				if err := accs[i].Merge(ids, numGroups, cols); err != nil {
					return err
				}
			case f.Kind == agg.CountStar:
				if err := accs[i].Update(ids, numGroups, nil); err != nil {
					return err
				}
			case f.Distinct:
				fids, vals, err := distinct[i].filter(ids, b.Column(f.Input))
				if err != nil {
					return err
				}
				err = accs[i].Update(fids, numGroups, vals)
				vals.Release()
				if err != nil {
					return err
				}
			default:
				if err := accs[i].Update(ids, numGroups, b.Column(f.Input)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if numGroups == 0 {
		return nil, nil
	}
	var cols []arrow.Array
	releaseCols := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	if table != nil {
		keys, err := table.Keys()
		if err != nil {
			return nil, err
		}
		cols = append(cols, keys...)
	}
	for _, a := range accs {
		if a.NumGroups() < numGroups {
			// Grow to every group (a global aggregate over no rows).
			if err := growAccumulator(a, numGroups, s.task.Alloc); err != nil {
				releaseCols()
				return nil, err
			}
		}
		if h.mode == AggPartial {
			st, err := a.State(s.task.Alloc)
			if err != nil {
				releaseCols()
				return nil, err
			}
			cols = append(cols, st...)
		} else {
			r, err := a.Result(s.task.Alloc)
			if err != nil {
				releaseCols()
				return nil, err
			}
			cols = append(cols, r)
		}
	}
	out := newBatch(h.schema, cols, int64(numGroups))
	releaseCols()
	return out, nil
}

func (s *aggStream) Close() {
	s.in.Close()
	s.out.release()
}

// growAccumulator makes a hold numGroups groups without adding input: it
// merges empty partial states.
func growAccumulator(a agg.Accumulator, numGroups int, alloc memory.Allocator) error {
	types := a.StateTypes()
	states := make([]arrow.Array, len(types))
	for i, t := range types {
		states[i] = array.MakeArrayOfNull(alloc, t, 0)
	}
	defer func() {
		for _, s := range states {
			s.Release()
		}
	}()
	return a.Merge(nil, numGroups, states)
}

// distinctFilter keeps the (group, value) pairs an aggregate has seen.
type distinctFilter struct {
	alloc memory.Allocator
	seen  *agg.GroupTable
	gids  []int64
	pair  []uint32
	sel   []int32
	fids  []uint32
}

func newDistinctFilter(alloc memory.Allocator, t arrow.DataType) (*distinctFilter, error) {
	seen, err := agg.NewGroupTable(alloc, []arrow.DataType{arrow.PrimitiveTypes.Int64, t})
	if err != nil {
		return nil, err
	}
	return &distinctFilter{alloc: alloc, seen: seen}, nil
}

// filter returns the group ids and values of the rows whose (group, value)
// was not seen before; the caller releases the values.
func (d *distinctFilter) filter(ids []uint32, vals arrow.Array) ([]uint32, arrow.Array, error) {
	n := len(ids)
	d.gids = d.gids[:0]
	for _, id := range ids {
		d.gids = append(d.gids, int64(id))
	}
	b := array.NewInt64Builder(d.alloc)
	b.AppendValues(d.gids, nil)
	g := b.NewArray()
	b.Release()
	defer g.Release()
	if cap(d.pair) < n {
		d.pair = make([]uint32, n)
	}
	d.pair = d.pair[:n]
	before := uint32(d.seen.NumGroups())
	if err := d.seen.Insert([]arrow.Array{g, vals}, d.pair); err != nil {
		return nil, nil, err
	}
	d.sel, d.fids = d.sel[:0], d.fids[:0]
	next := before
	for i, p := range d.pair {
		if p >= next { // first occurrence: ids are handed out in row order
			next = p + 1
			d.sel = append(d.sel, int32(i))
			d.fids = append(d.fids, ids[i])
		}
	}
	out, err := sorting.TakeArray(d.alloc, vals, d.sel)
	if err != nil {
		return nil, nil, err
	}
	return d.fids, out, nil
}

func (d *distinctFilter) release() { d.seen.Release() }
