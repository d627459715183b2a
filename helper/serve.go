// Package helper speaks the docker credential-helper protocol
// (docker-credential-* store|get|erase|list|version) on behalf of a Backend.
// It reproduces the reference library's observable behaviour byte for byte:
// usage and error texts, the exact not-found sentinel on stdout with exit 1,
// and the JSON shapes docker, containers/image and go-containerregistry read.
//
// It knows nothing of keystores, providers, flags or the environment; it reads
// one request from an io.Reader, asks the Backend, and writes one answer.
//
// References: docker/docker-credential-helpers credentials/credentials.go
// (Serve, HandleCommand) and client/client.go (how clients classify answers).
package helper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/regkey/regkey/auth"
)

// Backend answers the protocol's verbs. It is the reference library's Helper
// with a context and regkey's Credential.
//
// Serve passes every method a server key with surrounding white space
// trimmed and never empty. Methods may be called from one goroutine at a
// time; an implementation is not required to be safe for concurrent use.
type Backend interface {
	// Get returns the credential for serverURL, or an error wrapping
	// auth.ErrNotFound when there is none. Any other error is a failure the
	// client sees; clients such as podman and crane treat it as fatal.
	Get(ctx context.Context, serverURL string) (auth.Credential, error)
	// Store saves c under serverURL. c.Username is never empty.
	Store(ctx context.Context, serverURL string, c auth.Credential) error
	// Erase removes serverURL. An error wrapping auth.ErrNotFound (nothing
	// to erase) is answered as success: erase is idempotent.
	Erase(ctx context.Context, serverURL string) error
	// List returns every stored key with its username. It must be cheap:
	// docker's legacy builder calls get for each key listed.
	List(ctx context.Context) (map[string]string, error)
}

// Program names the helper binary for the usage and version lines.
type Program struct {
	// Name is the program's base name, "docker-credential-regkey".
	Name string
	// Version is the release version printed by `version`.
	Version string
}

// hinter is implemented by errors that carry advice for the person reading
// them; Serve prints the advice on stderr after the error.
type hinter interface{ Hint() string }

// Serve runs one protocol request and returns the process exit code. args
// are the arguments after the program name; the verb's payload is read from
// in, the answer written to out (stdout, which clients parse) and
// diagnostics to errOut (stderr, which clients pass to the user's terminal).
//
// As in the reference library: anything but exactly one argument prints the
// usage line and exits 1; --version/-v and --help/-h exit 0; an unknown verb
// and every failure print one line on stdout and exit 1. A missing
// credential prints exactly "credentials not found in native keychain".
// Reading stdin honours ctx, so a client that never closes it cannot hang
// the helper past the caller's deadline.
func Serve(ctx context.Context, p Program, b Backend, args []string, in io.Reader, out, errOut io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(out, usageFormat+"\n", p.Name)
		return 1
	}
	verb := args[0]
	switch verb {
	case "--version", "-v":
		fmt.Fprintf(out, versionFormat, p.Name, Package, p.Version)
		return 0
	case "--help", "-h":
		fmt.Fprintf(out, usageFormat+"\n", p.Name)
		return 0
	}
	err := handle(ctx, p, b, verb, in, out)
	if err == nil {
		return 0
	}
	report(p.Name, verb, err, out, errOut)
	return 1
}

// handle runs one verb; errors are reported by the caller.
func handle(ctx context.Context, p Program, b Backend, verb string, in io.Reader, out io.Writer) error {
	switch verb {
	case ActionStore:
		return store(ctx, b, in)
	case ActionGet:
		return get(ctx, b, in, out)
	case ActionErase:
		return erase(ctx, b, in)
	case ActionList:
		return list(ctx, b, out)
	case ActionVersion:
		_, err := fmt.Fprintf(out, versionFormat, p.Name, Package, p.Version)
		return err
	default:
		return &unknownAction{prog: p.Name, verb: verb}
	}
}

// unknownAction is printed verbatim, without the program prefix other
// failures get, because its text already is the reference one.
type unknownAction struct{ prog, verb string }

func (e *unknownAction) Error() string { return fmt.Sprintf(unknownActionFormat, e.prog, e.verb) }

// report writes err as the protocol answer: the contract texts exactly, any
// other failure as one "<prog>: <error>" line on stdout, repeated on stderr
// with its hint, because docker drops get errors and shows only stderr.
func report(prog, verb string, err error, out, errOut io.Writer) {
	var unknown *unknownAction
	switch {
	case errors.Is(err, auth.ErrNotFound):
		fmt.Fprintln(out, notFoundMessage)
		return
	case errors.Is(err, ErrMissingServerURL):
		fmt.Fprintln(out, missingURLMessage)
		return
	case errors.Is(err, ErrMissingUsername):
		fmt.Fprintln(out, missingUserMessage)
		return
	case errors.As(err, &unknown):
		fmt.Fprintln(out, OneLine(err.Error()))
		return
	}
	msg := OneLine(err.Error())
	fmt.Fprintf(out, "%s: %s\n", prog, msg)
	fmt.Fprintf(errOut, "%s %s: %s\n", prog, OneLine(verb), msg)
	var h hinter
	if errors.As(err, &h) && h.Hint() != "" {
		fmt.Fprintf(errOut, "hint: %s\n", OneLine(h.Hint()))
	}
}

// OneLine folds line breaks and other control characters into spaces and
// collapses runs of white space, so an answer or a warning is always exactly
// one line whatever a backend's error says.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
