// Package bench holds regkey's process benchmarks: whole helper processes
// timed with hyperfine, side by side with a floor (a minimal Go helper that
// prints a fixed answer) and the reference helpers, in interleaved rounds,
// reported as medians and ratios. They live in this package's tests, built
// only with -tags bench (`make bench`), so `make test` neither runs nor skips
// them; CI vets them with the tag so they keep compiling.
//
// The in-process Go benchmarks live beside the code they measure
// (*_bench_test.go). BENCHMARKS.md at the module root has the figures and
// the command that reproduces them.
//
// Benchmarks report; they never fail on a time.
package bench
