package expr

import (
	"encoding/binary"
	"math/bits"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type caseExpr struct {
	conds, results []Expr
	elseExpr       Expr // nil: ELSE NULL
	typ            arrow.DataType
}

// branchType returns the common type of branch results: they must all have
// one type, or type NULL.
func branchType(what string, es []Expr) (arrow.DataType, error) {
	var t arrow.DataType
	for _, e := range es {
		if e == nil {
			continue
		}
		et := e.DataType()
		if et.ID() == arrow.NULL {
			continue
		}
		if t == nil {
			t = et
			continue
		}
		if !arrow.TypeEqual(t, et) {
			return nil, typeErr("%s: branches have types %s and %s; cast them to a common type", what, typeName(t), typeName(et))
		}
	}
	if t == nil {
		t = arrow.Null
	}
	return t, nil
}

func newCase(conds []Expr, results []Expr, elseExpr Expr) (Expr, error) {
	if len(conds) == 0 || len(conds) != len(results) {
		return nil, invalidErr("CASE needs as many THEN results as WHEN conditions, at least one (got %d and %d)", len(conds), len(results))
	}
	for i := range conds {
		if err := checkChild("CASE WHEN", conds[i]); err != nil {
			return nil, err
		}
		if err := checkChild("CASE THEN", results[i]); err != nil {
			return nil, err
		}
		if id := conds[i].DataType().ID(); id != arrow.BOOL && id != arrow.NULL {
			return nil, typeErr("CASE WHEN %s: condition is %s, not boolean", conds[i], typeName(conds[i].DataType()))
		}
	}
	all := append(append([]Expr{}, results...), elseExpr)
	t, err := branchType("CASE", all)
	if err != nil {
		return nil, err
	}
	return &caseExpr{conds: conds, results: results, elseExpr: elseExpr, typ: t}, nil
}

func (e *caseExpr) DataType() arrow.DataType { return e.typ }

func (e *caseExpr) Children() []Expr {
	var out []Expr
	for i := range e.conds {
		out = append(out, e.conds[i], e.results[i])
	}
	if e.elseExpr != nil {
		out = append(out, e.elseExpr)
	}
	return out
}

func (e *caseExpr) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for i := range e.conds {
		b.WriteString(" WHEN ")
		b.WriteString(e.conds[i].String())
		b.WriteString(" THEN ")
		b.WriteString(e.results[i].String())
	}
	if e.elseExpr != nil {
		b.WriteString(" ELSE ")
		b.WriteString(e.elseExpr.String())
	}
	b.WriteString(" END")
	return b.String()
}

// Eval evaluates the conditions in order over the rows not yet decided,
// stopping when none remain; a result is evaluated only if some row selects
// it.
func (e *caseExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	alloc := ctx.Alloc
	cbuf := newBuf(alloc, 4*n)
	defer cbuf.Release()
	choice := sliceOf[int32](cbuf.Bytes())[:n]
	for i := range choice {
		choice[i] = -1
	}
	// remaining: rows no condition has selected yet.
	rbuf := newBuf(alloc, bitmapLen(n)+8)
	defer rbuf.Release()
	remaining := rbuf.Bytes()
	setAll(remaining)
	left := n
	var srcs []arrow.Array
	defer func() {
		for _, s := range srcs {
			s.Release()
		}
	}()
	for b := 0; b < len(e.conds) && left > 0; b++ {
		c, err := evalChild(ctx, e.conds[b], batch)
		if err != nil {
			return nil, err
		}
		sel := selectTrue(alloc, c, remaining, n, choice, int32(len(srcs)))
		c.Release()
		if sel == 0 {
			continue
		}
		left -= sel
		r, err := evalChild(ctx, e.results[b], batch)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, r)
	}
	if left > 0 && e.elseExpr != nil {
		r, err := evalChild(ctx, e.elseExpr, batch)
		if err != nil {
			return nil, err
		}
		k := int32(len(srcs))
		srcs = append(srcs, r)
		forEachSet(remaining, n, func(i int) { choice[i] = k })
	}
	return choose(alloc, e.typ, n, choice, srcs)
}

// selectTrue marks the rows of remaining where cond is true (not NULL) with
// choice k, clears them from remaining and returns how many there were.
func selectTrue(alloc memory.Allocator, cond arrow.Array, remaining []byte, n int, choice []int32, k int32) int {
	if cond.DataType().ID() == arrow.NULL {
		return 0
	}
	side := sideOf(alloc, operand{arr: cond}, n)
	defer side.release()
	count := 0
	nb := bitmapLen(n)
	for i := 0; i < nb; i++ {
		w := remaining[i] & side.values[i]
		if side.valid != nil {
			w &= side.valid[i]
		}
		if i == nb-1 && n%8 != 0 {
			w &= byte(1)<<(n%8) - 1
		}
		if w == 0 {
			continue
		}
		remaining[i] &^= w
		count += bits.OnesCount8(w)
		for w != 0 {
			j := bits.TrailingZeros8(w)
			choice[i*8+j] = k
			w &= w - 1
		}
	}
	return count
}

// forEachSet calls f for each set bit among the first n of bm.
func forEachSet(bm []byte, n int, f func(int)) {
	nw := n / 64
	for w := 0; w < nw; w++ {
		word := binary.LittleEndian.Uint64(bm[w*8:])
		for word != 0 {
			f(w*64 + bits.TrailingZeros64(word))
			word &= word - 1
		}
	}
	for i := nw * 64; i < n; i++ {
		if bm[i>>3]&(1<<(i&7)) != 0 {
			f(i)
		}
	}
}

type coalesceExpr struct {
	args []Expr
	typ  arrow.DataType
}

func newCoalesce(args []Expr) (Expr, error) {
	if len(args) == 0 {
		return nil, invalidErr("coalesce needs at least one argument")
	}
	for _, a := range args {
		if err := checkChild("coalesce", a); err != nil {
			return nil, err
		}
	}
	t, err := branchType("coalesce", args)
	if err != nil {
		return nil, err
	}
	return &coalesceExpr{args: args, typ: t}, nil
}

func (e *coalesceExpr) DataType() arrow.DataType { return e.typ }
func (e *coalesceExpr) Children() []Expr         { return e.args }
func (e *coalesceExpr) String() string           { return callString("coalesce", e.args) }

func callString(name string, args []Expr) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	return b.String()
}

// Eval evaluates the arguments in order only while some row is still NULL.
func (e *coalesceExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	alloc := ctx.Alloc
	first, err := evalChild(ctx, e.args[0], batch)
	if err != nil {
		return nil, err
	}
	if first.NullN() == 0 && arrow.TypeEqual(first.DataType(), e.typ) || len(e.args) == 1 {
		if first.DataType().ID() == arrow.NULL && e.typ.ID() != arrow.NULL {
			first.Release()
			return nullArray(alloc, e.typ, n), nil
		}
		return first, nil
	}
	cbuf := newBuf(alloc, 4*n)
	defer cbuf.Release()
	choice := sliceOf[int32](cbuf.Bytes())[:n]
	srcs := []arrow.Array{first}
	defer func() {
		for _, s := range srcs {
			s.Release()
		}
	}()
	left := assignValid(first, choice, 0, true)
	for k := 1; k < len(e.args) && left > 0; k++ {
		a, err := evalChild(ctx, e.args[k], batch)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, a)
		left = assignValid(a, choice, int32(k), false)
	}
	return choose(alloc, e.typ, n, choice, srcs)
}

// assignValid sets choice[i] = k where a is valid and choice[i] is unset
// (-1), initializing choice first when init, and returns how many rows
// remain unset.
func assignValid(a arrow.Array, choice []int32, k int32, init bool) int {
	if init {
		for i := range choice {
			choice[i] = -1
		}
	}
	left := 0
	if a.DataType().ID() == arrow.NULL {
		for _, c := range choice {
			if c < 0 {
				left++
			}
		}
		return left
	}
	bm, off := validBits(a)
	for i, c := range choice {
		if c >= 0 {
			continue
		}
		if bm == nil || bm[(off+i)>>3]&(1<<((off+i)&7)) != 0 {
			choice[i] = k
		} else {
			left++
		}
	}
	return left
}
