package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/keystore"
)

// HelperName is the suffix docker and podman know regkey by.
const HelperName = "regkey"

// SetupOptions are the inputs of `regkey setup`.
type SetupOptions struct {
	IO    IOStreams
	Env   config.Env
	Paths config.Paths
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)
	// Route names the provider that serves a registry ("" for the keystore)
	// and lists the hosts the settings' rules name exactly; nil means no
	// providers.
	Route func(auth.Key) (string, error)
	// RuleHosts are the hosts named exactly by the settings' rules.
	RuleHosts func() ([]string, error)
	// LookPath finds a program on the user's PATH.
	LookPath func(string) (string, error)
	// Helper runs another docker-credential-NAME helper (for --take-over).
	Helper helperRunner
	// GOOS and UID select podman's runtime auth file.
	GOOS string
	UID  int
	// Self is the running regkey binary, which hints link ("" when
	// unknown).
	Self string

	DryRun         bool
	TakeOver       bool
	Undo           bool
	Force          bool
	Docker         bool
	Podman         bool
	RegistriesConf bool
}

// NewCmdSetup builds `regkey setup`. runF replaces setupRun in tests.
func NewCmdSetup(f *Factory, runF func(context.Context, *SetupOptions) error) *cobra.Command {
	opts := &SetupOptions{
		IO: f.IO, Env: f.Env, Paths: f.Paths, Keystore: f.Keystore,
		Route: routeFunc(f), RuleHosts: ruleHostsFunc(f),
		LookPath: func(name string) (string, error) { return lookPath(f.Env, name) },
		Helper:   execHelper{env: f.Env},
		GOOS:     runtime.GOOS, UID: os.Getuid(), Self: selfPath(),
	}
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Make docker, podman, skopeo and buildah get registry credentials from regkey",
		Long: `setup points docker and podman (and skopeo, buildah, crane, oras, which read
the same files) at docker-credential-regkey, and moves plaintext logins out of
their config files into regkey's keystore.

Docker ($DOCKER_CONFIG/config.json, else ~/.docker/config.json): credsStore
becomes "regkey", so that every later docker login lands in the keystore, and
each registry regkey serves gets a credHelpers entry (Docker Hub under both
https://index.docker.io/v1/ and docker.io).

Podman, skopeo, buildah ignore credsStore: each registry regkey serves gets a
credHelpers entry in $REGISTRY_AUTH_FILE, else the persistent
${XDG_CONFIG_HOME:-~/.config}/containers/auth.json. With --registries-conf,
regkey is also put first in podman's credential-helpers (a drop-in,
~/.config/containers/registries.conf.d/zz-regkey.conf, that keeps the list in
effect), so that registries logged into later work too; every podman pull
then asks regkey, and fails if regkey is removed without setup --undo.

Every plaintext secret in these files (auths "auth", "identitytoken",
"password") is stored in the keystore, read back and compared, and only then
removed. Member names are matched as docker and podman match them, case
aside ("AUTHS", "Auth", "IdentityToken" count too). A
secret already in the keystore is not stored again; one that differs from
the keystore's copy stops setup with nothing changed.

Entries naming other helpers (credHelpers, credsStore) stay unless
--take-over is given; with it, their credentials are copied into the keystore
where the helper answers.

Files are edited in place: every key regkey does not own keeps its bytes,
order and indentation; mode, owner and symlinks are kept; writes are atomic;
the first change of a file keeps a copy beside it (NAME.regkey-backup),
without the secrets that moved into the keystore (--undo takes them back from
there). A file that does not parse is refused and left untouched. --dry-run prints a
diff (secrets redacted) and changes nothing. A second run changes nothing.
--undo puts back every file as it was before the first setup.

By default setup wires what is installed or configured; --docker and
--podman limit it.`,
		Example: `  regkey setup
  regkey setup --dry-run
  regkey setup --podman --registries-conf
  regkey setup --take-over
  regkey setup --undo`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Undo && (opts.TakeOver || opts.RegistriesConf || opts.Docker || opts.Podman) {
				return usageErrorf("--undo takes no other flag than --dry-run and --force")
			}

			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Undo {
				return setupUndo(cmd.Context(), opts)
			}
			return setupRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print what would change, as a diff, and change nothing")
	fl.BoolVar(&opts.TakeOver, "take-over", false, "replace credsStore and credHelpers entries that name other helpers")
	fl.BoolVar(&opts.Docker, "docker", false, "wire docker (by default: whatever is installed or configured)")
	fl.BoolVar(&opts.Podman, "podman", false, "wire podman, skopeo and buildah (by default: whatever is installed or configured)")
	fl.BoolVar(&opts.RegistriesConf, "registries-conf", false, "also put regkey first in podman's credential-helpers, for every registry")
	fl.BoolVar(&opts.Undo, "undo", false, "restore every file setup changed as it was before the first setup")
	fl.BoolVar(&opts.Force, "force", false, "wire even when PATH does not find docker-credential-regkey; with --undo: restore files changed since setup too")
	return cmd
}

// helperOnPath refuses to wire docker and podman to a helper they cannot
// run: they find docker-credential-regkey through PATH, and a credsStore
// naming a missing helper fails every docker login (and setup will have
// moved the plaintext logins out of the file).
func helperOnPath(opts *SetupOptions) error {
	if _, err := opts.LookPath(HelperPrefix + HelperName); err != nil {
		return withHint(fmt.Errorf("PATH does not find %s%s, so docker and podman could not run it; nothing was changed", HelperPrefix, HelperName),
			helperPathFix(opts.Env, opts.Self, opts.UID)+"; then run `regkey setup` again (--force wires anyway)")
	}
	return nil
}

// journalPath is where setup records the files it changed.
func journalPath(p config.Paths) string { return filepath.Join(p.DataDir, "setup-journal.json") }

// lockPath serialises setups of one user.
func lockPath(p config.Paths) string { return filepath.Join(p.DataDir, "setup.lock") }

// setupRun wires the selected clients; see the command's help.
func setupRun(ctx context.Context, opts *SetupOptions) error {
	sel := selectClients(opts)
	if !sel.docker && !sel.podman {
		fmt.Fprintln(opts.IO.Out, "Neither docker nor podman, skopeo or buildah is installed or configured: nothing to wire.")
		fmt.Fprintln(opts.IO.Out, "Run `regkey setup --docker` or `regkey setup --podman` to wire them anyway.")
		return nil
	}
	if !opts.DryRun && !opts.Force {
		if err := helperOnPath(opts); err != nil {
			return err
		}
	}
	if !opts.DryRun {
		unlock, err := config.Lock(ctx, lockPath(opts.Paths))
		if err != nil {
			return err
		}
		defer unlock()
	}
	p, err := planSetup(ctx, opts, sel)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return p.printDryRun(opts.IO.Out)
	}
	if err := p.migrate(ctx); err != nil {
		return err
	}
	return p.apply(opts)
}
