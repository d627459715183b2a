package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/fix"
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

// exitCode is the one place that turns an error into an exit code, and
// prints it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var silent *cmderr.Silent
	if errors.As(err, &silent) {
		return silent.Code
	}
	fmt.Fprintf(stderr, "regkey: %s\n", err)
	if h := cmderr.HintOf(err); h != "" {
		fmt.Fprintf(stderr, "hint: %s\n", h)
	} else if fix := fix.Permission(err); fix != "" {
		fmt.Fprintf(stderr, "hint: %s\n", fix)
	} else if errors.Is(err, auth.ErrUnavailable) {
		fmt.Fprintln(stderr, "hint: run `regkey doctor`, or choose another keystore with REGKEY_KEYSTORE=file|pass|os")
	}
	var partial *cmderr.Partial
	switch {
	case cmderr.IsUsage(err):
		return ExitUsage
	case errors.As(err, &partial):
		return ExitPartial
	default:
		return ExitError
	}
}
