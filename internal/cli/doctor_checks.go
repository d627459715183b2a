package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// clockSkewFail and clockSkewWarn are the clock differences doctor reports:
// registry tokens are typically valid for minutes and checked with little
// leeway.
const (
	clockSkewFail = 2 * time.Minute
	clockSkewWarn = 30 * time.Second
	// tokenSoon is how close to its expiry a cached token is reported.
	tokenSoon = 5 * time.Minute
	// clockProbeTimeout bounds one registry's clock probe.
	clockProbeTimeout = 5 * time.Second
	// maxClockProbes bounds how many registries the clock check asks.
	maxClockProbes = 8
)

// otherHelpers: every helper a config names must be on PATH.
func (d *doctor) otherHelpers() {
	type use struct{ where, what string }
	uses := map[string][]use{}
	if f := d.inv.docker; f != nil {
		if cs := f.CredsStore(); cs != "" {
			uses[cs] = append(uses[cs], use{f.Path, "credsStore (docker then fails every login)"})
		}
		for k, h := range f.CredHelpers() {
			uses[h] = append(uses[h], use{f.Path, fmt.Sprintf("credHelpers[%q] (docker then fails to log in to it and pulls anonymously)", k)})
		}
	}
	for _, f := range d.inv.podFiles {
		if f == nil || f == d.inv.docker {
			continue
		}
		for k, h := range f.CredHelpers() {
			uses[h] = append(uses[h], use{f.Path, fmt.Sprintf("credHelpers[%q] (podman then fails for it)", k)})
		}
	}
	if d.inv.rcErr == nil && d.inv.helpersOf != "" {
		for _, h := range d.inv.helpers {
			if h != config.AuthFilesHelper {
				uses[h] = append(uses[h], use{d.inv.helpersOf, "credential-helpers (podman then fails for every registry)"})
			}
		}
	}
	names := make([]string, 0, len(uses))
	for n := range uses {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n == "" {
			continue
		}
		if _, err := d.opts.Deps.LookPath(config.HelperPrefix + n); err == nil {
			continue
		}
		fix := "install docker-credential-" + n + ", or remove the entry, or run `regkey setup --take-over` to let regkey serve it"
		if n == config.HelperName {
			// A wiring regkey made, left behind by a regkey that moved or
			// was removed without `regkey setup --undo`.
			fix = d.helperFix() + "; or, to stop using regkey, `regkey setup --undo` removes the wiring"
		}
		for _, u := range uses[n] {
			d.add("helpers", sevFail, fix, "%s: %s names docker-credential-%s, which is not on PATH", u.where, u.what, n)
		}
	}
}

// plaintext: no secret may be left in the files.
func (d *doctor) plaintext() {
	found := false
	for _, f := range d.inv.files() {
		plain, err := f.PlainAuths()
		if err != nil {
			continue // reported by files
		}
		var movable, stuck []string
		for _, p := range plain {
			if p.Movable() {
				movable = append(movable, p.Key)
			} else {
				stuck = append(stuck, p.Key)
			}
		}
		if len(movable) > 0 {
			found = true
			d.add("plaintext", sevFail, "run `regkey setup` (it stores them in the keystore, reads them back, then removes them)",
				"%s holds plaintext secrets for %s", f.Path, cmderr.QuoteAll(movable))
		}
		if len(stuck) > 0 {
			found = true
			d.add("plaintext", sevWarn, "log in again to the registry (podman login REGISTRY) so that the helper stores it, then remove the entry",
				"%s holds plaintext secrets regkey cannot move (repository-scoped keys or registry tokens): %s", f.Path, cmderr.QuoteAll(stuck))
		}
	}
	for _, f := range d.inv.files() {
		backups, _ := config.BackupsOf(f.Target)
		for _, b := range backups {
			data, err := os.ReadFile(b)
			if err != nil {
				continue
			}
			if keys := config.PlaintextInBackup(data); len(keys) > 0 {
				found = true
				d.add("plaintext", sevWarn, "delete "+b+" once you no longer need `regkey setup --undo` (it restores the file from it)",
					"%s, the backup `regkey setup` kept of %s, holds plaintext secrets for %s", b, f.Path, cmderr.QuoteAll(keys))
			}
		}
	}
	if keys := d.inv.legacyPlain; len(keys) > 0 {
		found = true
		d.add("plaintext", sevFail, "log in to each again with `regkey login HOST`, then delete "+d.inv.pod.LegacyDocker,
			"%s (docker's legacy file, still read by podman, skopeo and buildah) holds plaintext secrets for %s", d.inv.pod.LegacyDocker, cmderr.QuoteAll(keys))
	}
	switch {
	case found:
	case d.inv.dockerErr != nil || len(d.inv.podErrs) > 0:
		d.add("plaintext", sevInfo, "", "no plaintext secret in the docker and podman files that parse; the others could not be looked into (see the files check)")
	default:
		d.add("plaintext", sevOK, "", "no plaintext secret in docker's or podman's files")
	}
}

// served are the hosts regkey holds credentials for or a rule names.
func (d *doctor) served() []string {
	set := map[string]bool{}
	for raw := range d.inv.stored {
		if k, err := auth.ParseKey(raw); err == nil && !k.Opaque {
			set[k.Host] = true
		}
	}
	for _, h := range d.inv.hosts() {
		if r, err := d.inv.route(h); err == nil && !r.Static() {
			set[h] = true
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

func (d *doctor) installed(names []string) bool {
	for _, n := range names {
		if _, err := d.opts.Deps.LookPath(n); err == nil {
			return true
		}
	}
	return false
}

// unreadableFix is the fix for a client file that does not parse: setup
// refuses such a file too, so it is fixed by hand first.
const unreadableFix = "fix the file by hand (the files check above says where it does not parse), then run `regkey setup`: setup refuses a file it cannot parse"

func (d *doctor) dockerWiring() {
	if err := d.inv.dockerErr; err != nil {
		// docker warns and carries on without a config it cannot parse:
		// no credsStore, no credHelpers, so it never asks regkey.
		d.add("docker", sevFail, unreadableFix, "docker does not ask regkey for anything: it cannot parse %s either", d.opts.Deps.Paths.DockerConfig)
		return
	}
	if !d.installed(config.DockerConfigReaders) && d.inv.docker == nil {
		d.add("docker", sevInfo, "", "neither docker nor a tool that reads its config is installed")
		return
	}
	if f := d.inv.docker; f != nil && f.CredsStore() != "" && f.CredsStore() != config.HelperName {
		d.add("docker", sevInfo, "`regkey setup --take-over` makes regkey docker's store",
			"credsStore is %q: later docker logins go to docker-credential-%s", f.CredsStore(), f.CredsStore())
	} else if f == nil || f.CredsStore() == "" {
		d.add("docker", sevWarn, "run `regkey setup`", "docker has no credsStore: later docker logins are stored in plaintext")
	}
	bad := 0
	for _, h := range d.served() {
		switch r := d.inv.dockerRoute(h); {
		case r.Regkey():
		case r.Helper != "":
			d.add("docker", sevInfo, "`regkey setup --take-over` hands it to regkey", "docker asks docker-credential-%s for %s, as configured", r.Helper, h)
		default:
			bad++
			d.add("docker", sevFail, "run `regkey setup`", "docker does not ask regkey for %s: it uses %s", h, r)
		}
	}
	switch {
	case bad > 0:
	case d.inv.storeErr != nil:
		d.add("docker", sevInfo, "", "whether docker asks regkey for the registries in the keystore is unknown: the keystore cannot be read (see above)")
	default:
		d.add("docker", sevOK, "", "docker asks regkey for the registries regkey serves")
	}
}

func (d *doctor) podmanWiring() {
	if !d.installed(config.PodmanPrograms) {
		d.add("podman", sevInfo, "", "neither podman, skopeo nor buildah is installed")
		return
	}
	// podman, skopeo and buildah refuse to work with an auth file or a
	// registries.conf they cannot parse: nothing is wired until it is fixed.
	if errs := append([]error{d.inv.rcErr}, d.inv.podErrs...); errors.Join(errs...) != nil {
		d.add("podman", sevFail, unreadableFix, "podman, skopeo and buildah fail for every registry while a file they read does not parse (see the files check)")
		return
	}
	bad := 0
	for _, h := range d.served() {
		switch r := d.inv.podmanRoute(h); {
		case r.Regkey():
		case r.Helper != "":
			d.add("podman", sevInfo, "`regkey setup --podman --take-over` hands it to regkey", "podman asks docker-credential-%s for %s, as configured", r.Helper, h)
		default:
			bad++
			d.add("podman", sevFail, "run `regkey setup --podman`", "podman, skopeo and buildah do not ask regkey for %s: they use %s", h, r)
		}
	}
	switch {
	case bad > 0:
	case d.inv.storeErr != nil:
		d.add("podman", sevInfo, "", "whether podman, skopeo and buildah ask regkey for the registries in the keystore is unknown: the keystore cannot be read (see above)")
	default:
		d.add("podman", sevOK, "", "podman, skopeo and buildah ask regkey for the registries regkey serves")
	}
}

// providerHosts are the hosts a provider serves, with their routes.
func (d *doctor) providerHosts() map[string]providers.Route {
	out := map[string]providers.Route{}
	for _, h := range d.inv.hosts() {
		if r, err := d.inv.route(h); err == nil && !r.Static() {
			out[h] = r
		} else if err != nil {
			d.add("providers", sevFail, "fix the rule in "+d.opts.Deps.Paths.ConfigFile, "%s", cmderr.OneLine(err))
		}
	}
	return out
}

// providers: each provider serving a known registry must have credentials.
func (d *doctor) providers(ctx context.Context) {
	routes := d.providerHosts()
	hosts := make([]string, 0, len(routes))
	for h := range routes {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	results := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, _ := auth.ParseKey(h)
			pctx, cancel := context.WithTimeout(ctx, d.opts.ProviderTimeout)
			defer cancel()
			var c auth.Credential
			var err error
			if d.inv.cache != nil {
				c, _, err = d.inv.cache.Get(pctx, routes[h].Provider, k)
			} else {
				var t providers.Token
				t, err = routes[h].Provider.Get(pctx, k)
				c = t.Credential
			}
			if err == nil && c.Empty() {
				err = providers.ErrNoCredentials
			}
			results[i] = err
		}()
	}
	wg.Wait()
	for i, h := range hosts {
		name := routes[h].Name
		switch err := results[i]; {
		case err == nil:
			d.add("providers", sevOK, "", "%s: the %s provider issued a token", h, name)
		case errors.Is(err, providers.ErrNoCredentials):
			d.add("providers", sevFail, "configure the "+name+" provider's identity (see `regkey status`), or `regkey login "+h+"` for a static fallback",
				"%s: the %s provider has no credentials: %s", h, name, cmderr.OneLine(err))
		default:
			d.add("providers", sevFail, "see the cause; `regkey status --check` verifies once it is fixed", "%s: the %s provider failed: %s", h, name, cmderr.OneLine(err))
		}
	}
}

// tokens: cached provider tokens should not be about to expire.
func (d *doctor) tokens() {
	now := time.Now
	if d.opts.Deps.Now != nil {
		now = d.opts.Deps.Now
	}
	for h, r := range d.providerHosts() {
		k, _ := auth.ParseKey(h)
		e, ok := d.inv.cacheLookup(r.Provider, k)
		if !ok || e.Expires.IsZero() {
			continue
		}
		if left := e.Expires.Sub(now()); left < tokenSoon {
			d.add("tokens", sevWarn, "`regkey refresh` renews it now (clients also renew it on their next pull)",
				"%s: the cached %s token %s", h, r.Name, expiryText(left, e))
		}
	}
}

func expiryText(left time.Duration, e tokencache.Entry) string {
	if left <= 0 {
		return "expired at " + e.Expires.Local().Format(time.RFC3339)
	}
	return "expires in " + left.Round(time.Second).String()
}
