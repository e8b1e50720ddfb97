package rowexpr

import (
	"regexp"
	"unsafe"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// Context holds one task's scratch space for evaluation: an arena for byte
// results (strings built by functions and casts), a stack for the arguments
// of calls, and a cache of regular expressions compiled from non-constant
// patterns. In the steady state evaluation allocates nothing: the arena
// grows to what the largest row needed and is reused after every Reset
// (Bytes reports its size, for the heap accounting of row operators). A
// Context is not safe for concurrent use: each goroutine evaluating
// expressions has its own.
type Context struct {
	chunk []byte  // the current arena chunk; results are carved from chunk[used:]
	used  int     // bytes of chunk handed out since Reset
	spent int     // bytes of chunks abandoned since Reset (they grew past their capacity)
	peak  int     // the largest arena size seen, to size the next chunk
	stack []Value // evaluated arguments of the calls in progress
	ints  []int   // scratch of split
	runes [2][]rune
	dist  []int32 // scratch of levenshtein
	list  rows.ListReader

	regex map[string]*regexp.Regexp // patterns that were not constants
}

// minChunk is the initial arena size.
const minChunk = 4 << 10

// maxRegexCache bounds the cache of compiled non-constant patterns.
const maxRegexCache = 64

// NewContext returns an empty context.
func NewContext() *Context { return &Context{} }

// Reset invalidates every byte result handed out since the previous Reset
// and makes the arena's memory available again. Row operators call it once
// per input (or output) row, after copying what they keep.
func (c *Context) Reset() {
	if c.spent > 0 {
		// The arena outgrew its chunk: replace it by one that holds
		// everything a row needed, so the next rows do not grow again.
		c.peak = max(c.peak, c.used+c.spent)
		if cap(c.chunk) < c.peak {
			c.chunk = make([]byte, 0, c.peak)
		}
	}
	c.used, c.spent = 0, 0
}

// Bytes returns the memory the context holds, for heap accounting.
func (c *Context) Bytes() int64 { return int64(cap(c.chunk)) }

// scratch returns the unused tail of the arena (length 0) with room for at
// least n bytes. The caller appends its result to it and passes the result
// to commit before anything else uses the context (in particular before
// evaluating another expression).
func (c *Context) scratch(n int) []byte {
	if cap(c.chunk)-c.used < max(n, 1) {
		// Abandon the chunk (results already handed out keep it alive) and
		// start a bigger one.
		c.spent += c.used
		c.chunk = make([]byte, 0, max(2*cap(c.chunk), minChunk, 2*n))
		c.used = 0
	}
	return c.chunk[c.used:c.used]
}

// commit marks b, appended to the slice scratch returned, as handed out, and
// returns it. When append outgrew the arena, b lives in memory of its own
// and the next Reset enlarges the arena so the following rows fit.
func (c *Context) commit(b []byte) []byte {
	if len(b) == 0 {
		return b[:0:0]
	}
	if c.used < cap(c.chunk) && unsafe.SliceData(b) == unsafe.SliceData(c.chunk[c.used:cap(c.chunk)]) {
		c.used += len(b)
	} else {
		c.spent += len(b)
	}
	return b[:len(b):len(b)] // appending to a result must not overwrite the arena
}
