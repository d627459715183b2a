package config

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/regkey/regkey/auth"
)

// PlainAuth is a secret kept in plaintext in an auth file's auths.
type PlainAuth struct {
	// Key is the auths key exactly as in the file.
	Key string
	// Username and Password come from the "auth" field (base64 of
	// user:password) or, failing that, the legacy username and password
	// fields.
	Username string
	Password string
	// IdentityToken is an OAuth2 refresh token docker stored at login.
	IdentityToken string
	// RegistryToken is a bearer token for the registry itself. No
	// credential helper can hold one, so it cannot be moved.
	RegistryToken bool
	// Namespaced is set for podman's repository-scoped keys ("host/ns"):
	// containers/image never asks a helper for those, so they stay in the
	// file.
	Namespaced bool
}

// Credential is the credential a helper stores for this entry, as docker's
// own helper client stores it: an identity token wins over the password and
// is stored under the username "<token>".
func (p PlainAuth) Credential() auth.Credential {
	if p.IdentityToken != "" {
		return auth.Credential{Username: auth.TokenUsername, Secret: p.IdentityToken}
	}
	return auth.Credential{Username: p.Username, Secret: p.Password}
}

// Movable reports whether the secret can move into a credential helper.
func (p PlainAuth) Movable() bool {
	return !p.Namespaced && (p.IdentityToken != "" || p.Username != "" || p.Password != "")
}

// decodeAuthField decodes docker's "auth" field. Docker rejects the whole
// file when it is not base64 or has no "user:" part.
func decodeAuthField(s string) (user, pass string, err error) {
	dec, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", "", errors.New("not base64")
	}
	user, pass, ok := strings.Cut(string(dec), ":")
	if !ok || user == "" {
		return "", "", errors.New("not user:password (docker refuses to load such a file)")
	}
	return user, strings.Trim(pass, "\x00"), nil
}

// PlainAuths returns every auths entry that holds a secret, sorted by key.
// Empty placeholders ({}) that docker writes for helper-stored credentials
// are not secrets and are skipped.
func (a *AuthFile) PlainAuths() ([]PlainAuth, error) {
	t, err := a.typed()
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", a.Path, err)
	}
	var out []PlainAuth
	for key, e := range t.Auths {
		if e == nil {
			continue
		}
		p := PlainAuth{Key: key, Namespaced: isNamespaced(key)}
		if e.Auth != "" {
			p.Username, p.Password, err = decodeAuthField(e.Auth)
			if err != nil {
				return nil, fmt.Errorf("parsing %s: auths[%q].auth: %w", a.Path, key, err)
			}
		} else {
			p.Username, p.Password = e.Username, e.Password
		}
		p.IdentityToken = e.IdentityToken
		p.RegistryToken = e.RegistryToken != ""
		if p.Password != "" || p.IdentityToken != "" || p.RegistryToken || p.Username != "" {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// secretFields are the auths entry fields that hold (or lead to) a secret.
var secretFields = []string{"auth", "identitytoken", "username", "password"}

// ClearSecret removes the secret fields of auths[key], under every spelling
// docker reads them by (see jsonname.go), leaving the {} placeholder docker
// itself writes for helper-stored credentials (and any other field, such as
// email, that docker still reads from the file).
func (a *AuthFile) ClearSecret(key string) error {
	for _, f := range secretFields {
		if err := a.remove(authsEntryPath(key), fieldStep(f)); err != nil {
			return err
		}
	}
	if e := a.view.Auths[key]; e != nil {
		e.Auth, e.IdentityToken, e.Username, e.Password = "", "", "", ""
	}
	return nil
}

// SetAuth makes auths[key] the entry given as JSON, under every spelling
// of auths (see jsonname.go): other spellings of the entry go.
func (a *AuthFile) SetAuth(key string, entry json.RawMessage) error {
	var e authEntry
	if err := json.Unmarshal(entry, &e); err != nil {
		return fmt.Errorf("editing %s: auths[%q]: %w", a.Path, key, err)
	}
	if err := a.set(authsEntryPath(key), entry); err != nil {
		return err
	}
	if a.view.Auths == nil {
		a.view.Auths = map[string]*authEntry{}
	}
	a.view.Auths[key] = &e
	return nil
}

// RemoveAuth removes auths[key] entirely, as podman's logout does, from
// every spelling of auths.
func (a *AuthFile) RemoveAuth(key string) error {
	if err := a.remove(authsPath, keyStep(key)); err != nil {
		return err
	}
	delete(a.view.Auths, key)
	return nil
}

// redactedFields are the auths entry fields whose values RedactSecrets hides.
var redactedFields = []string{"auth", "identitytoken", "password", "registrytoken"}

// fieldSpan is where the string value of an auths entry's field sits in an
// auth file's text.
type fieldSpan struct {
	key, field string // the auths key; the field as its JSON name spells it
	start, end int
}

// fieldSpans finds the string values of fields in every auths entry, under
// every spelling of auths and of the fields (see jsonname.go), in file
// order. Text that does not parse is an error.
func fieldSpans(data []byte, fields []string) ([]fieldSpan, error) {
	doc, err := parseJSONDoc(data)
	if err != nil {
		return nil, err
	}
	var out []fieldSpan
	for _, auths := range doc.objects(authsPath) {
		for _, e := range auths.obj.members {
			if e.value.kind != '{' {
				continue
			}
			for _, f := range e.value.members {
				if name, ok := fieldOf(f.key, fields); ok && f.value.kind == '"' {
					out = append(out, fieldSpan{key: e.key, field: name, start: f.value.start, end: f.value.end})
				}
			}
		}
	}
	return out, nil
}

// RedactSecrets returns an auth file's text with the value of every secret
// field of every auths entry replaced by "<redacted>", whatever the case of
// its name, so that a diff of the file can be shown. Text that does not
// parse is returned as "<unreadable>".
func RedactSecrets(data []byte) []byte {
	if len(data) == 0 {
		return data
	}
	spans, err := fieldSpans(data, redactedFields)
	if err != nil {
		return []byte("<unreadable>\n")
	}
	out := append([]byte(nil), data...)
	for i := len(spans) - 1; i >= 0; i-- {
		s := spans[i]
		out = append(out[:s.start], append([]byte(`"<redacted>"`), out[s.end:]...)...)
	}
	return out
}
