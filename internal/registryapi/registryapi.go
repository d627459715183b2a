// Package registryapi makes registry API calls (distribution's HTTP API
// v2, the OCI distribution spec) with the credentials regkey serves, as
// `regkey api` does: it sends a request, and on a 401 completes the
// challenge the way docker does (Basic, or a Bearer token for the
// challenge's scope plus the one the request implies), then retries.
//
// Credentials go only to the registry named by the request: redirects are
// followed, but a hop to another host, or from HTTPS down to HTTP, carries
// no Authorization (nor a cookie or authorization header the caller set),
// and token requests are never redirected. Plain HTTP is used only for
// loopback hosts, or for the registry itself with Options.Insecure.
//
// References: distribution's docs/content/spec/api.md and auth/token.md,
// the OCI distribution spec, and REFERENCE.md §6 and §6a in this project.
package registryapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/regauth"
)

// DefaultTimeout bounds connecting, the TLS handshake, waiting for a
// response's headers, each gap in a response body and each token request.
const DefaultTimeout = 30 * time.Second

// MaxRedirects is how many redirects one request follows.
const MaxRedirects = 10

// Options configure a Client. The zero value makes anonymous requests over
// HTTPS (plain HTTP for loopback hosts) with the system roots.
type Options struct {
	// Credential returns the registry's credential, asked for at most once
	// and only when the registry challenges. Nil, an empty credential or an
	// error matching auth.ErrNotFound means anonymous; other errors fail the
	// request.
	Credential func(ctx context.Context) (auth.Credential, error)
	// Insecure allows plain HTTP to the registry and turns off certificate
	// verification for it, like docker's --insecure-registry. It never
	// applies to any other host (token servers, storage).
	Insecure bool
	// TryHTTP retries a request over plain HTTP when the registry answers
	// HTTPS with plain HTTP and plain HTTP is allowed for it (docker's
	// fallback for insecure registries), and keeps using HTTP after that.
	TryHTTP bool
	// CertDirs are docker's certs.d directories (see regauth.Options).
	CertDirs []string
	// Proxy chooses an HTTP proxy per request; nil means none.
	Proxy func(*http.Request) (*url.URL, error)
	// UserAgent is sent with every request; empty means "regkey".
	UserAgent string
	// Timeout replaces DefaultTimeout.
	Timeout time.Duration
	// Trace, if set, receives every request and response line and header,
	// secrets redacted (see tracer).
	Trace io.Writer
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// Request is one API call.
type Request struct {
	// Method is the HTTP method ("GET", "HEAD", "PUT", "DELETE", ...).
	Method string
	// URL is absolute and names the client's registry.
	URL *url.URL
	// Header holds the caller's headers.
	Header http.Header
	// Body, if not nil, is sent from its start on every attempt (a retry
	// after a challenge, a 307 or 308 redirect).
	Body io.ReadSeeker
}

// Client makes API calls to one registry. It remembers the registry's
// challenge and the tokens it got, so that later calls (the pages of a
// listing) reuse them. It is not safe for concurrent use.
type Client struct {
	endpoint string
	opts     Options
	hc       *http.Client
	hosts    *hostTransports
	trace    *tracer

	credAsked bool
	cred      auth.Credential
	challenge *regauth.Challenge // the registry's last challenge
	tokens    map[string]string  // realm, service and scopes → token
	useHTTP   bool
}

// New returns a client for the registry at endpoint (host[:port], as
// Target.Endpoint).
func New(endpoint string, opts Options) *Client {
	c := &Client{endpoint: endpoint, opts: opts, tokens: map[string]string{}}
	c.hosts = &hostTransports{endpoint: endpoint, opts: opts}
	var rt http.RoundTripper = c.hosts
	if opts.Trace != nil {
		c.trace = &tracer{next: rt, w: opts.Trace}
		c.trace.trust(endpoint)
		rt = c.trace
	}
	// Redirects are followed by send, hop by hop, so that it decides what
	// each hop carries; token requests are never redirected.
	c.hc = &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return c
}

// Close releases idle connections.
func (c *Client) Close() { c.hosts.close() }

// CredentialFound reports whether the client has asked for the registry's
// credential (it does on the registry's first challenge) and whether it
// found one.
func (c *Client) CredentialFound() (asked, found bool) { return c.credAsked, !c.cred.Empty() }

// Do sends req and returns the response, the caller to close its body. A
// 401 from the registry is answered once: with Basic auth, or with a token
// for the challenge's scope plus the request's (Scopes); a second 401 (or a
// 401 without a usable challenge) is returned as it is. A token server that
// rejects the credential gives an error matching
// regauth.ErrInvalidCredentials. Redirects are followed (see the package
// comment); the response's Request is the last hop.
func (c *Client) Do(ctx context.Context, req Request) (*http.Response, error) {
	authz, err := c.preauthorize(ctx, req)
	if err != nil {
		return nil, err
	}
	resp, fromRegistry, err := c.sendOrFallBack(ctx, req, authz)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusUnauthorized || !fromRegistry {
		return resp, nil
	}
	challenges := regauth.ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	next, err := c.authorize(ctx, req, challenges)
	if err != nil {
		drain(resp)
		return nil, err
	}
	if next == "" || next == authz {
		return resp, nil // nothing new to try: the 401 is the answer
	}
	drain(resp)
	resp, _, err = c.send(ctx, req, next)
	return resp, err
}

// sendOrFallBack is send, retried over plain HTTP when TryHTTP allows it.
func (c *Client) sendOrFallBack(ctx context.Context, req Request, authz string) (*http.Response, bool, error) {
	resp, fromRegistry, err := c.send(ctx, req, authz)
	if err == nil || !c.opts.TryHTTP || c.useHTTP || !errors.Is(err, http.ErrSchemeMismatch) ||
		req.URL.Host != c.endpoint || !c.plainAllowed(c.endpoint) {
		return resp, fromRegistry, err
	}
	c.useHTTP = true
	return c.send(ctx, req, authz)
}

// plainAllowed reports whether plain HTTP may be used for host: loopback
// hosts, and the registry itself with Insecure.
func (c *Client) plainAllowed(host string) bool {
	return regauth.IsLoopback(host) || (c.opts.Insecure && host == c.endpoint)
}

// credential returns the registry's credential, asking for it once.
func (c *Client) credential(ctx context.Context) (auth.Credential, error) {
	if c.credAsked || c.opts.Credential == nil {
		return c.cred, nil
	}
	cred, err := c.opts.Credential(ctx)
	switch {
	case errors.Is(err, auth.ErrNotFound):
		cred = auth.Credential{}
	case err != nil:
		return auth.Credential{}, fmt.Errorf("getting credentials for %s: %w", c.endpoint, err)
	}
	c.credAsked, c.cred = true, cred
	return cred, nil
}

// preauthorize returns the Authorization for req from the challenge the
// registry gave earlier, so that the pages of a listing cost no extra 401;
// "" before any challenge.
func (c *Client) preauthorize(ctx context.Context, req Request) (string, error) {
	if c.challenge == nil || req.URL.Host != c.endpoint {
		return "", nil
	}
	// The scope of the earlier challenge was that request's; this one's
	// comes from its own path.
	ch := regauth.Challenge{Scheme: c.challenge.Scheme, Params: map[string]string{}}
	for k, v := range c.challenge.Params {
		if k != "scope" && k != "error" {
			ch.Params[k] = v
		}
	}
	return c.authorize(ctx, req, []regauth.Challenge{ch})
}

// authorize answers the registry's challenges for req: a Bearer challenge
// with a realm gets a token (cached by realm, service and scopes), a Basic
// one the credential. It returns "" when there is nothing to answer with.
func (c *Client) authorize(ctx context.Context, req Request, challenges []regauth.Challenge) (string, error) {
	for _, ch := range challenges {
		if ch.Scheme == "bearer" && ch.Params["realm"] != "" {
			c.challenge = &ch
			return c.bearer(ctx, req, ch)
		}
	}
	for _, ch := range challenges {
		if ch.Scheme == "basic" {
			c.challenge = &ch
			cred, err := c.credential(ctx)
			if err != nil || cred.Empty() || cred.IsIdentityToken() {
				// An identity token is only good for a token server.
				return "", err
			}
			r := &http.Request{Header: http.Header{}}
			r.SetBasicAuth(cred.Username, cred.Secret)
			return r.Header.Get("Authorization"), nil
		}
	}
	return "", nil
}

// bearer gets (or reuses) a token from ch's realm for ch's scope plus the
// scopes req implies.
func (c *Client) bearer(ctx context.Context, req Request, ch regauth.Challenge) (string, error) {
	realm := ch.Params["realm"]
	u, err := url.Parse(realm)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: bearer realm %q is not an http(s) URL", regauth.ErrUnsupported, regauth.RedactURL(realm))
	}
	if u.Scheme == "http" && !c.plainAllowed(u.Host) {
		return "", fmt.Errorf("%w: refusing to ask the plain-HTTP token server %s (only loopback hosts and, with --insecure, the registry itself may use plain HTTP)",
			regauth.ErrPlainHTTP, regauth.RedactURL(realm))
	}
	scopes := MergeScopes(strings.Fields(ch.Params["scope"]), Scopes(req.Method, req.URL.Path))
	key := realm + "\n" + ch.Params["service"] + "\n" + strings.Join(scopes, " ")
	if tok, ok := c.tokens[key]; ok {
		return "Bearer " + tok, nil
	}
	cred, err := c.credential(ctx)
	if err != nil {
		return "", err
	}
	if c.trace != nil {
		c.trace.trust(u.Host)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.timeout())
	defer cancel()
	tok, err := regauth.Token(ctx, c.hc, regauth.TokenRequest{
		Realm: realm, Service: ch.Params["service"], Scopes: scopes, Credential: cred,
	}, regauth.Options{UserAgent: c.opts.UserAgent})
	if err != nil {
		return "", fmt.Errorf("getting a token for %s: %w", strings.Join(scopes, " "), c.timeoutError(err))
	}
	c.tokens[key] = tok
	return "Bearer " + tok, nil
}

// timeoutError names the bound when err is a timeout.
func (c *Client) timeoutError(err error) error {
	if isTimeout(err) {
		return fmt.Errorf("no answer within %s: %w", c.opts.timeout(), err)
	}
	return err
}

// drain discards the rest of a body (capped) and closes it, so that the
// connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}
