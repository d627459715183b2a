package config

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/regkey/regkey/auth"
)

// SecretMarker stands in a backup for a secret that moved into the
// keystore; undo puts the secret back from there.
const SecretMarker = "<moved to regkey's keystore>"

// Credentials looks up the credential the keystore holds under an auths
// key (exact), for writing and restoring backups without their secrets.
type Credentials func(key string) (auth.Credential, bool)

// backupFields are the auths entry fields a backup can leave out because
// the keystore holds their value.
var backupFields = []string{"auth", "identitytoken", "password"}

// secretSpans finds the string values of backupFields in auths entries,
// under every spelling docker reads them by.
func secretSpans(data []byte) ([]fieldSpan, error) { return fieldSpans(data, backupFields) }

// secretText is the JSON text of a field's value as the keystore's
// credential gives it back.
func secretText(field string, c auth.Credential) (string, bool) {
	var v string
	switch {
	case field == "identitytoken" && c.IsIdentityToken():
		v = c.Secret
	case field == "auth" && !c.IsIdentityToken():
		v = base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Secret))
	case field == "password" && !c.IsIdentityToken():
		v = c.Secret
	default:
		return "", false
	}
	b, _ := json.Marshal(v)
	return string(b), true
}

// redactBackup returns data without the secrets the keystore now holds
// (secrets that were not moved stay, as they stay in the file), and whether
// it left any out. A secret is left out only where restoreBackup gives its
// exact bytes back from the keystore; one spelled otherwise than docker
// spells it (an escaped slash, say), or one the keystore does not hold (a
// password beside an identity token), stays in the backup, which
// PlaintextInBackup then reports.
func redactBackup(data []byte, creds Credentials) ([]byte, bool) {
	if creds == nil {
		return nil, false
	}
	spans, err := secretSpans(data)
	if err != nil || len(spans) == 0 {
		return nil, false
	}
	marker := markerJSON()
	out := append([]byte(nil), data...)
	redacted := 0
	for i := len(spans) - 1; i >= 0; i-- {
		s := spans[i]
		c, ok := creds(s.key)
		if !ok {
			continue // not moved: it stays in the file too
		}
		raw := string(data[s.start:s.end])
		if text, ok := secretText(s.field, c); !ok || text != raw {
			continue
		}
		out = append(out[:s.start], append(append([]byte(nil), marker...), out[s.end:]...)...)
		redacted++
	}
	if redacted == 0 {
		return nil, false
	}
	back, err := restoreBackup(out, creds)
	if err != nil || string(back) != string(data) {
		return nil, false
	}
	return out, true
}

// PlaintextInBackup returns, sorted, the auths keys of an auth file's text
// (a backup setup wrote) whose auth, identitytoken or password still hold a
// secret rather than SecretMarker. An "auth" holding only a user name
// ("user:", as docker writes beside an identity token) is no secret.
func PlaintextInBackup(data []byte) []string {
	spans, err := secretSpans(data)
	if err != nil {
		return nil
	}
	set := map[string]bool{}
	for _, s := range spans {
		var v string
		if json.Unmarshal(data[s.start:s.end], &v) != nil || v == "" || v == SecretMarker {
			continue
		}
		if s.field == "auth" {
			if _, pass, err := decodeAuthField(v); err == nil && pass == "" {
				continue
			}
		}
		set[s.key] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// restoreBackup puts the keystore's secrets back into a redacted backup.
func restoreBackup(redacted []byte, creds Credentials) ([]byte, error) {
	spans, err := secretSpans(redacted)
	if err != nil {
		return nil, err
	}
	marker := markerJSON()
	out := append([]byte(nil), redacted...)
	var errs []error
	for i := len(spans) - 1; i >= 0; i-- {
		s := spans[i]
		if string(out[s.start:s.end]) != string(marker) {
			continue
		}
		var text string
		c, ok := creds(s.key)
		if ok {
			text, ok = secretText(s.field, c)
		}
		if !ok {
			errs = append(errs, fmt.Errorf("the keystore no longer holds the login for %q", s.key))
			continue
		}
		out = append(out[:s.start], append([]byte(text), out[s.end:]...)...)
	}
	return out, errors.Join(errs...)
}

// markerJSON is SecretMarker as a JSON string, unescaped so that the backup
// reads as it says.
func markerJSON() []byte { return []byte(`"` + SecretMarker + `"`) }
