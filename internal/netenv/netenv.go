// Package netenv builds HTTP settings from an environment snapshot rather
// than the process environment: net/http's ProxyFromEnvironment reads the
// process once and caches it, which neither tests nor the env-snapshot
// design can live with.
package netenv

import (
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpproxy"
)

// ProxyFunc returns the proxy choice that HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY (upper case first, then lower case) in env make, with the rules of
// net/http: loopback targets are never proxied. Hosts in direct are never
// proxied either (a metadata server, say).
func ProxyFunc(env map[string]string, direct ...string) func(*http.Request) (*url.URL, error) {
	get := func(k string) string {
		if v := env[k]; v != "" {
			return v
		}
		return env[lower(k)]
	}
	f := (&httpproxy.Config{
		HTTPProxy:  get("HTTP_PROXY"),
		HTTPSProxy: get("HTTPS_PROXY"),
		NoProxy:    get("NO_PROXY"),
	}).ProxyFunc()
	skip := make(map[string]bool, len(direct))
	for _, h := range direct {
		skip[h] = true
	}
	return func(r *http.Request) (*url.URL, error) {
		if skip[r.URL.Hostname()] || skip[r.URL.Host] {
			return nil, nil
		}
		return f(r.URL)
	}
}

// ErrRedirect is what clients from Client return for a redirect.
var ErrRedirect = errors.New("redirect refused")

// Client returns an HTTP client over rt (a clone of the default transport
// with ProxyFunc(env, direct...) when rt is nil) that refuses redirects:
// every request regkey's providers make carries a secret, and none needs to
// follow one.
func Client(rt http.RoundTripper, env map[string]string, direct ...string) *http.Client {
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = ProxyFunc(env, direct...)
		rt = t
	}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return ErrRedirect },
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
