// Package doctor finds what keeps docker, podman or regkey from getting
// registry credentials, and says how to fix each problem: it runs its
// checks over an inventory snapshot (and, unless offline, asks providers
// for tokens and registries for their clocks) and returns the findings.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/fix"
	"github.com/regkey/regkey/internal/inventory"
)

// Options are how doctor runs.
type Options struct {
	// HTTP is the client for the clock check (see ClockClient); nil means
	// none is made.
	HTTP *http.Client
	// ProviderTimeout bounds asking one provider for a token.
	ProviderTimeout time.Duration
	// Offline skips the checks that use the network (providers, clock).
	Offline bool
}

// Severities of a check. Only SevOK and SevInfo mean "all is well".
const (
	SevOK   = "ok"
	SevInfo = "info"
	SevWarn = "warn"
	SevFail = "FAIL"
)

// Check is one finding.
type Check struct {
	// Check names what was checked ("keystore", "helper", "docker", ...).
	Check string `json:"check"`
	// Status is one of the severities.
	Status string `json:"status"`
	// Message says what was found.
	Message string `json:"message"`
	// Fix says how to fix a problem ("" when there is nothing to do).
	Fix string `json:"fix,omitempty"`
}

// Run gathers the inventory from deps and runs every check in order,
// skipping the providers and clock checks when opts.Offline is set.
func Run(ctx context.Context, deps inventory.Deps, opts Options) []Check {
	d := &doctor{deps: deps, opts: opts, inv: inventory.Gather(ctx, deps)}
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
	return d.checks
}

// OK reports whether all is well: no check warns or fails.
func OK(checks []Check) bool {
	for _, c := range checks {
		if c.Status == SevWarn || c.Status == SevFail {
			return false
		}
	}
	return true
}

// doctor collects findings.
type doctor struct {
	deps   inventory.Deps
	opts   Options
	inv    *inventory.Snapshot
	checks []Check
}

func (d *doctor) add(check, status, fix, format string, a ...any) {
	d.checks = append(d.checks, Check{Check: check, Status: status, Message: fmt.Sprintf(format, a...), Fix: fix})
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
	if inv.StoreErr != nil {
		d.add("keystore", SevFail, keystoreFix(inv.StoreErr), "the keystore cannot be used: %s", cmderr.OneLine(inv.StoreErr))
		return
	}
	// Listing may read only an index (the OS keyring's, pass's directory):
	// reading a credential is what proves the keyring is unlocked and the
	// key or gpg identity is there.
	if err := probeKeystore(ctx, inv); err != nil {
		what := "cannot be read"
		if n := len(inv.Stored); n > 0 {
			what = "lists " + plural1(n, "credential") + " but cannot read them"
		}
		d.add("keystore", SevFail, keystoreFix(err), "the %s keystore%s %s: %s",
			inv.StoreInfo.Backend, inv.StoreInfo.WhereSuffix(), what, cmderr.OneLine(err))
		return
	}
	d.add("keystore", SevOK, "", "%s keystore%s: %s, readable", inv.StoreInfo.Backend, inv.StoreInfo.WhereSuffix(), plural1(len(inv.Stored), "credential"))
}

// probeKeystore reads one stored credential (or a key that cannot exist,
// when none is stored) within inventory.KeystoreTimeout, as a client's get
// would.
func probeKeystore(ctx context.Context, inv *inventory.Snapshot) error {
	key := keystoreProbeKey
	if keys := slices.Sorted(maps.Keys(inv.Stored)); len(keys) > 0 {
		key = keys[0]
	}
	ctx, cancel := context.WithTimeout(ctx, inventory.KeystoreTimeout)
	defer cancel()
	_, err := inv.Store.Get(ctx, key)
	switch {
	case err == nil || errors.Is(err, auth.ErrNotFound):
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("no answer within %s (a hung keyring or gpg-agent?)", inventory.KeystoreTimeout)
	}
	return err
}

func (d *doctor) helperOnPath() {
	if _, err := d.deps.LookPath(config.HelperPrefix + config.HelperName); err != nil {
		d.add("helper", SevFail, d.helperFix(),
			"docker-credential-regkey is not on PATH: docker and podman cannot run regkey")
		return
	}
	d.add("helper", SevOK, "", "docker-credential-regkey is on PATH")
}

// helperFix says how to put docker-credential-regkey on PATH.
func (d *doctor) helperFix() string {
	return fix.HelperPath(d.deps.Env, d.deps.Self, d.deps.UID)
}

func (d *doctor) files() {
	const authFix = "fix the file by hand (docker ignores a config.json it cannot parse and overwrites it on the next login; podman refuses it)"
	type problem struct {
		err error
		fix string
	}
	problems := []problem{
		{d.inv.DockerErr, authFix},
		{d.inv.RCErr, "fix that registries.conf by hand: podman, skopeo and buildah refuse it too"},
		{d.inv.SettingsErr, "fix regkey's settings file " + d.deps.Paths.ConfigFile + " (see the README's Config file section)"},
		{d.inv.RouterErr, "fix the rule in " + d.deps.Paths.ConfigFile},
		{d.inv.LegacyErr, "fix or remove the legacy file by hand (podman, skopeo and buildah still read it)"},
	}
	for _, err := range d.inv.PodErrs {
		problems = append(problems, problem{err, authFix})
	}
	for _, p := range problems {
		if p.err != nil {
			d.add("files", SevFail, p.fix, "%s", cmderr.OneLine(p.err))
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
