// Package childenv builds the environment of the programs regkey runs: gh,
// pass (and the gpg it runs), and other docker-credential helpers. regkey's
// own environment holds secrets meant for regkey alone (REGKEY_FILE_KEY,
// REGKEY_AUTH_<HOST>, CI_JOB_TOKEN, AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN and
// the like); a child must not inherit them, because a child may log its
// environment, hand it to its own children, or be a wrapper regkey does not
// know.
//
// Build keeps only the variables on an allowlist: Session (where the child
// finds programs and files, and the desktop session a keyring or pinentry
// talks to) plus the child's own settings. Strip is for a child whose needs
// cannot be listed (another credential helper, which gets what docker would
// give it) and removes regkey's own secrets.
//
// Both read the config.Env snapshot (a map), never the process environment.
package childenv

import (
	"sort"
	"strings"
)

// Session are the variables every child gets when they are set. None holds
// a secret. Proxies are not among them: no child regkey runs uses the
// network for what regkey asks of it (`gh auth token`, pass and gpg answer
// from local files), and a proxy URL may carry a password.
var Session = []string{
	// programs, home, user, temporary files, time
	"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "TZ",
	// language of messages
	"LANG", "LANGUAGE", "LC_*",
	// the user's directories, XDG_RUNTIME_DIR included
	"XDG_*",
	// the session a Secret Service keyring or a pinentry talks to
	"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "TERM",
	// Windows: where the system, the profile and temporary files are
	"SYSTEMROOT", "WINDIR", "SYSTEMDRIVE", "COMSPEC", "PATHEXT", "USERPROFILE", "USERNAME",
	"HOMEDRIVE", "HOMEPATH", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "TEMP", "TMP",
}

// RegkeySecrets are regkey's own secret variables: the file keystore's key
// and the env provider's credentials (prefixes end in '*'). Only regkey
// reads them.
var RegkeySecrets = []string{"REGKEY_FILE_KEY", "REGKEY_AUTH_*", "REGKEY_USERNAME_*", "REGKEY_PASSWORD_*"}

// Build returns the "NAME=value" pairs of env whose names Session or allow
// list, sorted. A listed name ending in '*' matches every name it is a
// prefix of. Names compare in ASCII upper case, as Windows compares them.
func Build(env map[string]string, allow ...string) []string {
	return pick(env, func(name string) bool { return listed(name, Session) || listed(name, allow) })
}

// Strip returns the "NAME=value" pairs of env, sorted, without the
// variables RegkeySecrets and deny list (same matching as Build).
func Strip(env map[string]string, deny ...string) []string {
	return pick(env, func(name string) bool { return !listed(name, RegkeySecrets) && !listed(name, deny) })
}

func pick(env map[string]string, keep func(string) bool) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		if k != "" && keep(k) {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// listed reports whether name is in names, where an entry ending in '*' is
// a prefix.
func listed(name string, names []string) bool {
	up := upperASCII(name)
	for _, n := range names {
		if p, ok := strings.CutSuffix(n, "*"); ok {
			if strings.HasPrefix(up, p) {
				return true
			}
		} else if up == n {
			return true
		}
	}
	return false
}

// upperASCII upper-cases ASCII letters only (Unicode rules would turn
// U+017F 'ſ' into 'S', and a name into one it is not).
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
