package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/helper"
	"github.com/regkey/regkey/internal/resolve"
	"github.com/regkey/regkey/internal/version"
	"github.com/regkey/regkey/keystore"
)

// ProtocolTimeout bounds one credential-helper request end to end. docker
// and podman wait for a helper forever, so regkey must give up on its own;
// the kubelet's limit for its plugins is one minute, and provider calls are
// bounded more tightly inside this.
const ProtocolTimeout = 30 * time.Second

// keystoreHint is the advice printed when the keystore cannot be used.
const keystoreHint = "run `regkey doctor`, or choose another keystore with REGKEY_KEYSTORE=file|pass|os"

// runProtocol speaks the docker credential-helper protocol as name (the
// program's base name, docker-credential-regkey) for the one verb in args.
//
// The keystore is opened only by the verbs that need it. When it cannot be
// opened or read, get answers not found and explains why on stderr (see
// resolve.Resolver.Get: a non-not-found answer is fatal to podman, skopeo
// and crane even for public images and for registries regkey does not
// manage, and stderr reaches the user in every client); store, erase and
// list fail with one line naming the backend, and a hint.
func runProtocol(ctx context.Context, f *Factory, name string, args []string) int {
	ctx, cancel := context.WithTimeout(ctx, ProtocolTimeout)
	defer cancel()
	opts := resolve.Options{Stderr: f.IO.ErrOut}
	if len(args) == 1 && args[0] == helper.ActionGet {
		src, err := dynamicSource(ctx, f)
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "regkey: warning: registry providers are off: %v\n", oneLineErr(err))
		} else if src != nil {
			opts.Dynamic = src
		}
	}
	r := resolve.New(&lazyKeystore{f: f}, opts)
	return helper.Serve(ctx, helper.Program{Name: name, Version: version.Version}, r, args, f.IO.In, f.IO.Out, f.IO.ErrOut)
}

// dynamicSource returns the providers' side of a get: the router over the
// built-in detectors and the settings file's rules, through the token
// cache. Building it is cheap (no provider is constructed, no SDK
// configuration is loaded until a host it owns is asked for). An error
// means the settings file is unreadable or a rule is malformed; the caller
// then answers from the keystore alone and says so on stderr.
func dynamicSource(_ context.Context, f *Factory) (resolve.Source, error) {
	router, err := f.Router()
	if err != nil {
		return nil, err
	}
	return &resolve.Dynamic{Router: router, Cache: f.tokenCache(f.IO.ErrOut)}, nil
}

// lazyKeystore opens the Factory's keystore on first use, so that get for a
// provider-owned registry never touches it and version opens nothing.
type lazyKeystore struct{ f *Factory }

var _ keystore.Store = (*lazyKeystore)(nil)

func (l *lazyKeystore) open(ctx context.Context) (keystore.Store, error) {
	s, _, err := l.f.Keystore(ctx)
	if err != nil {
		return nil, hintUnavailable(err)
	}
	return s, nil
}

// hintUnavailable attaches the keystore advice to an error that says the
// backend cannot be used.
func hintUnavailable(err error) error {
	if errors.Is(err, auth.ErrUnavailable) {
		return withHint(err, keystoreHint)
	}
	return err
}

func (l *lazyKeystore) Get(ctx context.Context, key string) (auth.Credential, error) {
	s, err := l.open(ctx)
	if err != nil {
		return auth.Credential{}, err
	}
	c, err := s.Get(ctx, key)
	return c, hintUnavailable(err)
}

func (l *lazyKeystore) Set(ctx context.Context, key string, c auth.Credential) error {
	s, err := l.open(ctx)
	if err != nil {
		return err
	}
	return hintUnavailable(s.Set(ctx, key, c))
}

func (l *lazyKeystore) Delete(ctx context.Context, key string) error {
	s, err := l.open(ctx)
	if err != nil {
		return err
	}
	return hintUnavailable(s.Delete(ctx, key))
}

func (l *lazyKeystore) List(ctx context.Context) (map[string]string, error) {
	s, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.List(ctx)
	return m, hintUnavailable(err)
}

// Hint lets helper.Serve print the advice of a hinted error on stderr.
func (e *hinted) Hint() string { return e.hint }

// oneLineErr is err's text for a one-line warning.
func oneLineErr(err error) string { return helper.OneLine(err.Error()) }

// newHelperCmd is `regkey helper <verb>`: the protocol under the CLI's name,
// for scripts and for trying the helper by hand. It is hidden because
// clients run docker-credential-regkey.
func newHelperCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "helper <store|get|erase|list|version>",
		Short: "Speak the docker credential-helper protocol (as docker-credential-regkey does)",
		Example: `  printf ghcr.io | regkey helper get
  echo '{"ServerURL":"ghcr.io","Username":"me","Secret":"…"}' | regkey helper store`,
		Hidden:             true,
		DisableFlagParsing: true, // -h, -v and --version belong to the protocol
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runProtocol(cmd.Context(), f, "regkey helper", args); code != 0 {
				return &silentError{code: code}
			}
			return nil
		},
	}
}
