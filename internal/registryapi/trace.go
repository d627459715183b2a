package registryapi

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// tracer is an http.RoundTripper that writes every request and response
// line and header to w, as `curl -v` does, with what could be a secret
// taken out: the value of Authorization, Proxy-Authorization, Cookie and
// Set-Cookie headers, the query of URLs on hosts other than the registry
// and its token servers (presigned storage URLs carry their signature
// there) and every body (token requests and answers are bodies).
type tracer struct {
	next http.RoundTripper
	w    io.Writer

	mu      sync.Mutex
	trusted map[string]bool // hosts whose URLs are shown whole
}

var _ http.RoundTripper = (*tracer)(nil)

// trust shows URLs on host with their query.
func (t *tracer) trust(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.trusted == nil {
		t.trusted = map[string]bool{}
	}
	t.trusted[host] = true
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, t.url(req.URL))
	t.headers(&b, ">", req.Header)
	if req.Body != nil && req.Body != http.NoBody {
		if req.ContentLength >= 0 {
			fmt.Fprintf(&b, "> [%d-byte body not shown]\n", req.ContentLength)
		} else {
			b.WriteString("> [body not shown]\n")
		}
	}
	b.WriteString(">\n")
	_, _ = io.WriteString(t.w, b.String())

	resp, err := t.next.RoundTrip(req)
	b.Reset()
	if err != nil {
		fmt.Fprintf(&b, "* %s %s: %v\n", req.Method, t.url(req.URL), err)
		_, _ = io.WriteString(t.w, b.String())
		return nil, err
	}
	fmt.Fprintf(&b, "< %s %s\n", resp.Proto, resp.Status)
	t.headers(&b, "<", resp.Header)
	b.WriteString("<\n")
	_, _ = io.WriteString(t.w, b.String())
	return resp, nil
}

// url renders u for the trace: whole on a trusted host, else without its
// query, user info and fragment.
func (t *tracer) url(u *url.URL) string {
	t.mu.Lock()
	trusted := t.trusted[u.Host]
	t.mu.Unlock()
	if trusted && u.User == nil {
		return u.String()
	}
	c := *u
	c.User, c.Fragment, c.RawFragment = nil, "", ""
	if c.RawQuery != "" {
		c.RawQuery = ""
		return c.String() + "?[redacted]"
	}
	return c.String()
}

// headers writes h sorted by name, one line per value, with secrets
// redacted.
func (t *tracer) headers(b *strings.Builder, prefix string, h http.Header) {
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			fmt.Fprintf(b, "%s %s: %s\n", prefix, name, t.headerValue(name, v))
		}
	}
}

func (t *tracer) headerValue(name, v string) string {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " [redacted]"
		}
		return "[redacted]"
	case "Cookie", "Set-Cookie":
		return "[redacted]"
	case "Location", "Content-Location":
		if u, err := url.Parse(v); err == nil && u.IsAbs() {
			return t.url(u)
		}
	}
	return v
}
