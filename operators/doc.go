// Package operators holds gluten-go's physical operators: the plan nodes that
// the planner builds and the streams they execute as.
//
// A Node is a physical plan node. Planning and execution are separate: a Node
// does no work until Execute is called for one of its output partitions, and
// what Execute returns is a Stream of Arrow record batches that the caller
// pulls from and must Close. Within a stage every operator of a task runs on
// the task's goroutine, pulling batches through the chain (the whole-stage
// pipeline); Exchange nodes separate stages.
//
// Ownership: a batch returned by Stream.Next belongs to the caller, who must
// Release it. Operators allocate Arrow buffers only from the task's allocator
// (TaskContext.Alloc), so the bytes each task holds are counted.
package operators
