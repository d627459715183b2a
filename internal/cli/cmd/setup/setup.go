// Package setup is the `regkey setup` command: its flags, help and checks
// of their combinations; the work is internal/setup's.
package setup

import (
	"context"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/childenv"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/fix"
	engine "github.com/regkey/regkey/internal/setup"
)

// SetupOptions are the inputs of `regkey setup`: the engine's, and --undo.
type SetupOptions struct {
	engine.Options
	// Undo takes regkey out again instead of wiring it.
	Undo bool
}

// NewCmdSetup builds `regkey setup`. runF replaces the engine in tests.
func NewCmdSetup(f *cmdutil.Factory, runF func(context.Context, *SetupOptions) error) *cobra.Command {
	opts := &SetupOptions{Options: engine.Options{
		Out: f.IO.Out, ErrOut: f.IO.ErrOut, Env: f.Env, Paths: f.Paths, Keystore: f.Keystore,
		Route: routeFunc(f), RuleHosts: ruleHostsFunc(f),
		LookPath: func(name string) (string, error) { return childenv.LookPath(f.Env, name) },
		Helper:   engine.ExecHelper{Env: f.Env},
		GOOS:     runtime.GOOS, UID: os.Getuid(), Self: fix.SelfPath(),
	}}
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

Podman, skopeo and buildah ignore credsStore. setup puts regkey first in
their credential-helpers, the list of helpers they ask for every registry,
with a drop-in it owns (~/.config/containers/registries.conf.d/zz-regkey.conf)
that keeps the list in effect after regkey (containers-auth.json, the auth
files, included). So podman login, skopeo login and buildah login store
through regkey for any registry, never in plaintext (but for a login scoped
to a repository namespace, HOST/NS, which no helper can hold), and every
podman pull asks regkey first, finding what regkey login, docker login or
podman login stored. Each registry regkey serves also gets a credHelpers entry in
$REGISTRY_AUTH_FILE, else the persistent
${XDG_CONFIG_HOME:-~/.config}/containers/auth.json.

--no-registries-conf leaves the drop-in out (and removes one setup wrote;
later runs remember the choice until --registries-conf): podman then asks
regkey only for the registries in credHelpers, which setup writes for the
registries regkey knows when it runs. A registry logged into later (with
regkey login or docker login) reaches podman only when setup runs again, and
podman login to a new registry stores its secret in plaintext in auth.json.

With the drop-in, podman depends on docker-credential-regkey being on PATH:
run ` + "`regkey setup --undo`" + ` before removing regkey.

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
there). A file that does not parse is refused and left untouched. --dry-run
prints a diff (secrets redacted) and changes nothing. A second run changes
nothing.

--undo takes regkey out again. A file nobody changed since setup gets its
bytes back as they were before the first setup. A file changed since (any
docker login rewrites config.json) loses exactly what setup added: the
credsStore and credHelpers entries naming regkey (an entry --take-over
replaced gets its old helper back), regkey's drop-in, and the empty
placeholders docker wrote for logins that live only in regkey's keystore;
the plaintext logins setup moved out come back, as the keystore holds them
now (one logged out of since stays out), and every other change made since
is kept. --force restores such a file from its backup instead, losing those
changes.

Logins made since setup live only in the keystore, where docker and podman no
longer look after undo: undo names each one. --restore-logins writes them
into docker's config.json (podman reads it too, unless REGISTRY_AUTH_FILE is
set), or podman's auth file if setup wired only podman, in plaintext; run
--undo --dry-run first to see the list. Logins stay in the keystore either
way.

By default setup wires what is installed or configured; --docker and
--podman limit it.`,
		Example: `  regkey setup
  regkey setup --dry-run
  regkey setup --podman --no-registries-conf
  regkey setup --take-over
  regkey setup --undo --dry-run
  regkey setup --undo --restore-logins`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Undo && (opts.TakeOver || opts.RegistriesConf || opts.NoRegistriesConf || opts.Docker || opts.Podman) {
				return cmderr.Usagef("--undo takes no other flag than --dry-run, --force and --restore-logins")
			}
			if opts.RestoreLogins && !opts.Undo {
				return cmderr.Usagef("--restore-logins goes with --undo")
			}
			if opts.RegistriesConf && opts.NoRegistriesConf {
				return cmderr.Usagef("--registries-conf and --no-registries-conf contradict each other")
			}

			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Undo {
				return engine.Undo(cmd.Context(), &opts.Options)
			}
			return engine.Run(cmd.Context(), &opts.Options)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print what would change, as a diff, and change nothing")
	fl.BoolVar(&opts.TakeOver, "take-over", false, "replace credsStore and credHelpers entries that name other helpers")
	fl.BoolVar(&opts.Docker, "docker", false, "wire docker (by default: whatever is installed or configured)")
	fl.BoolVar(&opts.Podman, "podman", false, "wire podman, skopeo and buildah (by default: whatever is installed or configured)")
	fl.BoolVar(&opts.RegistriesConf, "registries-conf", false, "put regkey first in podman's credential-helpers, for every registry (the default when podman is wired; undoes an earlier --no-registries-conf)")
	fl.BoolVar(&opts.NoRegistriesConf, "no-registries-conf", false, "leave podman's credential-helpers alone: podman then asks regkey only for the registries known at setup")
	fl.BoolVar(&opts.Undo, "undo", false, "take regkey out of every file setup changed, putting back the plaintext logins it moved")
	fl.BoolVar(&opts.Force, "force", false, "wire even when PATH does not find docker-credential-regkey; with --undo: restore files changed since setup from their backups, losing the later changes")
	fl.BoolVar(&opts.RestoreLogins, "restore-logins", false, "with --undo: also write the logins that would live only in regkey's keystore into docker's (or podman's) file, in plaintext")
	return cmd
}

// routeFunc returns the provider that serves a key, "" for the keystore.
func routeFunc(f *cmdutil.Factory) func(auth.Key) (string, error) {
	return func(k auth.Key) (string, error) {
		r, err := f.Router()
		if err != nil {
			return "", err
		}
		route, err := r.Route(k)
		if err != nil || route.Static() {
			return "", err
		}
		return route.Name, nil
	}
}

// ruleHostsFunc returns the hosts the settings' rules name exactly.
func ruleHostsFunc(f *cmdutil.Factory) func() ([]string, error) {
	return func() ([]string, error) {
		s, err := f.Settings()
		if err != nil {
			return nil, err
		}
		return engine.RuleHosts(s.Registries), nil
	}
}
