package regauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// tokens is what a token server issued.
type tokens struct {
	access  string
	refresh string
}

// token asks the realm for a token for service, with no scope (login only
// proves the credentials). An identity token uses the OAuth2 refresh_token
// grant; a password uses the GET form with Basic auth and
// offline_token=true, or the password grant first with PasswordGrant.
func (v *verifier) token(ctx context.Context, realm, service string) (tokens, error) {
	u, err := url.Parse(realm)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return tokens{}, fmt.Errorf("%w: bearer realm %q is not an http(s) URL", ErrUnsupported, redact(realm))
	}
	if u.Scheme == "http" && !v.plainTokenServer(u) {
		return tokens{}, fmt.Errorf("%w %s: a token server may use plain HTTP only when it and the registry are both on loopback hosts, or with --insecure when it is the registry %s itself",
			ErrPlainHTTPTokenServer, redact(realm), v.registry)
	}
	if v.cred.IsIdentityToken() {
		return v.postToken(ctx, u, url.Values{
			"grant_type":    {"refresh_token"},
			"refresh_token": {v.cred.Secret},
		}, service)
	}
	if v.opts.PasswordGrant {
		t, err := v.postToken(ctx, u, url.Values{
			"grant_type":  {"password"},
			"username":    {v.cred.Username},
			"password":    {v.cred.Secret},
			"access_type": {"offline"},
		}, service)
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
			return t, err
		}
		v.opts.logf("token server has no OAuth2 POST endpoint; using the GET form")
	}
	return v.getToken(ctx, u, service)
}

// plainTokenServer reports whether the token server at u may be sent
// credentials over plain HTTP: when it and the registry are both on
// loopback hosts (nothing leaves the machine; a remote registry may not
// send the password to whatever listens on this one), or when it is the
// registry's own host and port and Insecure allows plain HTTP there.
// Insecure covers the registry named, never a token server elsewhere,
// where the password would cross the network in clear.
func (v *verifier) plainTokenServer(u *url.URL) bool {
	return (IsLoopback(u.Host) && IsLoopback(v.registry)) || (v.opts.Insecure && v.registry != "" && onHost(u, v.registry))
}

// getToken is the token specification's GET form with Basic auth.
func (v *verifier) getToken(ctx context.Context, realm *url.URL, service string) (tokens, error) {
	u := *realm
	q := u.Query()
	q.Set("account", v.cred.Username)
	q.Set("client_id", v.opts.clientID())
	q.Set("offline_token", "true")
	if service != "" {
		q.Set("service", service)
	}
	u.RawQuery = q.Encode()
	req, err := v.newRequest(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return tokens{}, err
	}
	req.SetBasicAuth(v.cred.Username, v.cred.Secret)
	return v.sendToken(req)
}

// postToken is the OAuth2 form: form values plus service and client_id.
func (v *verifier) postToken(ctx context.Context, realm *url.URL, form url.Values, service string) (tokens, error) {
	if service != "" {
		form.Set("service", service)
	}
	form.Set("client_id", v.opts.clientID())
	req, err := v.newRequest(ctx, http.MethodPost, realm.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return tokens{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.sendToken(req)
}

// sendToken sends a token request and decodes the answer. 401 and 403, and
// OAuth2's 400 invalid_grant, mean the credentials were rejected.
func (v *verifier) sendToken(req *http.Request) (tokens, error) {
	resp, err := v.do(req)
	if err != nil {
		return tokens{}, fmt.Errorf("requesting a token: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		se := statusError(resp, v.cred.Secret)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden ||
			(resp.StatusCode == http.StatusBadRequest && strings.HasPrefix(se.Message, "invalid_grant")) {
			return tokens{}, rejected(se)
		}
		return tokens{}, se
	}
	var body struct {
		Token        string `json:"token"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&body); err != nil {
		return tokens{}, fmt.Errorf("decoding token response from %s: %w", redact(req.URL.String()), err)
	}
	t := tokens{access: body.AccessToken, refresh: body.RefreshToken}
	if t.access == "" {
		t.access = body.Token
	}
	if t.access == "" {
		return tokens{}, fmt.Errorf("token response from %s has no token", redact(req.URL.String()))
	}
	return t, nil
}
