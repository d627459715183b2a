package doctor

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
	if f := d.inv.Docker; f != nil {
		if cs := f.CredsStore(); cs != "" {
			uses[cs] = append(uses[cs], use{f.Path, "credsStore (docker then fails every login)"})
		}
		for k, h := range f.CredHelpers() {
			uses[h] = append(uses[h], use{f.Path, fmt.Sprintf("credHelpers[%q] (docker then fails to log in to it and pulls anonymously)", k)})
		}
	}
	for _, f := range d.inv.PodFiles {
		if f == nil || f == d.inv.Docker {
			continue
		}
		for k, h := range f.CredHelpers() {
			uses[h] = append(uses[h], use{f.Path, fmt.Sprintf("credHelpers[%q] (podman then fails for it)", k)})
		}
	}
	if d.inv.RCErr == nil && d.inv.HelpersOf != "" {
		for _, h := range d.inv.Helpers {
			if h != config.AuthFilesHelper {
				uses[h] = append(uses[h], use{d.inv.HelpersOf, "credential-helpers (podman then fails for every registry)"})
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
		if _, err := d.deps.LookPath(config.HelperPrefix + n); err == nil {
			continue
		}
		fix := "install docker-credential-" + n + ", or remove the entry, or run `regkey setup --take-over` to let regkey serve it"
		if n == config.HelperName {
			// A wiring regkey made, left behind by a regkey that moved or
			// was removed without `regkey setup --undo`.
			fix = d.helperFix() + "; or, to stop using regkey, `regkey setup --undo` removes the wiring"
		}
		for _, u := range uses[n] {
			d.add("helpers", SevFail, fix, "%s: %s names docker-credential-%s, which is not on PATH", u.where, u.what, n)
		}
	}
}

// plaintext: no secret may be left in the files.
func (d *doctor) plaintext() {
	found := false
	for _, f := range d.inv.Files() {
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
			d.add("plaintext", SevFail, "run `regkey setup` (it stores them in the keystore, reads them back, then removes them)",
				"%s holds plaintext secrets for %s", f.Path, cmderr.QuoteAll(movable))
		}
		if len(stuck) > 0 {
			found = true
			d.add("plaintext", SevWarn, "log in again to the registry (podman login REGISTRY) so that the helper stores it, then remove the entry",
				"%s holds plaintext secrets regkey cannot move (repository-scoped keys or registry tokens): %s", f.Path, cmderr.QuoteAll(stuck))
		}
	}
	for _, f := range d.inv.Files() {
		backups, _ := config.BackupsOf(f.Target)
		for _, b := range backups {
			data, err := os.ReadFile(b)
			if err != nil {
				continue
			}
			if keys := config.PlaintextInBackup(data); len(keys) > 0 {
				found = true
				d.add("plaintext", SevWarn, "delete "+b+" once you no longer need `regkey setup --undo` (it restores the file from it)",
					"%s, the backup `regkey setup` kept of %s, holds plaintext secrets for %s", b, f.Path, cmderr.QuoteAll(keys))
			}
		}
	}
	if keys := d.inv.LegacyPlain; len(keys) > 0 {
		found = true
		d.add("plaintext", SevFail, "log in to each again with `regkey login HOST`, then delete "+d.inv.Pod.LegacyDocker,
			"%s (docker's legacy file, still read by podman, skopeo and buildah) holds plaintext secrets for %s", d.inv.Pod.LegacyDocker, cmderr.QuoteAll(keys))
	}
	switch {
	case found:
	case d.inv.DockerErr != nil || len(d.inv.PodErrs) > 0:
		d.add("plaintext", SevInfo, "", "no plaintext secret in the docker and podman files that parse; the others could not be looked into (see the files check)")
	default:
		d.add("plaintext", SevOK, "", "no plaintext secret in docker's or podman's files")
	}
}

// served are the hosts regkey holds credentials for or a rule names.
func (d *doctor) served() []string {
	set := map[string]bool{}
	for raw := range d.inv.Stored {
		if k, err := auth.ParseKey(raw); err == nil && !k.Opaque {
			set[k.Host] = true
		}
	}
	for _, h := range d.inv.Hosts() {
		if r, err := d.inv.Route(h); err == nil && !r.Static() {
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
		if _, err := d.deps.LookPath(n); err == nil {
			return true
		}
	}
	return false
}

// unreadableFix is the fix for a client file that does not parse: setup
// refuses such a file too, so it is fixed by hand first.
const unreadableFix = "fix the file by hand (the files check above says where it does not parse), then run `regkey setup`: setup refuses a file it cannot parse"

func (d *doctor) dockerWiring() {
	if err := d.inv.DockerErr; err != nil {
		// docker warns and carries on without a config it cannot parse:
		// no credsStore, no credHelpers, so it never asks regkey.
		d.add("docker", SevFail, unreadableFix, "docker does not ask regkey for anything: it cannot parse %s either", d.deps.Paths.DockerConfig)
		return
	}
	if !d.installed(config.DockerConfigReaders) && d.inv.Docker == nil {
		d.add("docker", SevInfo, "", "neither docker nor a tool that reads its config is installed")
		return
	}
	if f := d.inv.Docker; f != nil && f.CredsStore() != "" && f.CredsStore() != config.HelperName {
		d.add("docker", SevInfo, "`regkey setup --take-over` makes regkey docker's store",
			"credsStore is %q: later docker logins go to docker-credential-%s", f.CredsStore(), f.CredsStore())
	} else if f == nil || f.CredsStore() == "" {
		d.add("docker", SevWarn, "run `regkey setup`", "docker has no credsStore: later docker logins are stored in plaintext")
	}
	bad := 0
	for _, h := range d.served() {
		switch r := d.inv.DockerRoute(h); {
		case r.Regkey():
		case r.Helper != "":
			d.add("docker", SevInfo, "`regkey setup --take-over` hands it to regkey", "docker asks docker-credential-%s for %s, as configured", r.Helper, h)
		default:
			bad++
			d.add("docker", SevFail, "run `regkey setup`", "docker does not ask regkey for %s: it uses %s", h, r)
		}
	}
	switch {
	case bad > 0:
	case d.inv.StoreErr != nil:
		d.add("docker", SevInfo, "", "whether docker asks regkey for the registries in the keystore is unknown: the keystore cannot be read (see above)")
	default:
		d.add("docker", SevOK, "", "docker asks regkey for the registries regkey serves")
	}
}

func (d *doctor) podmanWiring() {
	if !d.installed(config.PodmanPrograms) {
		d.add("podman", SevInfo, "", "neither podman, skopeo nor buildah is installed")
		return
	}
	// podman, skopeo and buildah refuse to work with an auth file or a
	// registries.conf they cannot parse: nothing is wired until it is fixed.
	if errs := append([]error{d.inv.RCErr}, d.inv.PodErrs...); errors.Join(errs...) != nil {
		d.add("podman", SevFail, unreadableFix, "podman, skopeo and buildah fail for every registry while a file they read does not parse (see the files check)")
		return
	}
	bad := 0
	for _, h := range d.served() {
		switch r := d.inv.PodmanRoute(h); {
		case r.Regkey():
		case r.Helper != "":
			d.add("podman", SevInfo, "`regkey setup --podman --take-over` hands it to regkey", "podman asks docker-credential-%s for %s, as configured", r.Helper, h)
		default:
			bad++
			d.add("podman", SevFail, "run `regkey setup --podman`", "podman, skopeo and buildah do not ask regkey for %s: they use %s", h, r)
		}
	}
	switch {
	case bad > 0:
	case d.inv.StoreErr != nil:
		d.add("podman", SevInfo, "", "whether podman, skopeo and buildah ask regkey for the registries in the keystore is unknown: the keystore cannot be read (see above)")
	default:
		d.add("podman", SevOK, "", "podman, skopeo and buildah ask regkey for the registries regkey serves")
	}
}

// providerHosts are the hosts a provider serves, with their routes.
func (d *doctor) providerHosts() map[string]providers.Route {
	out := map[string]providers.Route{}
	for _, h := range d.inv.Hosts() {
		if r, err := d.inv.Route(h); err == nil && !r.Static() {
			out[h] = r
		} else if err != nil {
			d.add("providers", SevFail, "fix the rule in "+d.deps.Paths.ConfigFile, "%s", cmderr.OneLine(err))
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
			if d.inv.Cache != nil {
				c, _, err = d.inv.Cache.Get(pctx, routes[h].Provider, k)
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
			d.add("providers", SevOK, "", "%s: the %s provider issued a token", h, name)
		case errors.Is(err, providers.ErrNoCredentials):
			d.add("providers", SevFail, "configure the "+name+" provider's identity (see `regkey status`), or `regkey login "+h+"` for a static fallback",
				"%s: the %s provider has no credentials: %s", h, name, cmderr.OneLine(err))
		default:
			d.add("providers", SevFail, "see the cause; `regkey status --check` verifies once it is fixed", "%s: the %s provider failed: %s", h, name, cmderr.OneLine(err))
		}
	}
}

// tokens: cached provider tokens should not be about to expire.
func (d *doctor) tokens() {
	now := time.Now
	if d.deps.Now != nil {
		now = d.deps.Now
	}
	for h, r := range d.providerHosts() {
		k, _ := auth.ParseKey(h)
		e, ok := d.inv.CacheLookup(r.Provider, k)
		if !ok || e.Expires.IsZero() {
			continue
		}
		if left := e.Expires.Sub(now()); left < tokenSoon {
			d.add("tokens", SevWarn, "`regkey refresh` renews it now (clients also renew it on their next pull)",
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
