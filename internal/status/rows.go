// Package status builds the rows of `regkey status` from an inventory
// snapshot, one per registry regkey knows, and verifies the credential
// regkey serves for each with its registry (--check).
package status

import (
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/providers"
)

// Row is one registry in `regkey status`.
type Row struct {
	// Registry is the host ("docker.io" for Docker Hub), or a rule's glob.
	Registry string `json:"registry"`
	// Provider is the provider that serves it, or "keystore".
	Provider string `json:"provider"`
	// Why says why that provider was chosen.
	Why string `json:"why"`
	// Source says where regkey's credential comes from.
	Source string `json:"source"`
	// Keys are the keystore keys that hold a credential for it.
	Keys []string `json:"keys,omitempty"`
	// Username is the stored or cached user name ("<token>" for an
	// identity token); never a secret.
	Username string `json:"username,omitempty"`
	// Expires and Refreshed describe a cached provider token.
	Expires   *time.Time `json:"expires,omitempty"`
	Refreshed *time.Time `json:"refreshed,omitempty"`
	// Docker and Podman say where those clients get its credential from
	// ("docker-credential-regkey", another helper, plaintext, "none").
	Docker string `json:"docker"`
	Podman string `json:"podman"`
	// Check is the result of --check.
	Check *Check `json:"check,omitempty"`

	route providers.Route
}

// Check is the outcome of verifying one credential.
type Check struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	Millis  int64  `json:"ms"`
}

// Rows builds one row per known registry, then one per glob rule. It uses
// no network: provider tokens are only looked up in the cache. now (nil:
// never expired) tells a cached token's expiry.
func Rows(inv *inventory.Snapshot, now func() time.Time) []Row {
	var rows []Row
	for _, h := range inv.Hosts() {
		r := Row{Registry: h, Keys: inv.HostKeys(h)}
		r.Docker, r.Podman = inv.DockerRoute(h).String(), inv.PodmanRoute(h).String()
		if len(r.Keys) > 0 {
			r.Username = inv.Stored[r.Keys[0]]
		}
		route, err := inv.Route(h)
		switch {
		case err != nil:
			r.Provider, r.Source = "?", "cannot route: "+cmderr.OneLine(err)
		case route.Static():
			r.route = route
			r.Provider, r.Why = providers.Keystore, route.Reason()
			r.Source = keystoreSource(inv, r)
		default:
			r.route = route
			r.Provider, r.Why = route.Name, route.Reason()
			r.Source = "provider " + route.Name
			k, _ := auth.ParseKey(h)
			if route.Provider.CacheKey(k) == "" {
				r.Source += " (read on every get, never cached)"
			} else if e, ok := inv.CacheLookup(route.Provider, k); ok {
				exp, got := e.Expires, e.Obtained
				r.Expires, r.Refreshed, r.Username = &exp, &got, e.Username
				if now != nil && !e.Usable(now()) {
					r.Source += " (cached token expired)"
				} else {
					r.Source += " (token cached)"
				}
			} else {
				r.Source += " (no token cached yet)"
			}
			if len(r.Keys) > 0 {
				r.Source += "; keystore fallback"
			}
		}
		rows = append(rows, r)
	}
	for _, ru := range inv.Settings.Registries {
		if strings.Contains(ru.Match, "*") {
			rows = append(rows, Row{Registry: ru.Match, Provider: ru.Provider, Why: "rule", Source: "provider " + ru.Provider + " for every matching host", Docker: "-", Podman: "-"})
		}
	}
	return rows
}

func keystoreSource(inv *inventory.Snapshot, r Row) string {
	if len(r.Keys) > 0 {
		return "keystore (" + inv.StoreInfo.Backend + ")"
	}
	if d := inv.DockerRoute(r.Registry); !d.Regkey() && d.String() != "none" {
		return "not in regkey; docker uses " + d.String()
	}
	if p := inv.PodmanRoute(r.Registry); !p.Regkey() && p.String() != "none" {
		return "not in regkey; podman uses " + p.String()
	}
	return "none (anonymous)"
}
