package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/regkey/regkey/auth"
)

// Exit codes of the regkey command line. The helper protocol always uses 1
// for failure, as docker's reference library does.
const (
	ExitOK       = 0
	ExitError    = 1 // a failure, or nothing found
	ExitUsage    = 2 // bad flags or arguments
	ExitPartial  = 3 // a multi-registry command failed for some registries
	ExitNotFound = 1
)

// usageError is a mistake in how regkey was invoked.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// PartialError reports that a command over several registries failed for
// some of them; the command has already printed which.
type PartialError struct {
	Failed []string
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d registr%s failed", len(e.Failed), plural(len(e.Failed), "y", "ies"))
}

// silentError carries an exit code for a failure the command has already
// explained on stderr.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// hinted attaches advice to an error; the advice is printed on its own line.
type hinted struct {
	err  error
	hint string
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Unwrap() error { return e.err }

// withHint returns err with advice for the person reading it.
func withHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: hint}
}

// exitCode is the one place that turns an error into an exit code, and
// prints it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var silent *silentError
	if errors.As(err, &silent) {
		return silent.code
	}
	fmt.Fprintf(stderr, "regkey: %s\n", err)
	var h *hinted
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintf(stderr, "hint: %s\n", h.hint)
	} else if fix := permissionFix(err); fix != "" {
		fmt.Fprintf(stderr, "hint: %s\n", fix)
	} else if errors.Is(err, auth.ErrUnavailable) {
		fmt.Fprintln(stderr, "hint: run `regkey doctor`, or choose another keystore with REGKEY_KEYSTORE=file|pass|os")
	}
	var usage *usageError
	var partial *PartialError
	switch {
	case errors.As(err, &usage):
		return ExitUsage
	case errors.As(err, &partial):
		return ExitPartial
	default:
		return ExitError
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
