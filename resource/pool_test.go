package resource

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestRunTasks(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := NewPool(3)
	var running, peak, done atomic.Int32
	err := p.RunTasks(context.Background(), 20, func(ctx context.Context, i int) error {
		n := running.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		running.Add(-1)
		done.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.Load() != 20 {
		t.Errorf("%d tasks ran, want 20", done.Load())
	}
	if peak.Load() > 3 {
		t.Errorf("%d tasks ran at once on 3 slots", peak.Load())
	}
}

func TestRunTasksFirstError(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := NewPool(2)
	boom := errors.New("boom")
	var started atomic.Int32
	err := p.RunTasks(context.Background(), 100, func(ctx context.Context, i int) error {
		started.Add(1)
		if i == 3 {
			return boom
		}
		if i > 3 {
			<-ctx.Done() // tasks after the failure stop when it cancels them
			return ctx.Err()
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	if started.Load() >= 100 {
		t.Errorf("all %d tasks started after a failure", started.Load())
	}
}

func TestRunTasksPanic(t *testing.T) {
	defer goleak.VerifyNone(t)
	err := NewPool(2).RunTasks(context.Background(), 4, func(ctx context.Context, i int) error {
		if i == 1 {
			panic("bad operator")
		}
		return nil
	})
	var pe *TaskPanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "bad operator") {
		t.Fatalf("error %v, want a TaskPanicError", err)
	}
}

func TestRunTasksCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	p := NewPool(1)
	err := p.RunTasks(ctx, 10, func(ctx context.Context, i int) error {
		if i == 0 {
			cancel()
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	// The slot must be free again.
	if err := p.RunTasks(context.Background(), 1, func(context.Context, int) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
