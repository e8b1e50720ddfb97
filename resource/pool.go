// Package resource runs tasks and gives them memory: resource profiles and
// their manager (Profile, ProfileManager), the local executor pool that
// starts executors per profile within the machine's capacity and runs
// stages' tasks on them (ExecutorPool), and each executor's memory manager
// with its heap and off-heap pools, fair shares, spilling and dynamic
// off-heap sizing (MemoryManager, TaskMemory).
package resource

import "fmt"

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
