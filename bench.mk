# Benchmarks (included from Makefile). They report; they never fail on a time.
#
#   make bench          Go benchmarks of the in-process paths, then whole
#                       helper processes timed with hyperfine against a floor
#                       and the reference helpers (writes $(BENCH_OUT))
#   make bench-go       only the Go benchmarks
#   make bench-procs    only the process benchmarks; tune with
#                       REGKEY_BENCH_ROUNDS, _RUNS, _WARMUP, _CONCURRENCY
#   make bench-compile  every Go benchmark once (quick: keeps them compiling)
#
# The process benchmarks need hyperfine, gnome-keyring, dbus, pass and gpg
# (Debian packages, see .ci/run), golang-docker-credential-helpers for the
# reference keystore helpers, and the Go module proxy for the reference ECR
# helper (go install). See BENCHMARKS.md.

BENCH_OUT  ?= $(CURDIR)/.cache/bench/processes.md
BENCH_PKGS ?= ./providers/tokencache ./internal/resolve ./keystore ./helper

.PHONY: bench bench-go bench-procs bench-compile

bench: bench-go bench-procs

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 $(BENCH_PKGS)

bench-procs: build
	mkdir -p $(dir $(BENCH_OUT))
	REGKEY_BENCH_BINARY=$(CURDIR)/bin/regkey REGKEY_BENCH_OUT=$(BENCH_OUT) \
	  $(GO) test -tags bench -count=1 -timeout 60m -run '^TestProcesses$$' -v ./bench

bench-compile:
	$(GO) test -run '^$$' -bench . -benchtime 1x $(BENCH_PKGS)
