package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/gluten-go/gluten-go/engine"
)

// clearLine returns the cursor to the start of the line and clears it.
const clearLine = "\r\033[K"

// progressWidth bounds the progress line, so that it never wraps on a
// usual terminal (a wrapped line cannot be rewritten in place).
const progressWidth = 79

// progressLine renders the progress line of a query running for elapsed:
// "stage 3: 12/200 tasks, 1.2M rows, 45.0 MiB read (3s)", at most
// progressWidth characters.
func progressLine(p engine.Progress, elapsed time.Duration) string {
	s := fmt.Sprintf("%s (%s)", p, elapsed.Truncate(time.Second))
	if r := []rune(s); len(r) > progressWidth {
		s = string(r[:progressWidth])
	}
	return s
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress prints a query's progress on a terminal: after delay, a line
// rewritten in place every interval until stop.
type progress struct {
	w         io.Writer
	t         *engine.Tracker
	delay     time.Duration
	interval  time.Duration
	stopc     chan struct{}
	done      chan struct{}
	once      sync.Once
	printed   bool
	startTime time.Time
}

// startProgress starts printing the progress the tracker t follows on w
// when w is a terminal (nothing otherwise). stop, which must be called
// (more than once is fine), clears the line and returns once the printing
// goroutine has ended.
func startProgress(w io.Writer, t *engine.Tracker) (stop func()) {
	if !isTerminal(w) {
		return func() {}
	}
	return runProgress(w, t, time.Second, 250*time.Millisecond)
}

// runProgress is startProgress on any writer, with the delay before the
// first line and the refresh interval given.
func runProgress(w io.Writer, t *engine.Tracker, delay, interval time.Duration) (stop func()) {
	p := &progress{w: w, t: t, delay: delay, interval: interval, stopc: make(chan struct{}),
		done: make(chan struct{}), startTime: time.Now()}
	go p.loop()
	return p.stop
}

func (p *progress) loop() {
	defer close(p.done)
	timer := time.NewTimer(p.delay)
	defer timer.Stop()
	select {
	case <-p.stopc:
		return
	case <-timer.C:
	}
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	for {
		io.WriteString(p.w, clearLine+progressLine(p.t.Progress(), time.Since(p.startTime)))
		p.printed = true
		select {
		case <-p.stopc:
			return
		case <-tick.C:
		}
	}
}

func (p *progress) stop() {
	p.once.Do(func() {
		close(p.stopc)
		<-p.done
		if p.printed {
			io.WriteString(p.w, clearLine)
		}
	})
}

// stopOnFirst is a RecordReader that calls stop before its first batch
// (or its end), so that the progress line is gone before the result
// prints.
type stopOnFirst struct {
	array.RecordReader
	stop func()
}

func (r *stopOnFirst) Next() bool {
	ok := r.RecordReader.Next()
	r.stop()
	return ok
}
