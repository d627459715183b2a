// Package gcr issues credentials for Google Container Registry and Artifact
// Registry: an OAuth2 access token from Application Default Credentials,
// presented as the password of the user "oauth2accesstoken" (Google's
// documented form).
//
// Credentials are found in the order ADC defines: the file named by the
// rule's credentials_file or GOOGLE_APPLICATION_CREDENTIALS, gcloud's
// application_default_credentials.json, then the GCE metadata server.
// Files are handed to golang.org/x/oauth2/google, so service account keys,
// authorized_user (gcloud auth application-default login), external_account
// (workload identity federation) and impersonated_service_account files
// work as they do in Google's own tools. A rule's
// impersonate_service_account adds one impersonation hop on top.
//
// One access token serves every Google registry host, so the cache key has
// no host in it.
//
// Options of a user rule (provider: gcr):
//
//	credentials_file             ADC file to use instead of GOOGLE_APPLICATION_CREDENTIALS
//	impersonate_service_account  service account email to impersonate with the found identity
package gcr

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// username is the user name Google registries expect with an access token.
const username = "oauth2accesstoken"

// scope is the OAuth2 scope of the access token (the one
// go-containerregistry uses; it covers pull and push).
const scope = "https://www.googleapis.com/auth/cloud-platform"

// getTimeout bounds one Get, including a metadata probe and impersonation.
const getTimeout = 20 * time.Second

// Option names accepted in a user rule.
const (
	optCredentialsFile = "credentials_file"
	optImpersonate     = "impersonate_service_account"
)

// Host patterns, matched on the lower-cased host without port.
var (
	gcrHost = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)?gcr\.io$`) })          // gcr.io, us.gcr.io, ...
	arHost  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*-docker\.pkg\.dev$`) })       // europe-west1-docker.pkg.dev
	repHost = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^docker\.[a-z0-9]+(?:-[a-z0-9]+)*\.rep\.pkg\.dev$`) }) // docker.us-central1.rep.pkg.dev
	saEmail = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+$`)
	}) // service account email
)

// Matches reports whether k names a Google registry: gcr.io, one label
// under gcr.io, <location>-docker.pkg.dev or docker.<region>.rep.pkg.dev,
// on the default port. Look-alikes such as gcr.io.evil.example, xgcr.io or
// pkg.dev itself never match.
func Matches(k auth.Key) bool {
	if k.Opaque || (k.Port() != "" && k.Port() != "443") {
		return false
	}
	h := k.HostOnly()
	return gcrHost().MatchString(h) || arHost().MatchString(h) || repHost().MatchString(h)
}

// provider is the Google provider. Its fields are fixed at construction;
// Get loads credentials afresh each call, so it is safe for concurrent use.
type provider struct {
	env         map[string]string
	credFile    string // explicit file: the rule's, else GOOGLE_APPLICATION_CREDENTIALS
	impersonate string // service account email, or ""

	// Test seams; zero values are production.
	transport   http.RoundTripper // nil: DefaultTransport clone, proxies from env
	iamEndpoint string            // "": https://iamcredentials.googleapis.com
}

var _ providers.Provider = (*provider)(nil)

// New returns the Google provider. env is the process environment snapshot;
// opts are the options of a user rule, nil for built-in detection. An
// unknown option or an invalid value is an error. New reads no file and
// contacts nothing.
func New(env map[string]string, opts map[string]string) (providers.Provider, error) {
	p := &provider{env: env}
	for k, v := range opts {
		switch k {
		case optCredentialsFile:
			if strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("gcr option %s: empty path", k)
			}
			p.credFile = v
		case optImpersonate:
			if !saEmail().MatchString(v) {
				return nil, fmt.Errorf("gcr option %s %q: want a service account email", k, v)
			}
			p.impersonate = v
		default:
			return nil, fmt.Errorf("gcr: unknown option %q", k)
		}
	}
	if p.credFile == "" {
		p.credFile = env["GOOGLE_APPLICATION_CREDENTIALS"]
	}
	return p, nil
}

// Name returns "gcr".
func (p *provider) Name() string { return "gcr" }

// CacheKey is "gcr|<source>|<impersonated account>": the identity only,
// since one token serves every Google registry host. The source is the
// credentials file, or else "adc" with where ADC will look (gcloud's
// application_default_credentials.json under CLOUDSDK_CONFIG or HOME, and
// GCE_METADATA_HOST when set), so that two gcloud configurations never
// share a token. Only the environment is read, never a file.
func (p *provider) CacheKey(auth.Key) string {
	src := p.credFile
	if src == "" {
		src = "adc"
		if f := wellKnownFile(p.env); f != "" {
			src += ":" + f
		}
		if h := p.env["GCE_METADATA_HOST"]; h != "" {
			src += ",metadata=" + h
		}
	}
	return "gcr|" + src + "|" + p.impersonate
}

// Get returns oauth2accesstoken and an access token. It wraps
// providers.ErrNoCredentials when Application Default Credentials find
// nothing.
func (p *provider) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	ctx, cancel := providers.WithBound(ctx, getTimeout)
	defer cancel()
	client := p.httpClient()
	// x/oauth2 makes its requests with the client in the context.
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)

	src, err := p.source(ctx, client)
	if err != nil {
		return providers.Token{}, fmt.Errorf("gcr %s: %w", k.Host, err)
	}
	tok, err := src.ts.Token()
	if err != nil {
		if ctx.Err() != nil {
			return providers.Token{}, fmt.Errorf("gcr %s: getting access token from %s: %s: %w", k.Host, src.what, providers.TimeoutText(ctx), oneLine{err})
		}
		return providers.Token{}, fmt.Errorf("gcr %s: getting access token from %s: %w", k.Host, src.what, oneLine{err})
	}
	if tok.AccessToken == "" {
		return providers.Token{}, fmt.Errorf("gcr %s: %s returned an empty access token", k.Host, src.what)
	}
	return providers.Token{
		Credential: auth.Credential{Username: username, Secret: tok.AccessToken},
		Expires:    tok.Expiry,
	}, nil
}

// oneLine flattens a library error (x/oauth2 appends response bodies on new
// lines) into one short line, keeping the original for errors.Is/As.
type oneLine struct{ err error }

func (e oneLine) Error() string {
	s := strings.Join(strings.Fields(e.err.Error()), " ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

func (e oneLine) Unwrap() error { return e.err }
