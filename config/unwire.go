package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/regkey/regkey/auth"
)

// unwireReport is what unwire did.
type unwireReport struct {
	changes []string // each change, in a few words
	missing []string // logins setup moved out that the keystore no longer holds
	dropped []string // empty placeholders removed
}

// unwire returns cur, the text of an auth file that changed since setup
// wrote it, without what setup added, keeping every other change made
// since. backup is the file as it was before setup (its moved secrets
// replaced by SecretMarker), or nil when setup created the file; helper is
// the helper setup wired; creds gives the keystore's logins.
//
//  1. Each login setup moved out of the file comes back in plaintext, as
//     it was before setup, with the credential the keystore holds now
//     (docker login may have replaced it since). A login the keystore no
//     longer holds was logged out of since setup: it stays out, and so does
//     its empty placeholder. An entry that holds a secret again (written
//     since, without a helper) is kept as it is.
//  2. Every other empty auths placeholder the file routes to helper, and
//     that the file did not have before setup, goes: docker wrote it for a
//     login that lives only in the keystore, and without the helper it
//     stands for nothing.
//  3. credHelpers entries naming helper go, or get back the value they had
//     before setup (--take-over replaced another helper's).
//  4. credsStore naming helper goes, or gets back the store it named before.
//
// An auths or credHelpers object left empty that the file did not have
// before setup goes too. Everything else (settings, other helpers' entries,
// logins docker wrote in plaintext since) is kept. cur must parse as an auth
// file: one that does not is an error naming it, and nothing is returned.
func unwire(path string, cur, backup []byte, helper string, creds Credentials) ([]byte, unwireReport, error) {
	var rep unwireReport
	a, err := ParseAuthFile(path, path, cur, true, 0o600)
	if err != nil {
		return nil, rep, err
	}
	var orig typed
	moved := map[string]bool{}
	if backup != nil {
		text, markers, err := blankMarkers(backup)
		if err != nil {
			return nil, rep, fmt.Errorf("reading the backup of %s: %w", path, err)
		}
		o, err := ParseAuthFile(path, path, text, true, 0o600)
		if err != nil {
			return nil, rep, fmt.Errorf("reading the backup of %s: %w", path, err)
		}
		orig = o.view
		for _, k := range markers {
			moved[k] = true
		}
		plain, _ := o.PlainAuths() // a backup setup could not redact
		for _, p := range plain {
			if p.Movable() {
				moved[p.Key] = true
			}
		}
	}
	helpers, store := a.CredHelpers(), a.CredsStore()
	auths := map[string]*authEntry{}
	for k, e := range a.view.Auths {
		auths[k] = e
	}
	// routed reports whether docker sends key's logins to helper.
	routed := func(key string) bool {
		if h, ok := helpers[key]; ok {
			return h == helper
		}
		return store == helper
	}
	changef := func(format string, args ...any) { rep.changes = append(rep.changes, fmt.Sprintf(format, args...)) }

	for _, key := range sortedKeys(moved) {
		have, present := auths[key]
		c, ok := creds(key)
		switch {
		case present && holdsSecret(have):
			// A secret written since setup: the file's own, kept.
		case !ok:
			rep.missing = append(rep.missing, key)
			if present && routed(key) {
				if err := a.RemoveAuth(key); err != nil {
					return nil, rep, err
				}
				changef("removed the placeholder auths[%q]: the keystore no longer holds its login", key)
			}
		default:
			if err := a.SetAuth(key, entryFor(orig.Auths[key], c)); err != nil {
				return nil, rep, err
			}
			changef("put back the plaintext login for auths[%q], from the keystore", key)
		}
	}
	for _, key := range sortedKeys(auths) {
		if _, had := orig.Auths[key]; moved[key] || had || !emptyEntry(auths[key]) || !routed(key) {
			continue
		}
		if err := a.RemoveAuth(key); err != nil {
			return nil, rep, err
		}
		rep.dropped = append(rep.dropped, key)
		changef("removed the placeholder auths[%q]: its login lives only in regkey's keystore", key)
	}
	for _, key := range sortedKeys(helpers) {
		if helpers[key] != helper {
			continue
		}
		was, had := orig.CredHelpers[key]
		switch {
		case had && was == helper:
		case had:
			if err := a.SetCredHelper(key, was); err != nil {
				return nil, rep, err
			}
			changef("credHelpers[%q] %q -> %q", key, helper, was)
		default:
			if err := a.RemoveCredHelper(key); err != nil {
				return nil, rep, err
			}
			changef("removed credHelpers[%q] = %q", key, helper)
		}
	}
	if store == helper && orig.CredsStore != helper {
		if orig.CredsStore != "" {
			err = a.SetCredsStore(orig.CredsStore)
			changef("credsStore %q -> %q", helper, orig.CredsStore)
		} else {
			err = a.RemoveCredsStore()
			changef("removed credsStore %q", helper)
		}
		if err != nil {
			return nil, rep, err
		}
	}
	if orig.CredHelpers == nil && len(a.view.CredHelpers) == 0 {
		if err := a.removeMember("credHelpers"); err != nil {
			return nil, rep, err
		}
	}
	if orig.Auths == nil && len(a.view.Auths) == 0 {
		if err := a.removeMember("auths"); err != nil {
			return nil, rep, err
		}
	}
	out, err := a.Bytes()
	return out, rep, err
}

// blankMarkers returns a backup's text with every SecretMarker replaced by
// an empty string, so that it parses, and the auths keys it stood in.
func blankMarkers(backup []byte) ([]byte, []string, error) {
	spans, err := secretSpans(backup)
	if err != nil {
		return nil, nil, err
	}
	marker := markerJSON()
	out := append([]byte(nil), backup...)
	var keys []string
	for i := len(spans) - 1; i >= 0; i-- {
		s := spans[i]
		if !bytes.Equal(out[s.start:s.end], marker) {
			continue
		}
		out = append(out[:s.start], append([]byte(`""`), out[s.end:]...)...)
		keys = append(keys, s.key)
	}
	return out, keys, nil
}

// fileEntry is an auths entry as regkey writes one back, in docker's order.
type fileEntry struct {
	Auth          string `json:"auth,omitempty"`
	Email         string `json:"email,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
	RegistryToken string `json:"registrytoken,omitempty"`
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty"`
}

// entryFor returns the auths entry holding c in plaintext, in the shape of
// was (the entry before setup, or nil): docker's "auth" (base64 of
// user:password), or "identitytoken" beside the "user:" auth docker keeps
// with it, or the legacy username and password fields where was used them.
// Other fields of was (email, a registry token) are kept.
func entryFor(was *authEntry, c auth.Credential) json.RawMessage {
	var e fileEntry
	if was != nil {
		e.Email, e.RegistryToken = was.Email, was.RegistryToken
	}
	switch {
	case c.IsIdentityToken():
		e.IdentityToken = c.Secret
		if was != nil && was.Auth != "" {
			if _, pass, err := decodeAuthField(was.Auth); err == nil && pass == "" {
				e.Auth = was.Auth
			}
		}
	case c.Username == "" || was != nil && was.Auth == "" && (was.Username != "" || was.Password != ""):
		// docker refuses an "auth" without a user name.
		e.Username, e.Password = c.Username, c.Secret
	default:
		e.Auth = base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Secret))
	}
	b, _ := json.Marshal(e)
	return b
}

// PlaintextLogins returns, sorted, the auths keys of an auth file's text
// that hold a password or an identity token; nil for text that does not
// parse or is absent.
func PlaintextLogins(data []byte) []string {
	if data == nil {
		return nil
	}
	a, err := ParseAuthFile("", "", data, true, 0o600)
	if err != nil {
		return nil
	}
	plain, err := a.PlainAuths()
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range plain {
		if p.Password != "" || p.IdentityToken != "" {
			out = append(out, p.Key)
		}
	}
	return out
}

// emptyAuthDoc reports whether an auth file's text holds nothing but empty
// auths and credHelpers objects.
func emptyAuthDoc(data []byte) bool {
	var doc map[string]json.RawMessage
	if json.Unmarshal(data, &doc) != nil {
		return false
	}
	for name, v := range doc {
		var m map[string]json.RawMessage
		if _, ok := fieldOf(name, []string{"auths", "credHelpers"}); !ok || json.Unmarshal(v, &m) != nil || len(m) > 0 {
			return false
		}
	}
	return true
}

// holdsSecret reports whether an auths entry holds a password, an identity
// token or a registry token (docker's "auth" with only "user:" holds none).
func holdsSecret(e *authEntry) bool {
	if e == nil {
		return false
	}
	if e.Password != "" || e.IdentityToken != "" || e.RegistryToken != "" {
		return true
	}
	_, pass, err := decodeAuthField(e.Auth)
	return e.Auth != "" && (err != nil || pass != "")
}

// emptyEntry reports whether an auths entry is a placeholder: no field set.
func emptyEntry(e *authEntry) bool { return e == nil || *e == authEntry{} }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
