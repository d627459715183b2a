package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/helper"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/resolve"
	"github.com/regkey/regkey/internal/version"
)

// ProtocolTimeout bounds one credential-helper request end to end. docker
// and podman wait for a helper forever, so regkey must give up on its own;
// the kubelet's limit for its plugins is one minute, and provider calls are
// bounded more tightly inside this.
const ProtocolTimeout = 30 * time.Second

// runProtocol speaks the docker credential-helper protocol as name (the
// program's base name, docker-credential-regkey) for the one verb in args.
//
// The keystore is opened only by the verbs that need it. When it cannot be
// opened or read, get answers not found and explains why on stderr (see
// resolve.Resolver.Get: a non-not-found answer is fatal to podman, skopeo
// and crane even for public images and for registries regkey does not
// manage, and stderr reaches the user in every client); store, erase and
// list fail with one line naming the backend, and a hint.
func runProtocol(ctx context.Context, f *cmdutil.Factory, name string, args []string) int {
	ctx, cancel := context.WithTimeout(ctx, ProtocolTimeout)
	defer cancel()
	opts := resolve.Options{Stderr: f.IO.ErrOut}
	if len(args) == 1 && args[0] == helper.ActionGet {
		src, err := dynamicSource(ctx, f)
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "regkey: warning: registry providers are off: %v\n", cmderr.OneLine(err))
		} else if src != nil {
			opts.Dynamic = src
		}
	}
	r := resolve.New(cmdutil.LazyKeystore(f), opts)
	return helper.Serve(ctx, helper.Program{Name: name, Version: version.Version}, r, args, f.IO.In, f.IO.Out, f.IO.ErrOut)
}

// dynamicSource returns the providers' side of a get: the router over the
// built-in detectors and the settings file's rules, through the token
// cache. Building it is cheap (no provider is constructed, no SDK
// configuration is loaded until a host it owns is asked for). An error
// means the settings file is unreadable or a rule is malformed; the caller
// then answers from the keystore alone and says so on stderr.
func dynamicSource(_ context.Context, f *cmdutil.Factory) (resolve.Source, error) {
	router, err := f.Router()
	if err != nil {
		return nil, err
	}
	return &resolve.Dynamic{Router: router, Cache: f.TokenCache(f.IO.ErrOut)}, nil
}

// newHelperCmd is `regkey helper <verb>`: the protocol under the CLI's name,
// for scripts and for trying the helper by hand. It is hidden because
// clients run docker-credential-regkey.
func newHelperCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "helper <store|get|erase|list|version>",
		Short: "Speak the docker credential-helper protocol (as docker-credential-regkey does)",
		Example: `  printf ghcr.io | regkey helper get
  echo '{"ServerURL":"ghcr.io","Username":"me","Secret":"…"}' | regkey helper store`,
		Hidden:             true,
		DisableFlagParsing: true, // -h, -v and --version belong to the protocol
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runProtocol(cmd.Context(), f, "regkey helper", args); code != 0 {
				return &cmderr.Silent{Code: code}
			}
			return nil
		},
	}
}
