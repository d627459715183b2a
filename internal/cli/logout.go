package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
)

// LogoutOptions are the inputs of `regkey logout`.
type LogoutOptions struct {
	IO IOStreams
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)
	// Owner names the provider that serves a registry, as in LoginOptions.
	Owner func(auth.Key) (name, reason string, err error)

	Server string // the argument as typed; "" is Docker Hub
}

// NewCmdLogout builds `regkey logout`. runF replaces logoutRun in tests.
func NewCmdLogout(f *Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IO, Keystore: f.Keystore, Owner: providerOwner(f)}
	cmd := &cobra.Command{
		Use:   "logout [SERVER]",
		Short: "Remove a registry's credentials from regkey's keystore",
		Long: `logout removes every entry regkey's keystore holds for the registry, under
any spelling: the exact argument, the host in any case, with https:// or
http://, with or without :443, docker's /v1/ form, repository-scoped entries
(HOST/REPO), and for Docker Hub every Hub alias plus docker's access-token and
refresh-token entries. With a repository path (HOST/REPO) only the entries for
that repository go. Without SERVER it logs out of Docker Hub.

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

// spellingsOf returns the stored keys that name what k names, sorted: the
// exact key; every key for the same registry host when k has no path (any
// path, plus Docker Hub's opaque token entries for Hub); only keys with the
// same path when it has one.
func spellingsOf(all map[string]string, k auth.Key) []string {
	var out []string
	for stored := range all {
		if stored == k.Raw {
			out = append(out, stored)
			continue
		}
		sk, err := auth.ParseKey(stored)
		if err != nil || k.Opaque {
			continue
		}
		switch {
		case sk.Opaque:
			if k.IsHub() && k.Path == "" && sk.Host == auth.HubHost {
				out = append(out, stored)
			}
		case !auth.SameRegistry(sk, k):
		case k.Path == "" || sk.Path == k.Path:
			out = append(out, stored)
		}
	}
	slices.Sort(out)
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
