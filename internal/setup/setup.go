// Package setup is the engine of `regkey setup`: it points docker and
// podman (and skopeo, buildah, crane, oras, which read the same files) at
// docker-credential-regkey, moves the plaintext logins of their config files
// into regkey's keystore, optionally takes over the entries of other
// credential helpers, writes podman's registries.conf drop-in, and undoes
// all of it from the journal it keeps. It takes its inputs as values
// (Options) and writes its report to the writers it is given.
package setup

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/fix"
	"github.com/regkey/regkey/keystore"
)

// Options are the inputs of a setup or an undo.
type Options struct {
	// Out receives the report, ErrOut the warnings.
	Out, ErrOut io.Writer
	// Env is the user's environment: DOCKER_CONFIG, REGISTRY_AUTH_FILE,
	// CONTAINERS_REGISTRIES_CONF, XDG_RUNTIME_DIR and PATH (for hints).
	Env config.Env
	// Paths are regkey's and docker's directories and files.
	Paths config.Paths
	// Keystore opens the static keystore.
	Keystore func(context.Context) (keystore.Store, keystore.Info, error)
	// Route names the provider that serves a registry ("" for the
	// keystore); nil means no providers.
	Route func(auth.Key) (string, error)
	// RuleHosts are the hosts named exactly by the settings' rules.
	RuleHosts func() ([]string, error)
	// LookPath finds a program on the user's PATH.
	LookPath func(string) (string, error)
	// Helper runs another docker-credential-NAME helper (for TakeOver).
	Helper HelperRunner
	// GOOS and UID select podman's runtime auth file.
	GOOS string
	UID  int
	// Self is the running regkey binary, which hints link ("" when
	// unknown).
	Self string

	// DryRun prints what would change, as a diff, and changes nothing.
	DryRun bool
	// TakeOver replaces the entries naming other helpers, copying their
	// credentials into the keystore.
	TakeOver bool
	// Force wires even when PATH does not find docker-credential-regkey;
	// for Undo it restores files changed since setup from their backups.
	Force bool
	// Docker and Podman limit setup to those clients; with neither, setup
	// wires what is installed or configured.
	Docker bool
	Podman bool
	// RegistriesConf and NoRegistriesConf ask for podman's registries.conf
	// drop-in, or not; with neither, setup writes it when it wires podman,
	// unless an earlier setup was told --no-registries-conf.
	RegistriesConf   bool
	NoRegistriesConf bool
	// RestoreLogins (with Undo) writes the logins that would live only in
	// the keystore after undo into docker's or podman's file, in plaintext.
	RestoreLogins bool
}

// helperOnPath refuses to wire docker and podman to a helper they cannot
// run: they find docker-credential-regkey through PATH, and a credsStore
// naming a missing helper fails every docker login (and setup will have
// moved the plaintext logins out of the file).
func helperOnPath(opts *Options) error {
	if _, err := opts.LookPath(config.HelperPrefix + config.HelperName); err != nil {
		return cmderr.WithHint(fmt.Errorf("PATH does not find %s%s, so docker and podman could not run it; nothing was changed", config.HelperPrefix, config.HelperName),
			fix.HelperPath(opts.Env, opts.Self, opts.UID)+"; then run `regkey setup` again (--force wires anyway)")
	}
	return nil
}

// journalPath is where setup records the files it changed.
func journalPath(p config.Paths) string { return filepath.Join(p.DataDir, "setup-journal.json") }

// lockPath serialises setups of one user.
func lockPath(p config.Paths) string { return filepath.Join(p.DataDir, "setup.lock") }

// openJournal takes setup's lock (not for a dry run, which changes
// nothing) and reads the journal; unlock releases the lock.
func openJournal(ctx context.Context, opts *Options) (j *config.Journal, unlock func(), err error) {
	unlock = func() {}
	if !opts.DryRun {
		if unlock, err = config.Lock(ctx, lockPath(opts.Paths)); err != nil {
			return nil, nil, err
		}
	}
	if j, err = config.LoadJournal(journalPath(opts.Paths)); err != nil {
		unlock()
		return nil, nil, err
	}
	return j, unlock, nil
}

// Run wires the selected clients: see `regkey setup --help`.
func Run(ctx context.Context, opts *Options) error {
	sel := selectClients(opts)
	if !sel.docker && !sel.podman {
		fmt.Fprintln(opts.Out, "Neither docker nor podman, skopeo or buildah is installed or configured: nothing to wire.")
		fmt.Fprintln(opts.Out, "Run `regkey setup --docker` or `regkey setup --podman` to wire them anyway.")
		return nil
	}
	if !opts.DryRun && !opts.Force {
		if err := helperOnPath(opts); err != nil {
			return err
		}
	}
	j, unlock, err := openJournal(ctx, opts)
	if err != nil {
		return err
	}
	defer unlock()
	p, err := planSetup(ctx, opts, sel, j)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return p.printDryRun(opts.Out)
	}
	if err := p.migrate(ctx); err != nil {
		return err
	}
	return p.apply(opts)
}
