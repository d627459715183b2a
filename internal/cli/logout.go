package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/resolve"
	"github.com/regkey/regkey/keystore"
)

// LogoutOptions are the inputs of `regkey logout`.
type LogoutOptions struct {
	IO cmdutil.IOStreams
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)
	// Owner names the provider that serves a registry, as in LoginOptions.
	Owner func(auth.Key) (name, reason string, err error)

	Server string // the argument as typed; "" is Docker Hub
}

// NewCmdLogout builds `regkey logout`. runF replaces logoutRun in tests.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IO, Keystore: f.Keystore, Owner: providerOwner(f)}
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

func logoutRun(ctx context.Context, opts *LogoutOptions) error {
	k, err := parseServer(opts.Server)
	if err != nil {
		return err
	}
	store, info, err := opts.Keystore(ctx)
	if err != nil {
		return err
	}
	if !k.Opaque {
		noteOwner(opts.IO, opts.Owner, k, "clients still get credentials from it")
	}
	all, err := store.List(ctx)
	if err != nil {
		return fmt.Errorf("listing the %s keystore: %w", info.Backend, err)
	}
	keys := spellingsOf(all, k)
	if len(keys) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "Not logged in to %s: nothing stored in the %s keystore\n", k.Raw, info.Backend)
		return nil
	}
	var errs []error
	for _, key := range keys {
		err := store.Delete(ctx, key)
		switch {
		case err == nil:
			fmt.Fprintf(opts.IO.Out, "Removed %s (%s) from the %s keystore\n", key, all[key], info.Backend)
		case errors.Is(err, auth.ErrNotFound):
			// Removed by someone else meanwhile: the outcome is the same.
		default:
			errs = append(errs, fmt.Errorf("removing %s from the %s keystore: %w", key, info.Backend, err))
		}
	}
	return errors.Join(errs...)
}

// spellingsOf returns, sorted, the stored keys `regkey logout` removes for
// k. It starts from the helper's erase rule (resolve.ErasedBy: k and every
// spelling a get of k falls back to, parent repository paths included, so
// that afterwards no client gets a credential for k from the keystore) and
// deliberately goes further for a bare registry: a person logging out of
// HOST means all of it, so the logins stored for repository paths below it
// (HOST/team-a) go too, and for Docker Hub docker's opaque access-token and
// refresh-token entries.
func spellingsOf(all map[string]string, k auth.Key) []string {
	set := map[string]bool{}
	for _, key := range resolve.ErasedBy(k, all) {
		set[key] = true
	}
	if k.Path == "" && !k.Opaque {
		for stored := range all {
			sk, err := auth.ParseKey(stored)
			switch {
			case err != nil:
			case sk.Opaque:
				set[stored] = set[stored] || k.IsHub() && sk.Host == auth.HubHost
			case auth.SameRegistry(sk, k):
				set[stored] = true
			}
		}
	}
	var out []string
	for key, ok := range set {
		if ok {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}
