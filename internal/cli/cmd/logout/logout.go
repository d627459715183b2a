// Package logout is the `regkey logout` command: its help and argument.
// The work is internal/login's.
package logout

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/login"
	"github.com/regkey/regkey/keystore"
)

// LogoutOptions are the inputs of `regkey logout`.
type LogoutOptions struct {
	IO cmdutil.IOStreams
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)
	// Owner names the provider that serves a registry, as in login's options.
	Owner login.Owner

	Server string // the argument as typed; "" is Docker Hub
}

// NewCmdLogout builds `regkey logout`. runF replaces logoutRun in tests.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IO, Keystore: f.Keystore, Owner: login.ProviderOwner(f.Router)}
	cmd := &cobra.Command{
		Use:   "logout [SERVER]",
		Short: "Remove a registry's credentials from regkey's keystore",
		Long: `logout removes every entry regkey's keystore holds for the registry, under
any spelling: the exact argument, the host in any case, with https:// or
http://, with or without :443, docker's /v1/ form, repository-scoped entries
(HOST/REPO), and for Docker Hub every Hub alias plus docker's access-token and
refresh-token entries. With a repository path (HOST/REPO) the entries for
that repository go, and so do those for its parent paths and the whole
registry, which would otherwise still answer for it; entries for other
repositories stay. Without SERVER it logs out of Docker Hub.

docker logout, podman logout and skopeo logout end a login the same way
through docker-credential-regkey: every spelling that would still answer
for what they name is erased, but repository-scoped entries below a bare
host and Docker Hub's token entries are left to regkey logout (docker
erases its token entries itself).

It prints each entry removed. Having nothing to remove is not an error, as
with docker logout.`,
		Example: `  regkey logout ghcr.io
  regkey logout localhost:5000`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Server = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(cmd.Context(), opts)
		},
	}
	return cmd
}

// logoutRun hands the options to the engine, login.Logout.
func logoutRun(ctx context.Context, opts *LogoutOptions) error {
	return login.Logout(ctx, login.LogoutOptions{
		Out: opts.IO.Out, ErrOut: opts.IO.ErrOut, Keystore: opts.Keystore, Owner: opts.Owner, Server: opts.Server,
	})
}
