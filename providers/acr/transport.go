package acr

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpproxy"
)

// httpClient is the client for both Entra (through azcore) and the
// exchange. It keeps proxy support, taken from the env snapshot rather than
// the process (http.ProxyFromEnvironment reads the process once and caches
// it), and never follows redirects: a redirected exchange would send the
// Entra token to a host the user did not name.
func (p *provider) httpClient() *http.Client {
	rt := p.transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = proxyFunc(p.env)
		rt = t
	}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("redirect refused")
		},
	}
}

// proxyFunc returns the proxy selection of HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY (either case) in env. Loopback targets are never proxied.
func proxyFunc(env map[string]string) func(*http.Request) (*url.URL, error) {
	get := func(k string) string {
		if v := env[k]; v != "" {
			return v
		}
		return env[strings.ToLower(k)]
	}
	f := (&httpproxy.Config{
		HTTPProxy:  get("HTTP_PROXY"),
		HTTPSProxy: get("HTTPS_PROXY"),
		NoProxy:    get("NO_PROXY"),
	}).ProxyFunc()
	return func(r *http.Request) (*url.URL, error) { return f(r.URL) }
}
