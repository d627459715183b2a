package config

import (
	"fmt"
	"sort"

	"github.com/regkey/regkey/auth"
)

// Wiring says how to point an auth file at a credential helper.
type Wiring struct {
	// Helper is the helper's suffix ("regkey" for docker-credential-regkey).
	Helper string
	// CredsStore makes Helper docker's default store (docker's config.json
	// only: containers/image ignores credsStore).
	CredsStore bool
	// Keys get credHelpers entries naming Helper (see DockerKeys and
	// PodmanKeys for the spellings each client looks up).
	Keys []string
	// ClearSecrets are auths keys whose secrets now live in the helper's
	// store: their secret fields go, leaving docker's {} placeholder.
	ClearSecrets []string
	// RemoveAuths are auths keys removed whole (containers auth files, where
	// a credHelpers entry for the host makes the entry unreachable anyway).
	RemoveAuths []string
	// TakeOver replaces credsStore and credHelpers entries that name another
	// helper; without it they are kept and reported.
	TakeOver bool
}

// Kept is a routing entry that names another helper and was left alone.
type Kept struct {
	// Key is the credHelpers key, or "credsStore".
	Key string
	// Helper is the other helper's suffix.
	Helper string
}

// WireResult says what Wire changed and what it left alone.
type WireResult struct {
	// Changes describe each change in a few words, in order.
	Changes []string
	// Kept are the entries of other helpers left alone (no TakeOver).
	Kept []Kept
	// TookOver are the entries of other helpers replaced (TakeOver).
	TookOver []Kept
}

// DockerKeys returns the credHelpers keys docker and containers/image look
// up for a registry host: docker's https://index.docker.io/v1/ and
// containers/image's docker.io for Docker Hub (containers/image reads
// docker's credHelpers too), the host itself otherwise.
func DockerKeys(host string) []string {
	if host == auth.HubHost {
		return []string{auth.HubKey, auth.HubHost}
	}
	return []string{host}
}

// PodmanKeys returns the credHelpers keys containers/image looks up for a
// registry host: the host[:port] of the image reference, docker.io for
// Docker Hub.
func PodmanKeys(host string) []string { return []string{host} }

// Wire applies w to the file. It never touches a key it does not own: only
// credsStore, the credHelpers entries for w.Keys and the secret fields of
// the auths entries named. A second Wire with the same w changes nothing.
func (a *AuthFile) Wire(w Wiring) (WireResult, error) {
	var r WireResult
	for _, k := range sorted(w.ClearSecrets) {
		if err := a.ClearSecret(k); err != nil {
			return r, err
		}
		r.Changes = append(r.Changes, fmt.Sprintf("removed the plaintext secret of auths[%q]", k))
	}
	for _, k := range sorted(w.RemoveAuths) {
		if err := a.RemoveAuth(k); err != nil {
			return r, err
		}
		r.Changes = append(r.Changes, fmt.Sprintf("removed auths[%q] (its secret is in the keystore)", k))
	}
	if w.CredsStore {
		switch cur := a.CredsStore(); {
		case cur == w.Helper:
		case cur == "" || w.TakeOver:
			if err := a.SetCredsStore(w.Helper); err != nil {
				return r, err
			}
			if cur != "" {
				r.TookOver = append(r.TookOver, Kept{Key: "credsStore", Helper: cur})
			}
			r.Changes = append(r.Changes, fmt.Sprintf("credsStore %q -> %q", cur, w.Helper))
		default:
			// Docker keeps using the other store: routing single registries
			// away from it would change which credential docker sends.
			r.Kept = append(r.Kept, Kept{Key: "credsStore", Helper: cur})
			return r, nil
		}
	}
	helpers := a.CredHelpers()
	for _, k := range sorted(w.Keys) {
		cur, ok := helpers[k]
		switch {
		case ok && cur == w.Helper:
			continue
		case ok && cur != "" && !w.TakeOver:
			r.Kept = append(r.Kept, Kept{Key: k, Helper: cur})
			continue
		case ok && cur != "":
			r.TookOver = append(r.TookOver, Kept{Key: k, Helper: cur})
		}
		if err := a.SetCredHelper(k, w.Helper); err != nil {
			return r, err
		}
		r.Changes = append(r.Changes, fmt.Sprintf("credHelpers[%q] %q -> %q", k, cur, w.Helper))
	}
	return r, nil
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
