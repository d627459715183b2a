// Package list is `regkey list`: the keys in regkey's keystore with their
// user names, never a secret.
package list

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/keystore"
)

// ListOptions are the inputs of `regkey list`.
type ListOptions struct {
	IO cmdutil.IOStreams
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)

	JSON bool
}

// listJSON is the shape of `regkey list --json`.
type listJSON struct {
	Keystore    cmdutil.KeystoreJSON `json:"keystore"`
	Credentials []listEntry          `json:"credentials"`
}

type listEntry struct {
	// Key is the exact key the credential is stored under.
	Key string `json:"key"`
	// Host is the registry host the key names ("docker.io" for Hub), or ""
	// when the key names no registry.
	Host string `json:"host"`
	// Username is the stored user name ("<token>" for an identity token).
	Username string `json:"username"`
	// IdentityToken is true when the secret is an identity token.
	IdentityToken bool `json:"identity_token"`
}

// NewCmdList builds `regkey list`. runF replaces listRun in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO, Keystore: f.Keystore}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the registries regkey's keystore holds credentials for",
		Long: `list prints each key in regkey's keystore with its user name; never a secret.
The table goes to stdout; the keystore in use, where it keeps credentials
and why it was chosen go to stderr. --json prints one object for scripts:

  {"keystore": {"backend": "file", "location": "...", "reason": "..."},
   "credentials": [{"key": "ghcr.io", "host": "ghcr.io", "username": "octocat",
                    "identity_token": false}]}

Registries served by a provider (ECR, ACR, Google, GHCR, GitLab) are not
listed: their tokens are not stored here.`,
		Example: `  regkey list
  regkey list --json | jq -r '.credentials[].key'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	store, info, err := opts.Keystore(ctx)
	if err != nil {
		return err
	}
	all, err := store.List(ctx)
	if err != nil {
		return fmt.Errorf("listing the %s keystore: %w", info.Backend, err)
	}
	entries := make([]listEntry, 0, len(all))
	for _, key := range slices.Sorted(maps.Keys(all)) {
		e := listEntry{Key: key, Username: all[key], IdentityToken: all[key] == auth.TokenUsername}
		if k, err := auth.ParseKey(key); err == nil {
			e.Host = k.Host
		}
		entries = append(entries, e)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(listJSON{
			Keystore:    cmdutil.KeystoreJSON{Backend: info.Backend, Location: info.Location, Reason: info.Reason},
			Credentials: entries,
		})
	}
	if len(entries) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "No credentials stored in the %s keystore%s%s\n", info.Backend, info.WhereSuffix(), info.WhySuffix())
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REGISTRY\tUSERNAME")
	for _, e := range entries {
		user := e.Username
		if e.IdentityToken {
			user += " (identity token)"
		}
		fmt.Fprintf(tw, "%s\t%s\n", e.Key, user)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Keystore: %s%s%s\n", info.Backend, info.WhereSuffix(), info.WhySuffix())
	return nil
}
