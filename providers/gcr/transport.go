package gcr

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpproxy"
)

// httpClient is the client for every request of a Get. Proxies come from
// the env snapshot rather than the process (http.ProxyFromEnvironment reads
// the process once and caches it), except for the metadata server, which,
// as in Google's metadata client, is always reached directly. Redirects are
// refused: nothing here needs one, and each request carries a secret.
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
// NO_PROXY (either case) in env. Loopback and the metadata server are
// never proxied.
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
	direct := map[string]bool{metadataIP: true, "metadata.google.internal": true}
	if h := env["GCE_METADATA_HOST"]; h != "" {
		direct[h] = true
	}
	return func(r *http.Request) (*url.URL, error) {
		if direct[r.URL.Hostname()] || direct[r.URL.Host] {
			return nil, nil
		}
		return f(r.URL)
	}
}
