package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/keystore"
)

// HelperName is the suffix docker and podman know regkey by.
const HelperName = "regkey"

// SetupOptions are the flags of `regkey setup`.
type SetupOptions struct {
	DryRun   bool
	TakeOver bool
}

func init() { subcommands = append(subcommands, newSetupCmd) }

func newSetupCmd(f *Factory) *cobra.Command {
	opts := &SetupOptions{}
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Make regkey docker's credential store, moving plaintext logins into the keystore",
		Long: `setup sets credsStore to "regkey" in docker's config.json, keeping every
other key. Plaintext secrets in "auths" are first stored in regkey's keystore,
read back and compared, and only then removed from the file. The original file
is kept beside it as config.json.regkey-backup (once, on the first change).

A config.json that does not parse is refused and left untouched. If credsStore
names another helper, setup changes nothing unless --take-over is given
(credentials held by that helper stay there).`,
		Example: `  regkey setup
  regkey setup --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return setupRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "say what would change and change nothing")
	cmd.Flags().BoolVar(&opts.TakeOver, "take-over", false, "replace a credsStore that names another helper")
	return cmd
}

func setupRun(ctx context.Context, f *Factory, opts *SetupOptions) error {
	path := f.Paths.DockerConfig
	d, err := config.ReadDockerFile(path)
	if err != nil {
		return withHint(err, "fix the file by hand, or move it aside and run `regkey setup` again")
	}
	plain, err := d.PlainAuths()
	if err != nil {
		return withHint(err, "fix the file by hand, or move it aside and run `regkey setup` again")
	}
	current := d.CredsStore()
	if current != "" && current != HelperName && !opts.TakeOver {
		return withHint(fmt.Errorf("%s: credsStore is %q; leaving it unchanged", path, current),
			"run `regkey setup --take-over` to make regkey the store (logins kept by docker-credential-"+current+" stay there)")
	}
	if current == HelperName && len(plain) == 0 {
		fmt.Fprintf(f.IO.Out, "docker (%s): already uses regkey; nothing to change\n", path)
		return nil
	}
	if opts.DryRun {
		for _, a := range plain {
			fmt.Fprintf(f.IO.Out, "would move the plaintext login for %s into the keystore\n", a.Key)
		}
		if current != HelperName {
			fmt.Fprintf(f.IO.Out, "would set credsStore to %q in %s\n", HelperName, path)
		}
		return nil
	}
	var store keystore.Store
	if len(plain) > 0 {
		s, info, err := f.Keystore(ctx)
		if err != nil {
			return fmt.Errorf("%s holds %d plaintext login(s) and the keystore cannot be opened, so docker's config was left untouched: %w", path, len(plain), err)
		}
		store = s
		for _, a := range plain {
			if err := migrate(ctx, store, a); err != nil {
				return fmt.Errorf("moving the login for %s into the %s keystore: %w (docker's config was left untouched)", a.Key, info.Backend, err)
			}
			if err := d.ClearSecret(a.Key); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "moved the plaintext login for %s into the %s keystore\n", a.Key, info.Backend)
		}
	}
	if err := backupOnce(d); err != nil {
		return err
	}
	d.SetCredsStore(HelperName)
	if err := d.Save(); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "docker (%s): credsStore set to %q\n", path, HelperName)
	return nil
}

// migrate stores a plaintext login in the keystore and reads it back; it
// succeeds only when the keystore returns exactly what was stored.
func migrate(ctx context.Context, store keystore.Store, a config.PlainAuth) error {
	c := auth.Credential{Username: a.Username, Secret: a.Password}
	if a.IdentityToken != "" {
		c = auth.Credential{Username: auth.TokenUsername, Secret: a.IdentityToken}
	}
	if old, err := store.Get(ctx, a.Key); err == nil && old == c {
		return nil // migrated before
	} else if err != nil && !errors.Is(err, auth.ErrNotFound) {
		return err
	}
	if err := store.Set(ctx, a.Key, c); err != nil {
		return err
	}
	back, err := store.Get(ctx, a.Key)
	if err != nil {
		return fmt.Errorf("reading it back: %w", err)
	}
	if back != c {
		return errors.New("the keystore returned a different credential than was stored")
	}
	return nil
}

// backupOnce copies the original file beside it the first time regkey
// changes it, so the user can always go back to what they had.
func backupOnce(d *config.DockerFile) error {
	if !d.Exists {
		return nil
	}
	target, err := config.ResolveSymlinks(d.Path)
	if err != nil {
		return err
	}
	backup := target + ".regkey-backup"
	if _, err := os.Lstat(backup); err == nil {
		return nil
	}
	fi, err := os.Stat(target)
	if err != nil {
		return err
	}
	if err := config.WriteFileAtomic(backup, d.Original, fi.Mode().Perm()&0o600); err != nil {
		return fmt.Errorf("backing up %s: %w", d.Path, err)
	}
	return nil
}
