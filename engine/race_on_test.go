//go:build race

package engine_test

// raceEnabled is true when the tests run under the race detector, which
// makes the suite several times slower: it then runs the suite in fewer
// configurations (the columnar default, all rows, and a fallback in the
// middle of every pipeline).
const raceEnabled = true
