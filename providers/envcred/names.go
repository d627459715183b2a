package envcred

import (
	"strings"

	"github.com/regkey/regkey/auth"
)

// Variable name prefixes. The rest of the name is Encode(host).
const (
	AuthPrefix     = "REGKEY_AUTH_"     // value "user:secret"
	UsernamePrefix = "REGKEY_USERNAME_" // value "user", with PasswordPrefix
	PasswordPrefix = "REGKEY_PASSWORD_" // value "secret", with UsernamePrefix
)

// Encode turns a normalised registry host (auth.Key.Host: lower-case,
// host[:port]) into the suffix of a variable name: letters are upper-cased,
// digits kept, every '-' becomes "__" and every other character ('.', ':',
// the brackets of an IPv6 address) becomes '_'. Terraform's TF_TOKEN_<host>
// variables encode hyphens the same way.
//
//	ghcr.io                 → GHCR_IO
//	127.0.0.1:5000          → 127_0_0_1_5000
//	my-registry.example.com → MY__REGISTRY_EXAMPLE_COM
//	docker.io               → DOCKER_IO (Docker Hub under any of its names)
//
// The encoding is one-way and regkey never turns a variable name back into
// a host. It is unambiguous for DNS names, whose labels neither start nor
// end with '-', so "my-registry.example.com" and "my.registry.example.com"
// get different variables. Two spellings do collide: "host:5000" and
// "host.5000". A last label of digits is not a public DNS name (no TLD is
// numeric), so only a private resolver could make those two different
// machines; do not put a secret for one where the other is reachable.
// Hosts with any other character (an underscore, which would read as a
// '.') have no variable at all: see spellings.
func Encode(host string) string {
	var b strings.Builder
	b.Grow(len(host) + 8)
	for _, r := range host {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-':
			b.WriteString("__")
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// AuthVar is the name of the "user:secret" variable for host.
func AuthVar(host string) string { return AuthPrefix + Encode(host) }

// UsernameVar is the name of the username variable for host.
func UsernameVar(host string) string { return UsernamePrefix + Encode(host) }

// PasswordVar is the name of the password variable for host.
func PasswordVar(host string) string { return PasswordPrefix + Encode(host) }

// spellings lists the hosts whose variables may serve k, best first: the
// host as normalised, then the same host with ":443" dropped or added
// (auth.SameRegistry treats them as one registry). Hosts with characters
// other than lower-case letters, digits, '.', '-', ':' and IPv6 brackets
// (an underscore, say, which Encode would confuse with '.') have none.
func spellings(k auth.Key) []string {
	if k.Opaque || k.Host == "" || strings.ContainsFunc(k.Host, odd) {
		return nil
	}
	switch k.Port() {
	case "443":
		return []string{k.Host, k.HostOnly()}
	case "":
		return []string{k.Host, k.Host + ":443"}
	}
	return []string{k.Host}
}

// odd reports whether r may not appear in a host that has variables.
func odd(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune(".-:[]", r))
}

// varSet names the variables one credential is read from.
type varSet struct {
	auth, user, pass string
}

func varsFor(host string) varSet {
	return varSet{auth: AuthVar(host), user: UsernameVar(host), pass: PasswordVar(host)}
}

// present reports whether env sets any of the variables to a non-empty
// value. An empty value counts as unset: CI systems expand a missing
// secret to the empty string.
func (v varSet) present(env map[string]string) bool {
	for _, n := range []string{v.auth, v.user, v.pass} {
		if n != "" && env[n] != "" {
			return true
		}
	}
	return false
}
