package providers

import (
	"fmt"
	"strings"

	"github.com/regkey/regkey/auth"
)

// Rule routes the hosts it matches to a provider. It mirrors config.Rule so
// that this package does not depend on the settings file.
type Rule struct {
	// Match is a host[:port] or a glob whose "*" labels stand for one or
	// more whole DNS labels ("*.pkg.example.com"). A scheme is ignored; a
	// repository path is an error.
	Match string
	// Provider is a provider name, or Keystore to force the static keystore.
	Provider string
	// Options are handed to the provider's constructor unchanged.
	Options map[string]string
}

// hostGlob is a parsed Rule.Match.
type hostGlob struct {
	raw    string
	labels []string // lower-case; "*" is a wildcard label
	port   string   // "" means the default port (none or 443)
	ipv6   string   // a bracketed IPv6 host, matched exactly
}

// parseGlob normalises and validates a rule's match pattern.
func parseGlob(s string) (hostGlob, error) {
	g := hostGlob{raw: s}
	k, err := auth.ParsePattern(s)
	if err != nil {
		return g, fmt.Errorf("match %q: %w", s, err)
	}
	if k.Opaque {
		return g, fmt.Errorf("match %q: not a registry host", s)
	}
	if k.Path != "" {
		return g, fmt.Errorf("match %q: rules match registry hosts, not repositories (drop %q)", s, "/"+k.Path)
	}
	g.port = k.Port()
	if g.port == "443" {
		g.port = ""
	}
	name := k.HostOnly()
	if strings.HasPrefix(name, "[") {
		if strings.Contains(name, "*") {
			return g, fmt.Errorf("match %q: wildcards are not allowed in IPv6 addresses", s)
		}
		g.ipv6 = name
		return g, nil
	}
	g.labels = strings.Split(name, ".") // checked by auth.ParsePattern: no empty labels, '*' only as a whole label
	if g.wildcards() == len(g.labels) {
		return g, fmt.Errorf("match %q: a pattern needs at least one literal label", s)
	}
	return g, nil
}

// matches reports whether k's host is matched by g. The port must agree
// exactly, with no port and 443 treated as the same.
func (g hostGlob) matches(k auth.Key) bool {
	if k.Opaque || k.Host == "" {
		return false
	}
	port := k.Port()
	if port == "443" {
		port = ""
	}
	if port != g.port {
		return false
	}
	name := k.HostOnly()
	if g.ipv6 != "" {
		return name == g.ipv6
	}
	if strings.HasPrefix(name, "[") {
		return false
	}
	return matchLabels(g.labels, strings.Split(name, "."))
}

// matchLabels matches host labels against pattern labels, where "*" takes
// one or more whole labels.
func matchLabels(pat, host []string) bool {
	for len(pat) > 0 {
		if pat[0] == "*" {
			for n := 1; n <= len(host); n++ {
				if matchLabels(pat[1:], host[n:]) {
					return true
				}
			}
			return false
		}
		if len(host) == 0 || pat[0] != host[0] {
			return false
		}
		pat, host = pat[1:], host[1:]
	}
	return len(host) == 0
}

func (g hostGlob) wildcards() int {
	n := 0
	for _, l := range g.labels {
		if l == "*" {
			n++
		}
	}
	return n
}

// canonical is g written in normal form, used to find duplicate rules.
func (g hostGlob) canonical() string {
	h := g.ipv6
	if h == "" {
		h = strings.Join(g.labels, ".")
	}
	if g.port != "" {
		h += ":" + g.port
	}
	return h
}

// moreSpecific reports whether a should be tried before b: exact patterns
// before globs, then more literal labels, then fewer wildcards, then an
// explicit port. Ties keep the order of the settings file.
func moreSpecific(a, b hostGlob) bool {
	aw, bw := a.wildcards(), b.wildcards()
	if (aw == 0) != (bw == 0) {
		return aw == 0
	}
	al, bl := len(a.labels)-aw, len(b.labels)-bw
	if al != bl {
		return al > bl
	}
	if aw != bw {
		return aw < bw
	}
	return a.port != "" && b.port == ""
}
