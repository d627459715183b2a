package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/fix"
)

// exitCode is the one place that turns an error into an exit code, and
// prints it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return cmderr.ExitOK
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
		return cmderr.ExitUsage
	case errors.As(err, &partial):
		return cmderr.ExitPartial
	default:
		return cmderr.ExitError
	}
}
