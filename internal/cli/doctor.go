package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/fix"
)

// DoctorOptions are the inputs of `regkey doctor`.
type DoctorOptions struct {
	IO   cmdutil.IOStreams
	Deps inventoryDeps
	// HTTP is the client for the clock check; nil means none is made.
	HTTP *http.Client
	// ProviderTimeout bounds asking one provider for a token.
	ProviderTimeout time.Duration

	JSON    bool
	Offline bool
}

// Severities of a doctor check. Only ok and info mean "all is well".
const (
	sevOK   = "ok"
	sevInfo = "info"
	sevWarn = "warn"
	sevFail = "FAIL"
)

// doctorCheck is one finding.
type doctorCheck struct {
	Check   string `json:"check"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

type doctorJSON struct {
	OK     bool          `json:"ok"`
	Checks []doctorCheck `json:"checks"`
}

// NewCmdDoctor builds `regkey doctor`. runF replaces doctorRun in tests.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{
		IO: f.IO, Deps: depsFromFactory(f), ProviderTimeout: 20 * time.Second,
		HTTP: clockClient(f),
	}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Find what keeps docker, podman or regkey from getting registry credentials, and say how to fix it",
		Long: `doctor checks, and for each problem prints the fix:

  - the keystore can be opened and a credential read from it (not locked,
    not unreachable, not hung, not a file another user owns);
  - docker-credential-regkey is on PATH, under the name docker and podman run;
  - every credential helper named by credsStore, credHelpers or podman's
    credential-helpers is on PATH, regkey included (docker fails every login
    otherwise);
  - docker's and podman's files parse (docker ignores a config.json it
    cannot parse, podman refuses to run);
  - no plaintext secret is left in docker's or podman's files, in the
    backups setup kept of them, or in the legacy ~/.dockercfg;
  - docker and podman ask regkey for the registries it holds;
  - every provider serving a configured registry has credentials;
  - no cached provider token is about to expire;
  - the clock agrees with each registry's (tokens fail on skewed clocks).

The provider and clock checks use the network (each bounded); --offline
skips them. A check that cannot reach what it checks says so and does not
pass. doctor exits 0 only when all is well, 1 otherwise.`,
		Example: `  regkey doctor
  regkey doctor --offline --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "skip the checks that use the network (providers, clock)")
	return cmd
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	inv := gatherInventory(ctx, opts.Deps)
	d := &doctor{opts: opts, inv: inv}
	d.keystore(ctx)
	d.helperOnPath()
	d.files()
	d.otherHelpers()
	d.plaintext()
	d.dockerWiring()
	d.podmanWiring()
	if !opts.Offline {
		d.providers(ctx)
		d.clock(ctx)
	}
	d.tokens()
	ok := true
	for _, c := range d.checks {
		if c.Status == sevWarn || c.Status == sevFail {
			ok = false
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doctorJSON{OK: ok, Checks: d.checks}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
		for _, c := range d.checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Status, c.Check, c.Message)
			if c.Fix != "" {
				fmt.Fprintf(tw, "\t\tfix: %s\n", c.Fix)
			}
		}
		tw.Flush()
		if ok {
			fmt.Fprintln(opts.IO.Out, "All is well.")
		}
	}
	if !ok {
		return &cmderr.Silent{Code: ExitError}
	}
	return nil
}

// doctor collects findings.
type doctor struct {
	opts   *DoctorOptions
	inv    *snapshot
	checks []doctorCheck
}

func (d *doctor) add(check, status, fix, format string, a ...any) {
	d.checks = append(d.checks, doctorCheck{Check: check, Status: status, Message: fmt.Sprintf(format, a...), Fix: fix})
}

// doctorKeystoreFix is the fix for a keystore that cannot be used; the
// message itself carries the backend's own advice.
const doctorKeystoreFix = "do what the message says (unlock the keyring, start its D-Bus session, restore the key), or choose another keystore with REGKEY_KEYSTORE=file|pass|os; `regkey status` lists what each client uses meanwhile"

// keystoreFix is the fix for err, a keystore that cannot be used: a file
// regkey may not read (its owner and mode) has a fix of its own.
func keystoreFix(err error) string {
	if fix := fix.Permission(err); fix != "" {
		return fix
	}
	return doctorKeystoreFix
}

// keystoreProbeKey is looked up when the keystore lists no credential: a
// key no registry has, so the answer must be "not found".
const keystoreProbeKey = "regkey-doctor-probe.invalid"

func (d *doctor) keystore(ctx context.Context) {
	inv := d.inv
	if inv.storeErr != nil {
		d.add("keystore", sevFail, keystoreFix(inv.storeErr), "the keystore cannot be used: %s", cmderr.OneLine(inv.storeErr))
		return
	}
	// Listing may read only an index (the OS keyring's, pass's directory):
	// reading a credential is what proves the keyring is unlocked and the
	// key or gpg identity is there.
	if err := probeKeystore(ctx, inv); err != nil {
		what := "cannot be read"
		if n := len(inv.stored); n > 0 {
			what = "lists " + plural1(n, "credential") + " but cannot read them"
		}
		d.add("keystore", sevFail, keystoreFix(err), "the %s keystore%s %s: %s",
			inv.storeInfo.Backend, inv.storeInfo.WhereSuffix(), what, cmderr.OneLine(err))
		return
	}
	d.add("keystore", sevOK, "", "%s keystore%s: %s, readable", inv.storeInfo.Backend, inv.storeInfo.WhereSuffix(), plural1(len(inv.stored), "credential"))
}

// probeKeystore reads one stored credential (or a key that cannot exist,
// when none is stored) within keystoreTimeout, as a client's get would.
func probeKeystore(ctx context.Context, inv *snapshot) error {
	key := keystoreProbeKey
	if keys := slices.Sorted(maps.Keys(inv.stored)); len(keys) > 0 {
		key = keys[0]
	}
	ctx, cancel := context.WithTimeout(ctx, keystoreTimeout)
	defer cancel()
	_, err := inv.store.Get(ctx, key)
	switch {
	case err == nil || errors.Is(err, auth.ErrNotFound):
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("no answer within %s (a hung keyring or gpg-agent?)", keystoreTimeout)
	}
	return err
}

func (d *doctor) helperOnPath() {
	if _, err := d.opts.Deps.LookPath(config.HelperPrefix + config.HelperName); err != nil {
		d.add("helper", sevFail, d.helperFix(),
			"docker-credential-regkey is not on PATH: docker and podman cannot run regkey")
		return
	}
	d.add("helper", sevOK, "", "docker-credential-regkey is on PATH")
}

// helperFix says how to put docker-credential-regkey on PATH.
func (d *doctor) helperFix() string {
	return fix.HelperPath(d.opts.Deps.Env, d.opts.Deps.Self, d.opts.Deps.UID)
}

func (d *doctor) files() {
	const authFix = "fix the file by hand (docker ignores a config.json it cannot parse and overwrites it on the next login; podman refuses it)"
	type problem struct {
		err error
		fix string
	}
	problems := []problem{
		{d.inv.dockerErr, authFix},
		{d.inv.rcErr, "fix that registries.conf by hand: podman, skopeo and buildah refuse it too"},
		{d.inv.settingsErr, "fix regkey's settings file " + d.opts.Deps.Paths.ConfigFile + " (see the README's Config file section)"},
		{d.inv.routerErr, "fix the rule in " + d.opts.Deps.Paths.ConfigFile},
		{d.inv.legacyErr, "fix or remove the legacy file by hand (podman, skopeo and buildah still read it)"},
	}
	for _, err := range d.inv.podErrs {
		problems = append(problems, problem{err, authFix})
	}
	for _, p := range problems {
		if p.err != nil {
			d.add("files", sevFail, p.fix, "%s", cmderr.OneLine(p.err))
		}
	}
}

// short names for messages
func plural1(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
