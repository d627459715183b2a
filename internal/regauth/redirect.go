package regauth

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is how many redirects one request may follow, as net/http's
// default policy allows.
const maxRedirects = 10

// SameOriginRedirects is the redirect policy of a verification's client,
// for http.Client.CheckRedirect. Every request a verification makes either
// carries a credential (Basic auth to /v2/ or the token server, the token
// POST's password or refresh token, the Bearer retry's access token) or
// decides where one goes (the /v2/ ping, whose challenge names the token
// server). net/http would follow a redirect anywhere: it re-sends a POST
// body on 307 and 308, and keeps the Authorization header for the same host
// name on another port. So a redirect is followed only within the origin
// (scheme, host and port) the request was sent to: a path on the same
// server. Any other, to another host or port or from https to http, is
// refused with an error that names both and matches ErrRedirect, before
// anything is sent there.
//
// logf, if not nil, receives one line per redirect (status and target,
// without query strings), so that `regkey login -v` shows them.
func SameOriginRedirects(logf func(format string, args ...any)) func(req *http.Request, via []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		prev := via[len(via)-1]
		if logf != nil {
			status := "redirect"
			if req.Response != nil {
				status = req.Response.Status
			}
			logf("%s %s: %s -> %s", prev.Method, redact(prev.URL.String()), status, redact(req.URL.String()))
		}
		from := via[0].URL
		if !sameOrigin(from, req.URL) {
			return fmt.Errorf("%w from %s to %s: credentials go only to the host they are for", ErrRedirect, origin(from), origin(req.URL))
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("%w: stopped after %d redirects", ErrRedirect, maxRedirects)
		}
		return nil
	}
}

// sameOrigin reports whether a and b have the same scheme, host and port,
// an absent port being the scheme's default. Host names compare ASCII
// letters without case, as DNS does, and nothing else.
func sameOrigin(a, b *url.URL) bool {
	return asciiEqualFold(a.Scheme, b.Scheme) && asciiEqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// onHost reports whether u addresses the host a registry was named by
// (host or host:port): the same host name, and the same port, an absent
// one being u's scheme's default (so "example.com" is itself over HTTPS on
// 443 and over plain HTTP on 80).
func onHost(u *url.URL, host string) bool {
	name, p := host, ""
	if h, hp, err := net.SplitHostPort(host); err == nil {
		name, p = h, hp
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if p == "" {
		p = defaultPort(u.Scheme)
	}
	return asciiEqualFold(u.Hostname(), name) && port(u) == p
}

// port is u's port, or its scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return defaultPort(u.Scheme)
}

func defaultPort(scheme string) string {
	switch strings.ToLower(scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// origin renders scheme://host[:port] of u for messages: no user info, path
// or query.
func origin(u *url.URL) string { return strings.ToLower(u.Scheme) + "://" + u.Host }

// asciiEqualFold compares a and b with ASCII letters folded and every other
// byte exact (strings.EqualFold would also fold U+212A KELVIN SIGN to k).
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
