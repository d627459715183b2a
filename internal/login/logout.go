package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/resolve"
	"github.com/regkey/regkey/keystore"
)

// LogoutOptions are the inputs of Logout.
type LogoutOptions struct {
	// Out gets each entry removed; ErrOut notes and "Not logged in".
	Out, ErrOut io.Writer
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)
	// Owner tells whether a provider serves the registry, as in Options.
	Owner Owner

	Server string // the argument as typed; "" is Docker Hub
}

// Logout removes every entry of the keystore that names opts.Server under
// any spelling (see spellingsOf), printing each one. Having nothing to
// remove is not an error.
func Logout(ctx context.Context, opts LogoutOptions) error {
	k, err := parseServer(opts.Server)
	if err != nil {
		return err
	}
	store, info, err := opts.Keystore(ctx)
	if err != nil {
		return err
	}
	if !k.Opaque {
		noteOwner(opts.ErrOut, opts.Owner, k, "clients still get credentials from it")
	}
	all, err := store.List(ctx)
	if err != nil {
		return fmt.Errorf("listing the %s keystore: %w", info.Backend, err)
	}
	keys := spellingsOf(all, k)
	if len(keys) == 0 {
		fmt.Fprintf(opts.ErrOut, "Not logged in to %s: nothing stored in the %s keystore\n", k.Raw, info.Backend)
		return nil
	}
	var errs []error
	for _, key := range keys {
		err := store.Delete(ctx, key)
		switch {
		case err == nil:
			fmt.Fprintf(opts.Out, "Removed %s (%s) from the %s keystore\n", key, all[key], info.Backend)
		case errors.Is(err, auth.ErrNotFound):
			// Removed by someone else meanwhile: the outcome is the same.
		default:
			errs = append(errs, fmt.Errorf("removing %s from the %s keystore: %w", key, info.Backend, err))
		}
	}
	return errors.Join(errs...)
}

// spellingsOf returns, sorted, the stored keys Logout removes for k. It
// starts from the helper's erase rule (resolve.ErasedBy: k and every
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
