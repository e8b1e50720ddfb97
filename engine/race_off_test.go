//go:build !race

package engine_test

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = false
