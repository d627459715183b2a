package auth

import (
	"fmt"
	"net"
	"strings"
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
// spaces, control characters, an empty host).
func ParseKey(raw string) (Key, error) {
	s := strings.TrimSpace(raw)
	k := Key{Raw: s}
	if s == "" {
		return k, fmt.Errorf("empty server key")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return k, fmt.Errorf("server key %q contains white space or control characters", s)
	}
	if s == HubKey+"access-token" || s == HubKey+"refresh-token" {
		k.Host, k.Opaque = HubHost, true
		return k, nil
	}
	rest := s
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme := strings.ToLower(rest[:i])
		if scheme != "http" && scheme != "https" {
			return k, fmt.Errorf("server key %q: unsupported scheme %q", s, scheme)
		}
		rest = rest[i+3:]
	}
	host, path, _ := strings.Cut(rest, "/")
	if strings.ContainsAny(host, "@?#\\") {
		return k, fmt.Errorf("server key %q: not a registry host", s)
	}
	h, err := normaliseHost(host)
	if err != nil {
		return k, fmt.Errorf("server key %q: %w", s, err)
	}
	k.Host = h
	path = strings.Trim(path, "/")
	if path == "v1" || path == "v2" {
		path = ""
	}
	if strings.ContainsAny(path, "?#@:") {
		// Not a repository path; keep the host, ignore the rest as docker does.
		path = ""
	}
	k.Path = path
	return k, nil
}

// normaliseHost lower-cases host[:port], maps Docker Hub aliases to HubHost
// and validates the port.
func normaliseHost(host string) (string, error) {
	if host == "" {
		return "", fmt.Errorf("no host")
	}
	h := strings.ToLower(host)
	name, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.Index(h, "]")
		if end < 0 {
			return "", fmt.Errorf("malformed IPv6 host %q", host)
		}
		name, port = h[:end+1], strings.TrimPrefix(h[end+1:], ":")
		if h[end+1:] != "" && !strings.HasPrefix(h[end+1:], ":") {
			return "", fmt.Errorf("malformed host %q", host)
		}
		if net.ParseIP(name[1:end]) == nil {
			return "", fmt.Errorf("malformed IPv6 host %q", host)
		}
	} else if i := strings.LastIndex(h, ":"); i >= 0 {
		name, port = h[:i], h[i+1:]
	}
	if name == "" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return "", fmt.Errorf("malformed host %q", host)
	}
	if port != "" || strings.HasSuffix(h, ":") {
		if port == "" || len(port) > 5 || strings.Trim(port, "0123456789") != "" {
			return "", fmt.Errorf("malformed port in %q", host)
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
