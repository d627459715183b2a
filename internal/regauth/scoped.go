package regauth

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/regkey/regkey/auth"
)

// This file holds what registry API calls (regkey api) share with login
// verification: scoped tokens, the certs.d TLS configuration and URL
// redaction. Policy (which hosts may get credentials, plain HTTP, redirects)
// stays with the caller, through the *http.Client it passes in.

// TokenRequest asks a token server for a token to make registry calls, as
// docker does before a pull or a push (distribution's token spec).
type TokenRequest struct {
	// Realm and Service come from the registry's Bearer challenge.
	Realm, Service string
	// Scopes are the scopes wanted ("repository:app:pull,push",
	// "registry:catalog:*").
	Scopes []string
	// Credential is presented to the token server; an empty one asks for an
	// anonymous token. An identity token (auth.TokenUsername) uses the OAuth2
	// refresh_token grant.
	Credential auth.Credential
}

// Token gets an access token for req from its realm over client: with an
// identity token by the OAuth2 refresh_token POST, with a password by the
// GET form with Basic auth, with no credential by an anonymous GET. Unlike
// a login it asks for no refresh token. opts supply the OAuth2 client_id,
// the User-Agent and the log; Options' other fields do not apply (client
// carries TLS, proxy, timeouts and the redirect policy).
//
// Errors match ErrInvalidCredentials when the token server rejected the
// credential and never contain its secret.
func Token(ctx context.Context, client *http.Client, req TokenRequest, opts Options) (string, error) {
	u, err := url.Parse(req.Realm)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%w: bearer realm %q is not an http(s) URL", ErrUnsupported, redact(req.Realm))
	}
	v := &verifier{client: client, opts: opts, cred: req.Credential}
	var t tokens
	if req.Credential.IsIdentityToken() {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {req.Credential.Secret}}
		if len(req.Scopes) > 0 {
			form.Set("scope", strings.Join(req.Scopes, " "))
		}
		t, err = v.postToken(ctx, u, form, req.Service)
	} else {
		t, err = v.scopedGet(ctx, u, req)
	}
	return t.access, err
}

// scopedGet is the token specification's GET form for registry calls:
// service and one scope parameter per scope, with Basic auth and account
// when there is a credential.
func (v *verifier) scopedGet(ctx context.Context, realm *url.URL, req TokenRequest) (tokens, error) {
	u := *realm
	q := u.Query()
	if req.Service != "" {
		q.Set("service", req.Service)
	}
	for _, s := range req.Scopes {
		q.Add("scope", s)
	}
	anonymous := req.Credential.Empty()
	if !anonymous {
		q.Set("account", req.Credential.Username)
	}
	u.RawQuery = q.Encode()
	r, err := v.newRequest(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return tokens{}, err
	}
	if !anonymous {
		r.SetBasicAuth(req.Credential.Username, req.Credential.Secret)
	}
	return v.sendToken(r)
}

// TLSConfig is the TLS configuration docker uses for host: the system roots
// (SSL_CERT_FILE included) plus the CAs and client certificates of
// DIR/<host>/ for each of certDirs (docker's certs.d). insecure turns
// certificate verification off.
func TLSConfig(host string, certDirs []string, insecure bool) (*tls.Config, error) {
	return tlsConfig(host, certDirs, insecure)
}

// RedactURL drops the query, fragment and user info of a URL string, for
// messages: presigned storage URLs carry their signature in the query.
func RedactURL(raw string) string { return redact(raw) }

// IsCertError reports whether err is a failure to verify a server's
// certificate.
func IsCertError(err error) bool { return isCertError(err) }
