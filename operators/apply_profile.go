package operators

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/resource"
)

// ApplyResourceProfile tops a stage's plan with the resource profile its
// tasks run with, as Spark's ApplyResourceProfileExec does: EXPLAIN prints
// it with the profile, and it passes its child's batches (or rows)
// through unchanged. SetStageProfile places it.
type ApplyResourceProfile struct {
	base
	profile *resource.Profile
}

// Name implements Node.
func (a *ApplyResourceProfile) Name() string { return "ApplyResourceProfile" }

// Detail implements Node: the profile as Spark prints it.
func (a *ApplyResourceProfile) Detail() string { return " " + a.profile.String() }

// NumPartitions implements Node.
func (a *ApplyResourceProfile) NumPartitions() int { return a.children[0].NumPartitions() }

// Profile returns the profile.
func (a *ApplyResourceProfile) Profile() *resource.Profile { return a.profile }

// applyColumnar is an ApplyResourceProfile over a columnar child.
type applyColumnar struct{ ApplyResourceProfile }

// Execute implements ColumnarNode.
func (a *applyColumnar) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(a.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return &countingStream{in: in, m: &a.metrics}, nil
}

// applyRows is an ApplyResourceProfile over a row child.
type applyRows struct{ ApplyResourceProfile }

// ExecuteRows implements RowNode.
func (a *applyRows) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	in, err := executeRows(a.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return &countingRows{in: in, m: &a.metrics}, nil
}

// countingStream counts the batches and rows passing through.
type countingStream struct {
	in Stream
	m  *Metrics
}

func (s *countingStream) Next() (arrow.RecordBatch, error) {
	b, err := s.in.Next()
	if err == nil {
		s.m.OutputBatches.Add(1)
		s.m.OutputRows.Add(b.NumRows())
	}
	return b, err
}

func (s *countingStream) Close() { s.in.Close() }

// countingRows counts the rows passing through.
type countingRows struct {
	in RowStream
	m  *Metrics
}

func (s *countingRows) Next() (rows.Row, error) {
	r, err := s.in.Next()
	if err == nil {
		s.m.OutputRows.Add(1)
	}
	return r, err
}

func (s *countingRows) Close() { s.in.Close() }

// NewApplyResourceProfile returns the node over child (columnar or rows,
// as child is).
func NewApplyResourceProfile(child Node, p *resource.Profile) (Node, error) {
	if child == nil || p == nil {
		return nil, errors.New("ApplyResourceProfile: nil child or profile")
	}
	init := func(a *ApplyResourceProfile) {
		a.profile = p
		a.schema = child.Schema()
		a.children = []Node{child}
	}
	if IsColumnar(child) {
		n := &applyColumnar{}
		init(&n.ApplyResourceProfile)
		return n, nil
	}
	if _, ok := child.(RowNode); ok {
		n := &applyRows{}
		init(&n.ApplyResourceProfile)
		return n, nil
	}
	return nil, fmt.Errorf("ApplyResourceProfile: %s produces neither batches nor rows", child.Name())
}

// SetStageProfile makes stage st run with profile p: it sets st.Profile
// and puts an ApplyResourceProfile node at the top of the stage's plan
// (under its exchange; for the result stage, as its new Root), replacing
// one a previous call put there.
func SetStageProfile(st *Stage, p *resource.Profile) error {
	top := st.Root
	switch top.(type) {
	case *applyColumnar, *applyRows:
		top = top.Children()[0]
	}
	n, err := NewApplyResourceProfile(top, p)
	if err != nil {
		return err
	}
	if st.Output != nil {
		holder, ok := st.Output.(Node)
		if !ok || len(holder.Children()) != 1 || holder.Children()[0] != st.Root {
			return fmt.Errorf("internal error: stage %d's output does not hold its root", st.ID)
		}
		// Children returns the exchange's own slice: its tasks run the
		// new top from now on.
		holder.Children()[0] = n
	}
	st.Root = n
	st.Profile = p
	return nil
}
