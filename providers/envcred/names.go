package envcred

import (
	"fmt"
	"net"
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
// a host. Encode itself is not one-to-one: "host:5000" and "host.5000"
// encode alike, and so would "my_reg.example" and "my.reg.example". Only the
// hosts CheckHost accepts have variables; on those it is one-to-one.
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

// CheckHost reports whether host, a normalised registry host
// (auth.Key.Host), has variables of its own: nil when it does, else why
// not (the error does not repeat host). It is the env provider's rule, and `regkey export --format env`
// writes variables only for hosts it accepts. The rule makes Encode
// one-to-one, so that a variable serves exactly one host:
//
//   - the host follows regkey's host rule (auth.ParseKey), in normal form
//     and without a path: ASCII letters, digits and '-' only, labels never
//     starting or ending with '-', so a run of '_' in a name reads back
//     unambiguously ('_' is '.', "__" is '-');
//   - a name whose last label is a number must be an IPv4 address:
//     otherwise "host.5000" would read as "host:5000" (no public DNS name
//     ends in a number);
//   - an IPv6 address has no dotted IPv4 part, which would encode like the
//     address written with colons only.
func CheckHost(host string) error {
	k, err := auth.ParseKey(host)
	switch {
	case err != nil:
		return err
	case k.Opaque || k.Host != host:
		return fmt.Errorf("%q is not a registry host in normal form (%q)", host, k.Host)
	}
	name := auth.Key{Host: host}.HostOnly()
	if strings.HasPrefix(name, "[") {
		if strings.Contains(name, ".") {
			return fmt.Errorf("it is an IPv6 address with a dotted IPv4 part, and '.' and ':' both encode as '_'")
		}
		return nil
	}
	last := name[strings.LastIndexByte(name, '.')+1:]
	if strings.Trim(last, "0123456789") == "" && net.ParseIP(name).To4() == nil {
		return fmt.Errorf("its name ends in a number (%q) but is not an IPv4 address, and '.' and ':' both encode as '_'", last)
	}
	return nil
}

// AuthVar is the name of the "user:secret" variable for host.
func AuthVar(host string) string { return AuthPrefix + Encode(host) }

// UsernameVar is the name of the username variable for host.
func UsernameVar(host string) string { return UsernamePrefix + Encode(host) }

// PasswordVar is the name of the password variable for host.
func PasswordVar(host string) string { return PasswordPrefix + Encode(host) }

// spellings lists the hosts whose variables may serve k, best first: the
// host as normalised, then the same host with ":443" dropped or added
// (auth.SameRegistry treats them as one registry). Hosts CheckHost refuses
// have none.
func spellings(k auth.Key) []string {
	if k.Opaque || k.Host == "" || CheckHost(k.Host) != nil {
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
