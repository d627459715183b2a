// Package login is the engine of `regkey login` and `regkey logout`: it
// reads a credential from the flags' values, stdin or a Prompter, checks it
// with the registry (internal/regauth), stores it in the keystore under
// StoreKey and removes the registry's other spellings; and on logout it
// erases every stored spelling that would still answer for a registry.
// It takes its streams, keystore and verifier as values and knows no
// command line.
package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"syscall"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
)

// Owner names the provider that serves a registry and why, or "" when the
// keystore does.
type Owner func(auth.Key) (name, reason string, err error)

// Options are the inputs of Login.
type Options struct {
	// In is read for PasswordStdin; InTTY says whether it is a terminal,
	// so that Prompt may be used.
	In    io.Reader
	InTTY bool
	// Out gets the outcome; ErrOut warnings, notes and -v's requests.
	Out, ErrOut io.Writer
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)
	// Verify checks credentials with the registry (regauth.Verify).
	Verify func(context.Context, string, auth.Credential, regauth.Options) (regauth.Result, error)
	// VerifyOptions carry certs.d dirs, proxy and user agent. Insecure and
	// Log are set from Insecure and Verbose.
	VerifyOptions regauth.Options
	// Prompt reads the username and password from a terminal.
	Prompt Prompter
	// Owner tells whether a provider serves the registry; nil skips the
	// check.
	Owner Owner

	Server        string // the login argument as typed; "" is Docker Hub
	Username      string
	Password      string
	PasswordStdin bool
	Insecure      bool
	NoVerify      bool
	Strict        bool
	IdentityToken bool
	Verbose       bool
}

// StoreKey is the keystore key login stores a registry's credentials
// under: docker's https://index.docker.io/v1/ for Docker Hub, else the host
// as auth.ParseKey normalises it (lower case, port kept, scheme and path
// dropped). The helper's get finds it for any spelling a client sends,
// through the same normalisation.
func StoreKey(k auth.Key) string {
	if k.IsHub() {
		return auth.HubKey
	}
	return k.Host
}

// parseServer parses the SERVER argument of login and logout: Docker Hub
// when it is empty, as docker does.
func parseServer(server string) (auth.Key, error) {
	if server == "" {
		server = auth.HubKey
	}
	k, err := auth.ParseKey(server)
	if err != nil {
		return k, cmderr.Usagef("%v", err)
	}
	return k, nil
}

// Login reads the credentials for opts.Server, checks them with the
// registry unless NoVerify, and stores them under StoreKey, replacing the
// entries for the same registry under other spellings. Nothing is stored
// when the check fails.
func Login(ctx context.Context, opts Options) error {
	k, err := parseServer(opts.Server)
	if err != nil {
		return err
	}
	if k.Opaque {
		return cmderr.Usagef("%s is not a registry", k.Raw)
	}
	key := StoreKey(k)
	noteOwner(opts.ErrOut, opts.Owner, k,
		"clients get credentials from it first; this login is used only when it has none")
	store, info, err := opts.Keystore(ctx)
	if err != nil {
		return err
	}
	cred, err := readCredential(ctx, &opts, store, key)
	if err != nil {
		return err
	}

	verified := false
	if opts.NoVerify {
		fmt.Fprintf(opts.ErrOut, "WARNING: %s: credentials not verified (--no-verify)\n", k.Host)
	} else {
		vo := opts.VerifyOptions
		vo.Insecure = opts.Insecure
		if opts.Verbose {
			vo.Log = func(format string, a ...any) { fmt.Fprintf(opts.ErrOut, "regkey: "+format+"\n", a...) }
		}
		res, err := opts.Verify(ctx, k.Raw, cred, vo)
		if err != nil {
			return loginHint(err, k)
		}
		if res.Anonymous {
			if opts.Strict {
				return cmderr.WithHint(fmt.Errorf("%s: %s; nothing stored (--strict)", k.Host, regauth.AnonymousNote),
					"run without --strict to store the credentials anyway")
			}
			fmt.Fprintf(opts.ErrOut, "WARNING: %s: %s\n", k.Host, regauth.AnonymousNote)
		} else {
			verified = true
		}
		if opts.IdentityToken {
			if res.IdentityToken != "" {
				cred = auth.Credential{Username: auth.TokenUsername, Secret: res.IdentityToken}
			} else {
				fmt.Fprintf(opts.ErrOut, "WARNING: %s issued no identity token; storing the password\n", k.Host)
			}
		}
	}

	if err := store.Set(ctx, key, cred); err != nil {
		return fmt.Errorf("storing credentials for %s: %w", key, err)
	}
	replaced, err := removeOtherSpellings(ctx, store, k, key)
	for _, r := range replaced {
		fmt.Fprintf(opts.ErrOut, "Replaced the older entry %q for the same registry\n", r)
	}
	if err != nil {
		fmt.Fprintf(opts.ErrOut, "WARNING: could not remove older entries for %s: %v\n", k.Host, err)
	}
	what := "Credentials"
	if cred.IsIdentityToken() {
		what = "An identity token"
	}
	if verified {
		fmt.Fprintln(opts.Out, "Login Succeeded")
	}
	fmt.Fprintf(opts.Out, "%s for %s stored in the %s keystore%s\n", what, key, info.Backend, info.WhereSuffix())
	return nil
}

// removeOtherSpellings deletes the stored keys other than keep that name the
// same registry host with no repository path. Repository-scoped keys
// (podman's HOST/REPO) are deliberately more specific and stay.
func removeOtherSpellings(ctx context.Context, store keystore.Store, k auth.Key, keep string) ([]string, error) {
	all, err := store.List(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, stored := range slices.Sorted(maps.Keys(all)) {
		sk, err := auth.ParseKey(stored)
		if stored == keep || err != nil || sk.Path != "" || !auth.SameRegistry(sk, k) {
			continue
		}
		if err := store.Delete(ctx, stored); err != nil && !errors.Is(err, auth.ErrNotFound) {
			errs = append(errs, fmt.Errorf("removing %q: %w", stored, err))
			continue
		}
		removed = append(removed, stored)
	}
	return removed, errors.Join(errs...)
}

// ProviderOwner returns an Owner that routes a key the way the helper does
// (settings rules, then built-in detection) with the router that router
// returns, built only when a key is asked about.
func ProviderOwner(router func() (*providers.Router, error)) Owner {
	return func(k auth.Key) (string, string, error) {
		r, err := router()
		if err != nil {
			return "", "", err
		}
		route, err := r.Route(k)
		if err != nil || route.Static() {
			return "", "", err
		}
		return route.Name, route.Reason(), nil
	}
}

// noteOwner tells the user on errOut when a provider serves k, since a
// keystore entry is then only a fallback.
func noteOwner(errOut io.Writer, owner Owner, k auth.Key, consequence string) {
	if owner == nil {
		return
	}
	name, reason, err := owner(k)
	switch {
	case err != nil:
		fmt.Fprintf(errOut, "WARNING: cannot tell which provider serves %s: %v\n", k.Host, err)
	case name != "":
		fmt.Fprintf(errOut, "NOTE: %s is served by the %s provider (%s): %s.\n", k.Host, name, reason, consequence)
	}
}

// loginHint adds advice to a verification failure.
func loginHint(err error, k auth.Key) error {
	switch {
	case errors.Is(err, regauth.ErrInvalidCredentials):
		return cmderr.WithHint(err, "check the username and the password or token (and the token's scopes); nothing was stored")
	case errors.Is(err, regauth.ErrPlainHTTP):
		return cmderr.WithHint(err, "if "+k.Host+" really serves plain HTTP, add --insecure")
	case errors.Is(err, regauth.ErrCertificate):
		return cmderr.WithHint(err, fmt.Sprintf("put the registry's CA certificate in /etc/docker/certs.d/%s/ca.crt or ~/.docker/certs.d/%s/ca.crt, or add --insecure", k.Host, k.Host))
	case errors.Is(err, regauth.ErrUnsupported):
		return cmderr.WithHint(err, "use --no-verify to store the credentials without checking them")
	case errors.Is(err, regauth.ErrRedirect):
		return cmderr.WithHint(err, "regkey sends credentials only to the host they are for; if you trust the host the redirect names, log in to it directly. Nothing was stored")
	case errors.Is(err, regauth.ErrPlainHTTPTokenServer):
		return cmderr.WithHint(err, "the token server would get the password in clear; it needs HTTPS (--insecure covers only the registry itself). Nothing was stored")
	}
	if hint := unreachableHint(err, k); hint != "" {
		return cmderr.WithHint(err, hint)
	}
	return err
}

// unreachableHint is the advice for a registry that could not be reached:
// nothing listening, a name that does not resolve, no answer, or a proxy
// in the way. It is "" for any other error.
func unreachableHint(err error, k auth.Key) string {
	where := k.Host
	switch {
	case k.Port() != "":
	case regauth.IsLoopback(k.Host):
		where += " (no port given: 443, and 80 for plain HTTP)"
	default:
		where += " (no port given: 443)"
	}
	var op *net.OpError
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &op) && op.Op == "proxyconnect":
		return "the proxy named by HTTPS_PROXY or HTTP_PROXY could not be reached: check the proxy, or add " + k.Host + " to NO_PROXY if the registry is reached directly. Nothing was stored"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing accepted the connection to " + where + ": is the registry running, and are the host and port right? Nothing was stored"
	case errors.As(err, &dns):
		return k.Host + " does not resolve: check the host name (a registry on this machine is localhost:PORT); a registry reached through a proxy needs HTTPS_PROXY. Nothing was stored"
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return where + " did not answer: is the registry up, is a firewall dropping the connection, or is it reached through a proxy (HTTPS_PROXY)? Nothing was stored"
	}
	return ""
}
