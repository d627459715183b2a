// Package regauth verifies registry credentials the way `docker login` does,
// without storing anything: it pings GET /v2/, reads the WWW-Authenticate
// challenge and completes the Basic or Bearer (token server) handshake.
//
// It follows the distribution registry auth specification and docker's
// client-side login:
//   - https://distribution.github.io/distribution/spec/auth/token/ (GET form)
//   - https://distribution.github.io/distribution/spec/auth/oauth/ (POST form)
//
// Secrets never reach a log line or an error: requests are logged as method,
// URL without query and status only, and server messages are masked for the
// secret before they are quoted.
package regauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/regkey/regkey/auth"
)

// DefaultTimeout bounds each HTTP request, as docker's 15 s login client
// timeout does.
const DefaultTimeout = 15 * time.Second

// DefaultClientID is the OAuth2 client_id sent to token servers.
const DefaultClientID = "regkey"

// hubRegistry is Docker Hub's v2 API host; docker logs in to Hub there.
const hubRegistry = "registry-1.docker.io"

// Options tune a verification. The zero value verifies over HTTPS (plain
// HTTP for loopback hosts only) with the system roots and docker's 15 s
// timeout.
type Options struct {
	// Insecure allows plain HTTP to the registry and turns off TLS
	// certificate verification for it, like docker's --insecure-registry:
	// for the registry's own host and port only, never for its token server
	// or any other host. Without it, plain HTTP is allowed only for loopback
	// hosts (localhost, 127.0.0.0/8, ::1), and certificates are always
	// verified, loopback included.
	Insecure bool
	// CertDirs are docker's per-registry certificate directories, such as
	// /etc/docker/certs.d and ~/.docker/certs.d. For each, the files in
	// DIR/<host[:port]>/ are used: *.crt as extra CAs, *.cert with the
	// matching *.key as client certificates.
	CertDirs []string
	// Timeout bounds each HTTP request; zero means DefaultTimeout. A
	// verification makes at most five requests; ctx bounds the whole.
	Timeout time.Duration
	// ClientID is the OAuth2 client_id; empty means DefaultClientID.
	ClientID string
	// UserAgent is sent with every request; empty means "regkey".
	UserAgent string
	// PasswordGrant asks a Bearer token server with the OAuth2 password
	// grant (POST) first, falling back to the GET form when the server
	// answers 404, as the specification says. Docker uses the GET form
	// unless configured otherwise, and so does the zero value.
	PasswordGrant bool
	// Proxy chooses an HTTP proxy per request; nil means no proxy. The
	// caller builds it from its environment snapshot.
	Proxy func(*http.Request) (*url.URL, error)
	// Log, if set, receives one line per request: method, URL without
	// query string, and status. Never headers, bodies or tokens.
	Log func(format string, args ...any)

	// dial replaces the dialer in tests, to reach a fake under a
	// non-loopback name.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) clientID() string {
	if o.ClientID != "" {
		return o.ClientID
	}
	return DefaultClientID
}

func (o Options) userAgent() string {
	if o.UserAgent != "" {
		return o.UserAgent
	}
	return "regkey"
}

// plainAllowed reports whether plain HTTP may be used for the registry
// host[:port].
func (o Options) plainAllowed(host string) bool { return o.Insecure || IsLoopback(host) }

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		o.Log(format, args...)
	}
}

// Method is how a registry checked the credentials.
type Method string

// Methods a Result can report.
const (
	// MethodNone: /v2/ answered 200 without credentials, so nothing was
	// checked.
	MethodNone Method = "none"
	// MethodBasic: /v2/ accepted HTTP Basic authentication.
	MethodBasic Method = "basic"
	// MethodBearer: the token server issued a token that /v2/ accepted.
	MethodBearer Method = "bearer"
)

// AnonymousNote is what to tell a person when Result.Anonymous is set.
const AnonymousNote = "registry allows anonymous access; credentials not verified"

// Result describes a verification that did not fail.
type Result struct {
	// Host is the registry host as auth.ParseKey normalised it
	// ("127.0.0.1:5000", "docker.io").
	Host string
	// Endpoint is the /v2/ URL that answered ("https://ghcr.io/v2/").
	Endpoint string
	// Method is how the credentials were checked.
	Method Method
	// Anonymous is set when /v2/ needs no credentials: the login cannot be
	// verified, which is not the same as success (see AnonymousNote).
	Anonymous bool
	// Realm and Service are the Bearer challenge's token server and
	// service, when the registry uses one.
	Realm, Service string
	// IdentityToken is the OAuth2 refresh token the token server returned
	// for offline_token=true, if any. It is a secret: store it as the
	// secret of auth.TokenUsername, never print it.
	IdentityToken string
}

// Verified reports whether the registry actually checked the credentials.
func (r Result) Verified() bool { return !r.Anonymous && r.Method != MethodNone && r.Method != "" }

// String describes r without the identity token.
func (r Result) String() string {
	if r.Anonymous {
		return fmt.Sprintf("%s: %s", r.Endpoint, AnonymousNote)
	}
	return fmt.Sprintf("%s: %s authentication succeeded", r.Endpoint, r.Method)
}

// GoString keeps the identity token out of %#v.
func (r Result) GoString() string { return "regauth.Result{" + r.String() + "}" }

// Verify checks cred against the registry named by host, which may be
// spelled any way a login argument can be ("ghcr.io",
// "https://Registry.Example.com:5000/v2/", "docker.io"). A credential whose
// Username is auth.TokenUsername is an identity token and is exchanged with
// the OAuth2 refresh_token grant.
//
// Credentials go to the registry and to the token server its challenge
// names, and nowhere else: a redirect to another origin is refused
// (SameOriginRedirects), a token server on plain HTTP must be on a loopback
// host or, with Insecure, be the registry itself, and Insecure turns off
// certificate verification for the registry only.
//
// Errors match ErrInvalidCredentials when the registry or its token server
// rejected the credentials; ErrPlainHTTP, ErrCertificate, ErrUnsupported,
// ErrRedirect or ErrPlainHTTPTokenServer as documented on them; and are
// otherwise network or protocol failures. No error contains the secret.
func Verify(ctx context.Context, host string, cred auth.Credential, opts Options) (Result, error) {
	key, err := auth.ParseKey(host)
	if err != nil {
		return Result{}, err
	}
	if key.Opaque {
		return Result{}, fmt.Errorf("%q is not a registry host", host)
	}
	if cred.Username == "" || cred.Secret == "" {
		return Result{}, errors.New("verifying credentials: username and password must not be empty")
	}
	endpoint := key.Host
	if key.IsHub() {
		endpoint = hubRegistry
	}
	client, err := newClient(endpoint, opts)
	if err != nil {
		return Result{}, err
	}
	defer client.CloseIdleConnections()
	v := &verifier{client: client, opts: opts, cred: cred, registry: endpoint}
	res, err := v.run(ctx, endpoint)
	res.Host = key.Host
	if err != nil {
		return Result{}, fmt.Errorf("verifying login to %s: %w", key.Host, err)
	}
	return res, nil
}
