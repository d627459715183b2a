package testenv

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// HelperCall is one run of docker-credential-regkey seen by the tracing shim.
type HelperCall struct {
	// Verb is the argument the client passed (get, store, erase, list, ...).
	Verb string
	// Key is the server key: stdin for get and erase, the ServerURL of a
	// store payload, empty for list and version. Secrets are never logged.
	Key string
	// ExitCode is the helper's exit status.
	ExitCode int
}

// traceShim wraps the real helper: it logs the verb, the server key and the
// exit status (never the payload's secret) and passes stdin through
// byte for byte. The "x" sentinel keeps trailing newlines that command
// substitution would strip.
const traceShim = `#!/bin/sh
log='@LOG@'
real='@REAL@'
input=$(cat; echo x); input=${input%x}
case "${1:-}" in
  store) key=$(printf '%s' "$input" | sed -n 's/.*"ServerURL"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1) ;;
  get|erase) key=$(printf '%s' "$input" | tr -d '\t\n') ;;
  *) key= ;;
esac
printf '%s' "$input" | "$real" "$@"
rc=$?
printf '%s\t%s\t%s\n' "${1:-}" "$key" "$rc" >> "$log"
exit $rc
`

// TraceHelper replaces the client's docker-credential-regkey with a shim
// that records every call (see HelperCalls), then runs the real binary
// under its helper name.
func (c *Client) TraceHelper(t testing.TB) {
	t.Helper()
	if c.bin == nil {
		t.Fatal("TraceHelper: the client has no regkey binary")
	}
	shim := filepath.Join(c.BinDir, HelperName)
	if err := os.Remove(shim); err != nil {
		t.Fatalf("replacing %s: %v", shim, err)
	}
	script := strings.NewReplacer("@LOG@", c.traceLog(), "@REAL@", c.bin.Helper).Replace(traceShim)
	WriteExecutable(t, shim, []byte(script))
}

func (c *Client) traceLog() string { return filepath.Join(c.Dir, "helper-calls.log") }

// HelperCalls returns the calls recorded since TraceHelper or the last
// ResetHelperCalls, oldest first.
func (c *Client) HelperCalls(t testing.TB) []HelperCall {
	t.Helper()
	f, err := os.Open(c.traceLog())
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading helper calls: %v", err)
	}
	defer f.Close()
	var calls []HelperCall
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("malformed helper call line %q", sc.Text())
		}
		rc, err := strconv.Atoi(parts[2])
		if err != nil {
			t.Fatalf("malformed exit code in %q", sc.Text())
		}
		calls = append(calls, HelperCall{Verb: parts[0], Key: parts[1], ExitCode: rc})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading helper calls: %v", err)
	}
	return calls
}

// ResetHelperCalls forgets the calls recorded so far.
func (c *Client) ResetHelperCalls(t testing.TB) {
	t.Helper()
	if err := os.Remove(c.traceLog()); err != nil && !os.IsNotExist(err) {
		t.Fatalf("resetting helper calls: %v", err)
	}
}

// CountCalls returns how many recorded calls have the verb (and the key, if
// key is not empty).
func CountCalls(calls []HelperCall, verb, key string) int {
	n := 0
	for _, c := range calls {
		if c.Verb == verb && (key == "" || c.Key == key) {
			n++
		}
	}
	return n
}
