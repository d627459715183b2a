package regauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/regkey/regkey/auth"
)

// maxBody caps how much of any response body is read.
const maxBody = 1 << 20

// verifier runs one verification.
type verifier struct {
	client *http.Client
	opts   Options
	cred   auth.Credential
	// registry is the registry's host[:port] as named (registry-1.docker.io
	// for Docker Hub): the one host Insecure covers.
	registry string
}

// run pings host's /v2/ and completes the challenge it answers with.
func (v *verifier) run(ctx context.Context, host string) (Result, error) {
	endpoint, resp, err := v.ping(ctx, host)
	if err != nil {
		return Result{}, err
	}
	res := Result{Endpoint: endpoint}
	switch resp.StatusCode {
	case http.StatusOK:
		drain(resp)
		res.Method, res.Anonymous = MethodNone, true
		return res, nil
	case http.StatusUnauthorized:
	default:
		return Result{}, statusError(resp, v.cred.Secret)
	}
	challenges := ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	drain(resp)
	if c, ok := find(challenges, "bearer"); ok && c.Params["realm"] != "" {
		res.Method, res.Realm, res.Service = MethodBearer, c.Params["realm"], c.Params["service"]
		res.IdentityToken, err = v.bearer(ctx, endpoint, c)
		return res, err
	}
	if _, ok := find(challenges, "basic"); ok {
		res.Method = MethodBasic
		return res, v.basic(ctx, endpoint)
	}
	schemes := make([]string, 0, len(challenges))
	for _, c := range challenges {
		schemes = append(schemes, c.Scheme)
	}
	if len(schemes) == 0 {
		return Result{}, fmt.Errorf("%w: %s answered 401 without a WWW-Authenticate challenge", ErrUnsupported, endpoint)
	}
	return Result{}, fmt.Errorf("%w: %s asks for %s", ErrUnsupported, endpoint, strings.Join(schemes, ", "))
}

// ping sends an anonymous GET /v2/ over HTTPS, and over plain HTTP when that
// is allowed and HTTPS failed for a reason other than an untrusted
// certificate. It returns the endpoint that answered and its response.
func (v *verifier) ping(ctx context.Context, host string) (string, *http.Response, error) {
	schemes := []string{"https"}
	if v.opts.plainAllowed(host) {
		schemes = append(schemes, "http")
	}
	var errs []error
	for _, scheme := range schemes {
		endpoint := scheme + "://" + host + "/v2/"
		req, err := v.newRequest(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return "", nil, err
		}
		resp, err := v.do(req)
		if err == nil {
			return endpoint, resp, nil
		}
		switch {
		case errors.Is(err, ErrRedirect):
			return "", nil, err
		case isCertError(err):
			return "", nil, fmt.Errorf("%w: %w", ErrCertificate, err)
		case errors.Is(err, http.ErrSchemeMismatch) && !v.opts.plainAllowed(host):
			return "", nil, fmt.Errorf("%w: %w", ErrPlainHTTP, err)
		case ctx.Err() != nil:
			return "", nil, err
		}
		if errors.Is(err, http.ErrSchemeMismatch) {
			// The server speaks plain HTTP: the http attempt's outcome is
			// the one that matters.
			continue
		}
		errs = append(errs, err)
	}
	if len(errs) == 1 {
		return "", nil, errs[0]
	}
	return "", nil, attempts(errs)
}

// attempts are the failures of each scheme tried, on one line.
type attempts []error

func (a attempts) Error() string {
	msgs := make([]string, len(a))
	for i, e := range a {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (a attempts) Unwrap() []error { return a }

// basic retries /v2/ with HTTP Basic authentication.
func (v *verifier) basic(ctx context.Context, endpoint string) error {
	if v.cred.IsIdentityToken() {
		return fmt.Errorf("%w: the registry uses Basic authentication, which cannot use an identity token", ErrUnsupported)
	}
	req, err := v.newRequest(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(v.cred.Username, v.cred.Secret)
	return v.expectOK(req)
}

// bearer gets a token from the challenge's realm and retries /v2/ with it.
// It returns the refresh token the server issued, if any.
func (v *verifier) bearer(ctx context.Context, endpoint string, c Challenge) (string, error) {
	tok, err := v.token(ctx, c.Params["realm"], c.Params["service"])
	if err != nil {
		return "", err
	}
	req, err := v.newRequest(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok.access)
	if err := v.expectOK(req); err != nil {
		return "", err
	}
	return tok.refresh, nil
}

// expectOK sends req and wants 200; 401 and 403 mean the credentials were
// rejected.
func (v *verifier) expectOK(req *http.Request) error {
	resp, err := v.do(req)
	if err != nil {
		return err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusUnauthorized, http.StatusForbidden:
		return rejected(statusError(resp, v.cred.Secret))
	default:
		return statusError(resp, v.cred.Secret)
	}
}

// newRequest builds a request with regkey's User-Agent.
func (v *verifier) newRequest(ctx context.Context, method, url string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", redact(url), err)
	}
	req.Header.Set("User-Agent", v.opts.userAgent())
	return req, nil
}

// do sends req and logs method, URL without query and the outcome. An
// error names the URL without its query, and never holds the secret (a
// server may echo it into a redirect's Location).
func (v *verifier) do(req *http.Request) (*http.Response, error) {
	u := redact(req.URL.String())
	resp, err := v.client.Do(req)
	if err != nil {
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redact(ue.URL)
			cause = ue.Err
		}
		err, cause = v.mask(err), v.mask(cause)
		v.opts.logf("%s %s: %v", req.Method, u, cause)
		return nil, err
	}
	v.opts.logf("%s %s: %s", req.Method, u, resp.Status)
	return resp, nil
}

// mask hides the secret in err's text, keeping err to match with errors.Is.
func (v *verifier) mask(err error) error {
	if s := v.cred.Secret; s != "" && strings.Contains(err.Error(), s) {
		return masked{err: err, msg: strings.ReplaceAll(err.Error(), s, "***")}
	}
	return err
}

// masked is an error whose text had a secret taken out.
type masked struct {
	err error
	msg string
}

func (m masked) Error() string { return m.msg }
func (m masked) Unwrap() error { return m.err }

// drain discards the rest of a body (capped) and closes it, so that the
// connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
}
