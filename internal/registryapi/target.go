package registryapi

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/regkey/regkey/auth"
)

// hubEndpoint is Docker Hub's v2 API host: docker.io and its aliases are
// served there.
const hubEndpoint = "registry-1.docker.io"

// Target is a request target as a person types it: HOST/PATH, or
// https://HOST/PATH (http:// too, where plain HTTP is allowed).
type Target struct {
	// Host is the registry as auth.ParseKey names it ("127.0.0.1:5000",
	// "docker.io"): the key its credentials are looked up by.
	Host string
	// Endpoint is the host[:port] requests go to: Host, except
	// registry-1.docker.io for Docker Hub.
	Endpoint string
	// URL is the request URL. Its scheme is https unless the target gave
	// one; a bare HOST means /v2/.
	URL *url.URL
	// SchemeGiven is set when the target spelled its scheme; otherwise a
	// registry that answers HTTPS with plain HTTP may be retried over HTTP
	// (Options.TryHTTP).
	SchemeGiven bool
}

// ParseTarget parses a TARGET argument. It refuses user info, schemes other
// than http and https, and hosts auth.ParseKey refuses.
func ParseTarget(s string) (Target, error) {
	var t Target
	raw := strings.TrimSpace(s)
	if raw == "" {
		return t, fmt.Errorf("empty target: want HOST/PATH or https://HOST/PATH")
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		t.SchemeGiven = true
	} else {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return t, fmt.Errorf("target %q: %w", s, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return t, fmt.Errorf("target %q: scheme %q: want https or http", s, u.Scheme)
	case u.User != nil:
		return t, fmt.Errorf("target %q: user info in a target is not allowed (regkey supplies the credentials)", s)
	case u.Host == "":
		return t, fmt.Errorf("target %q: no registry host", s)
	}
	k, err := auth.ParseKey(u.Host)
	if p := u.Port(); err == nil && p != "" {
		if n, perr := strconv.Atoi(p); perr != nil || n < 1 || n > 65535 {
			err = fmt.Errorf("port %s out of range", p)
		}
	}
	if err != nil || k.Opaque {
		return t, fmt.Errorf("target %q: %q is not a registry host", s, u.Host)
	}
	t.Host, t.Endpoint = k.Host, k.Host
	if k.IsHub() {
		t.Endpoint = hubEndpoint
	}
	u.Host, u.Fragment, u.RawFragment = t.Endpoint, "", ""
	if u.Path == "" || u.Path == "/" {
		u.Path, u.RawPath = "/v2/", ""
	}
	t.URL = u
	return t, nil
}
