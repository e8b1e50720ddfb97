// Package resource runs tasks: the local pool of task slots that stages'
// tasks execute on. (Resource profiles, executors per profile and the memory
// manager build on it.)
package resource

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Pool is a fixed number of task slots shared by every query of an engine.
// Tasks acquire slots in the order they ask for them.
type Pool struct {
	slots chan struct{}
}

// NewPool returns a pool with n slots (at least one).
func NewPool(n int) *Pool {
	if n < 1 {
		n = 1
	}
	return &Pool{slots: make(chan struct{}, n)}
}

// Slots returns the number of slots.
func (p *Pool) Slots() int { return cap(p.slots) }

// TaskPanicError is a panic inside a task, turned into an error so that a bug
// in one operator fails its query instead of the process.
type TaskPanicError struct {
	Value any
	Stack []byte
}

// Error describes the panic.
func (e *TaskPanicError) Error() string {
	return fmt.Sprintf("internal error: task panicked: %v", e.Value)
}

// RunTasks runs tasks 0..n-1, at most Slots at a time, starting them in
// index order. After the first error (or when ctx is done) it starts no more
// tasks and cancels the context the running ones see; it returns once every
// started task has returned, with the first error. A panic in a task is
// recovered and returned as a *TaskPanicError.
func (p *Pool) RunTasks(ctx context.Context, n int, task func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	for i := 0; i < n; i++ {
		acquired := false
		select {
		case p.slots <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			// A task failed or the caller cancelled: start no more.
			if acquired {
				<-p.slots
			}
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-p.slots }()
			defer func() {
				if r := recover(); r != nil {
					fail(&TaskPanicError{Value: r, Stack: debug.Stack()})
				}
			}()
			if err := task(ctx, i); err != nil {
				fail(err)
			}
		}(i)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
