package auth

import (
	"fmt"
	"net"
	"strings"
	"unicode/utf8"
)

// Docker Hub spellings. Docker's own config key is HubKey; containers/image
// uses HubHost; go-containerregistry and a literal `docker login` may send the
// others.
const (
	HubKey  = "https://index.docker.io/v1/"
	HubHost = "docker.io"
)

// hubAliases are the host spellings that all mean Docker Hub.
var hubAliases = map[string]bool{
	"docker.io":               true,
	"index.docker.io":         true,
	"registry-1.docker.io":    true,
	"registry.hub.docker.com": true,
}

// Key is a server key as a client sent it, split into the parts regkey
// matches on. Raw is kept so that what a client stored is what `list` shows.
type Key struct {
	// Raw is the key exactly as received, with surrounding space trimmed.
	Raw string
	// Host is the registry host, lower-cased, with its port if one was given
	// ("127.0.0.1:5000", "[::1]:5000"). Docker Hub aliases become HubHost.
	Host string
	// Path is the repository path after the host, without leading or
	// trailing slashes ("owner/img"); empty for a bare host. Docker's legacy
	// "/v1" and "/v2" API suffixes are not paths and are dropped.
	Path string
	// Opaque is set for keys that name something other than a registry,
	// such as Docker Hub's ".../access-token" and ".../refresh-token" keys.
	// They match only themselves.
	Opaque bool
}

// ParseKey normalises a server key from any client: docker's
// "https://index.docker.io/v1/", "Ghcr.IO:443", crane's "HOST/REPO",
// containers/image's "docker.io", docker logout's "http://HOST" and so on.
// It rejects empty keys and keys that cannot name a registry (userinfo,
// spaces, control characters, an empty host, and any host that breaks the
// host rule below).
//
// The host rule, the one every part of regkey goes through: a registry host
// is ASCII only. It is a DNS name (labels of letters, digits and '-', not
// starting or ending with '-', joined by '.'; an IPv4 address is one) or an
// IPv6 address in brackets, with an optional :port of one to five digits.
// Letters are lower-cased with ASCII rules only. Docker's reference grammar
// allows nothing else in a registry host, and Unicode case rules fold some
// non-ASCII letters onto ASCII ones (U+0130 'İ' lower-cases to 'i', the
// Kelvin sign U+212A to 'k'; U+017F 'ſ' and U+0131 'ı' upper-case to 'S'
// and 'I'), which would hand such a key another host's secret.
func ParseKey(raw string) (Key, error) {
	k, _, err := parseKey(raw, false)
	return k, err
}

// ParseStoreKey is ParseKey for a key a credential is about to be stored
// under: the key must also be one a client can ask for, so its repository
// path, if any, must be a repository name as docker's reference grammar
// spells it (lower-case ASCII letters and digits, '.', '_' and '-', in
// components joined by '/'). Docker Hub's opaque access-token and
// refresh-token keys are accepted as they are.
func ParseStoreKey(raw string) (Key, error) {
	k, path, err := parseKey(raw, false)
	if err != nil || k.Opaque {
		return k, err
	}
	if err := checkRepoPath(path); err != nil {
		return k, fmt.Errorf("server key %q: %w", k.Raw, err)
	}
	return k, nil
}

// ParsePattern is ParseKey for a host pattern of a settings-file rule: a
// label may also be a lone '*' ("*.pkg.example.com"), which the rule
// matcher gives its meaning; everything else follows the host rule.
func ParsePattern(raw string) (Key, error) {
	k, _, err := parseKey(raw, true)
	return k, err
}

// parseKey does the work of ParseKey; it also returns the path as given
// (before "/v1" and the like are dropped). wild allows '*' labels.
func parseKey(raw string, wild bool) (Key, string, error) {
	s := strings.TrimSpace(raw)
	k := Key{Raw: s}
	if s == "" {
		return k, "", fmt.Errorf("empty server key")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return k, "", fmt.Errorf("server key %q contains white space or control characters", s)
	}
	if s == HubKey+"access-token" || s == HubKey+"refresh-token" {
		k.Host, k.Opaque = HubHost, true
		return k, "", nil
	}
	rest := s
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme := LowerASCII(rest[:i])
		if scheme != "http" && scheme != "https" {
			return k, "", fmt.Errorf("server key %q: unsupported scheme %q", s, rest[:i])
		}
		rest = rest[i+3:]
	}
	host, rawPath, _ := strings.Cut(rest, "/")
	if strings.ContainsAny(host, "@?#\\") {
		return k, "", fmt.Errorf("server key %q: not a registry host", s)
	}
	h, err := normaliseHost(host, wild)
	switch {
	case err != nil && host == s:
		return k, "", fmt.Errorf("server key %q: %w", s, err)
	case err != nil:
		return k, "", fmt.Errorf("server key %q: host %q: %w", s, host, err)
	}
	k.Host = h
	path := strings.Trim(rawPath, "/")
	if path == "v1" || path == "v2" {
		path = ""
	}
	if strings.ContainsAny(path, "?#@:") {
		// Not a repository path; keep the host, ignore the rest as docker does.
		path = ""
	}
	k.Path = path
	return k, rawPath, nil
}

// normaliseHost applies the host rule (see ParseKey) to host[:port]: it
// lower-cases ASCII letters, maps Docker Hub aliases to HubHost and
// validates the name and the port. Errors do not repeat host.
func normaliseHost(host string, wild bool) (string, error) {
	if host == "" {
		return "", fmt.Errorf("no host")
	}
	for _, r := range host {
		if !hostRune(r) && !(wild && r == '*') {
			return "", fmt.Errorf("%s is not allowed; a registry host is ASCII letters, digits, '-' and '.', "+
				"or an [IPv6] address, with an optional :port", describeRune(r))
		}
	}
	h := LowerASCII(host)
	name, port, hasPort := h, "", false
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", fmt.Errorf("malformed IPv6 address: no ']'")
		}
		name = h[:end+1]
		switch after := h[end+1:]; {
		case after == "":
		case after[0] == ':':
			port, hasPort = after[1:], true
		default:
			return "", fmt.Errorf("malformed host: %q after the IPv6 address", after)
		}
		if ip := name[1:end]; !strings.Contains(ip, ":") || net.ParseIP(ip) == nil {
			return "", fmt.Errorf("malformed IPv6 address %q", ip)
		}
	} else {
		if i := strings.LastIndexByte(h, ':'); i >= 0 {
			name, port, hasPort = h[:i], h[i+1:], true
		}
		if err := checkName(name, wild); err != nil {
			return "", fmt.Errorf("malformed host: %w", err)
		}
	}
	if hasPort {
		if port == "" || len(port) > 5 || strings.Trim(port, "0123456789") != "" {
			return "", fmt.Errorf("malformed port %q: want 1 to 5 digits", port)
		}
		if hubAliases[name] && port == "443" {
			return HubHost, nil
		}
		return name + ":" + port, nil
	}
	if hubAliases[name] {
		return HubHost, nil
	}
	return name, nil
}

// hostRune reports whether r may appear in host[:port] at all.
func hostRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-:[]", r)
}

// checkName checks a lower-cased DNS name: labels of [a-z0-9-] that neither
// start nor end with '-' (docker's domain-name component), joined by '.'.
// With wild, a label may be a lone '*'.
func checkName(name string, wild bool) error {
	if name == "" {
		return fmt.Errorf("no host name")
	}
	for _, l := range strings.Split(name, ".") {
		switch {
		case l == "":
			return fmt.Errorf("empty label")
		case wild && l == "*":
		case wild && strings.Contains(l, "*"):
			return fmt.Errorf("label %q: \"*\" must stand for whole labels, as in \"*.example.com\"", l)
		case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
			return fmt.Errorf("label %q starts or ends with '-'", l)
		case strings.ContainsFunc(l, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }):
			return fmt.Errorf("label %q: want letters, digits and '-'", l)
		}
	}
	return nil
}

// checkRepoPath checks the path of a key to be stored (one trailing slash
// allowed, as in docker's "https://index.docker.io/v1/"): components of
// lower-case ASCII letters, digits, '.', '_' and '-'.
func checkRepoPath(path string) error {
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return nil
	}
	for _, c := range strings.Split(path, "/") {
		if c == "" || strings.ContainsFunc(c, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		}) {
			return fmt.Errorf("repository path %q: want lower-case letters, digits, '.', '_' and '-' in components joined by '/'", path)
		}
	}
	return nil
}

// LowerASCII lower-cases the ASCII letters of s and nothing else. It is the
// only case mapping regkey applies to hosts (see ParseKey): never use
// strings.ToLower or strings.EqualFold on a host.
func LowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// describeRune names r for an error message without writing it raw: a
// look-alike letter shown as itself is no help.
func describeRune(r rune) string {
	if r == utf8.RuneError {
		return "U+FFFD or a byte that is not UTF-8"
	}
	return fmt.Sprintf("%q (U+%04X)", r, r)
}

// IsHub reports whether the key names Docker Hub.
func (k Key) IsHub() bool { return k.Host == HubHost && !k.Opaque }

// HostOnly returns Host without its port.
func (k Key) HostOnly() string {
	if strings.HasPrefix(k.Host, "[") {
		return k.Host[:strings.Index(k.Host, "]")+1]
	}
	name, _, _ := strings.Cut(k.Host, ":")
	return name
}

// Port returns the explicit port, or "".
func (k Key) Port() string {
	rest := strings.TrimPrefix(k.Host, k.HostOnly())
	return strings.TrimPrefix(rest, ":")
}

// SameRegistry reports whether a and b name the same registry host. An
// explicit :443 matches no port, as a fallback for clients that spell the
// default HTTPS port.
func SameRegistry(a, b Key) bool {
	if a.Opaque || b.Opaque {
		return a.Opaque && b.Opaque && a.Raw == b.Raw
	}
	if a.Host == b.Host {
		return true
	}
	strip := func(k Key) string {
		if k.Port() == "443" {
			return k.HostOnly()
		}
		return k.Host
	}
	return strip(a) == strip(b)
}
