// Package cmderr holds the errors regkey's command layer turns into exit
// codes and advice: a usage mistake, a partial failure over several
// registries, a failure already explained, and advice attached to any
// error. Engines return them; only internal/cli maps them to exit codes.
package cmderr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/regkey/regkey/helper"
)

// Exit codes of the regkey command line (internal/cli's exitCode picks
// them). The helper protocol always uses 1 for failure, as docker's
// reference library does.
const (
	ExitOK      = 0
	ExitError   = 1 // a failure, or nothing found
	ExitUsage   = 2 // bad flags or arguments
	ExitPartial = 3 // a multi-registry command failed for some registries
)

// usageError is a mistake in how regkey was invoked.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// Usage marks err as a mistake in how regkey was invoked (exit code 2).
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err}
}

// Usagef is Usage(fmt.Errorf(format, a...)).
func Usagef(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// IsUsage reports whether err, or an error it wraps, is a usage mistake.
func IsUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// Partial reports that a command over several registries failed for some
// of them; the command has already printed which.
type Partial struct {
	Failed []string
}

func (e *Partial) Error() string {
	return fmt.Sprintf("%d registr%s failed", len(e.Failed), Plural(len(e.Failed), "y", "ies"))
}

// Silent carries an exit code for a failure the command has already
// explained on stderr.
type Silent struct{ Code int }

func (e *Silent) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// hinted attaches advice to an error; the advice is printed on its own line.
type hinted struct {
	err  error
	hint string
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Unwrap() error { return e.err }

// Hint lets helper.Serve print the advice of a hinted error on stderr.
func (e *hinted) Hint() string { return e.hint }

// WithHint returns err with advice for the person reading it; nil stays nil.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: hint}
}

// HintOf is the advice attached to err (the outermost), or "".
func HintOf(err error) string {
	var h *hinted
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}

// OneLine is err's text on one line, for a warning or a table cell.
func OneLine(err error) string { return helper.OneLine(err.Error()) }

// Plural is one when n is 1, else many.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// QuoteAll quotes each of keys and joins them with ", ", for a message
// that names them.
func QuoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	return strings.Join(q, ", ")
}
