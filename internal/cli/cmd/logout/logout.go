// Package logout is the `regkey logout` command: its help and argument.
// The work is internal/login's.
package logout

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/login"
)

// LogoutOptions are the inputs of `regkey logout`: the engine's, with its
// streams, keystore and owner wired from the cmdutil.Factory and Server set
// from the argument.
type LogoutOptions struct {
	login.LogoutOptions
}

// NewCmdLogout builds `regkey logout`. runF replaces logoutRun in tests.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{LogoutOptions: login.LogoutOptions{
		Out: f.IO.Out, ErrOut: f.IO.ErrOut, Keystore: f.Keystore, Owner: login.ProviderOwner(f.Router),
	}}
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
	return login.Logout(ctx, opts.LogoutOptions)
}
