package registryapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/regkey/regkey/internal/regauth"
)

// credentialHeaders are the request headers that carry credentials. They go
// only to the registry: a hop to another host drops them, the caller's own
// included (-H 'Authorization: ...').
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// send sends req with authz (an Authorization value, or "") and follows
// redirects itself, hop by hop. Credentials go with a hop only while every
// hop so far stayed on the registry and never went from HTTPS down to
// HTTP; once lost they stay lost, even if a later hop comes back.
// fromRegistry reports whether the response came from such a hop, so that
// only the registry's own 401 starts a handshake.
func (c *Client) send(ctx context.Context, req Request, authz string) (resp *http.Response, fromRegistry bool, err error) {
	u := *req.URL
	if c.useHTTP && u.Host == c.endpoint && u.Scheme == "https" {
		u.Scheme = "http"
	}
	method, body := req.Method, req.Body
	trusted := u.Host == c.endpoint
	for hop := 0; ; hop++ {
		if u.Scheme != "https" && u.Scheme != "http" {
			return nil, false, fmt.Errorf("%s %s: unsupported scheme %q", method, regauth.RedactURL(u.String()), u.Scheme)
		}
		if u.Scheme == "http" && !c.plainAllowed(u.Host) {
			return nil, false, fmt.Errorf("%w: refusing plain HTTP to %s (allowed for loopback hosts, and for the registry itself with --insecure)",
				regauth.ErrPlainHTTP, regauth.RedactURL(u.String()))
		}
		resp, err := c.hop(ctx, method, &u, req.Header, body, trusted, authz)
		if err != nil {
			return nil, false, err
		}
		loc := resp.Header.Get("Location")
		if !isRedirect(resp.StatusCode) || loc == "" {
			return resp, trusted, nil
		}
		drain(resp)
		if hop >= MaxRedirects {
			return nil, false, fmt.Errorf("%s %s: stopped after %d redirects", req.Method, regauth.RedactURL(req.URL.String()), MaxRedirects)
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, false, fmt.Errorf("%s %s: redirect to a malformed location: %w", method, regauth.RedactURL(u.String()), err)
		}
		if next.Host != c.endpoint || (u.Scheme == "https" && next.Scheme == "http") {
			trusted = false
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
			// As browsers and Go's client do: the method becomes GET
			// (HEAD stays HEAD) and the body is dropped.
			if method != http.MethodGet && method != http.MethodHead {
				method, body = http.MethodGet, nil
			}
		}
		u = *next
	}
}

// hop sends one request. On an untrusted hop the caller's credential
// headers are dropped and authz is not sent.
func (c *Client) hop(ctx context.Context, method string, u *url.URL, header http.Header, body io.ReadSeeker, trusted bool, authz string) (*http.Response, error) {
	ctx, cancel := context.WithCancel(ctx)
	r, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("building request for %s: %w", regauth.RedactURL(u.String()), err)
	}
	r.Header = header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	ua := c.opts.UserAgent
	if ua == "" {
		ua = "regkey"
	}
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", ua)
	}
	if !trusted {
		for _, h := range credentialHeaders {
			r.Header.Del(h)
		}
	} else if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	if body != nil {
		size, err := rewind(body)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("rewinding the request body: %w", err)
		}
		r.Body, r.ContentLength = io.NopCloser(body), size
		if size == 0 {
			r.Body = http.NoBody
		}
	}
	resp, err := c.hc.Do(r)
	if err != nil {
		cancel()
		return nil, c.requestError(method, u, err)
	}
	resp.Body = newIdleBody(resp.Body, c.opts.timeout(), cancel)
	return resp, nil
}

// rewind seeks body to its start and returns its size.
func rewind(body io.ReadSeeker) (int64, error) {
	end, err := body.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	_, err = body.Seek(0, io.SeekStart)
	return end, err
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// requestError is err from sending method to u, with u redacted: net/http
// quotes the whole URL, and a presigned storage URL's query is a secret.
func (c *Client) requestError(method string, u *url.URL, err error) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	where := method + " " + regauth.RedactURL(u.String())
	switch {
	case regauth.IsCertError(err):
		return fmt.Errorf("%s: %w: %w", where, regauth.ErrCertificate, cause)
	case isTimeout(err):
		return fmt.Errorf("%s: no answer within %s: %w", where, c.opts.timeout(), cause)
	}
	return fmt.Errorf("%s: %w", where, cause)
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
