package testenv

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestBasicRegistryAuth(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{false, true} {
		r := NewRegistry(t, RegistryOptions{TLS: tlsOn})
		if tlsOn != strings.HasPrefix(r.URL, "https://") {
			t.Errorf("URL %s with TLS=%v", r.URL, tlsOn)
		}
		for _, tc := range []struct {
			user, pass string
			want       int
		}{
			{r.User, r.Password, http.StatusOK},
			{r.User, "wrong", http.StatusUnauthorized},
		} {
			req, _ := http.NewRequest(http.MethodGet, r.URL+"/v2/", nil)
			req.SetBasicAuth(tc.user, tc.pass)
			resp, err := r.HTTPClient().Do(req)
			if err != nil {
				t.Fatalf("GET /v2/: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("TLS=%v password ok=%v: status %d, want %d", tlsOn, tc.pass == r.Password, resp.StatusCode, tc.want)
			}
		}
	}
}

func TestTokenRegistryFlows(t *testing.T) {
	t.Parallel()
	r := TokenRegistry(t)
	if !strings.HasPrefix(r.Host, "localhost:") || !strings.HasPrefix(r.Token.Realm, "http://localhost:") {
		t.Fatalf("host %s realm %s: want the name localhost", r.Host, r.Token.Realm)
	}
	c := r.HTTPClient()
	scope := "registry:catalog:*"

	// GET with Basic and offline_token=true: a token and a refresh token.
	q := url.Values{"service": {r.Token.Service}, "scope": {scope}, "offline_token": {"true"}, "client_id": {"docker"}}
	req, _ := http.NewRequest(http.MethodGet, r.Token.Realm+"?"+q.Encode(), nil)
	req.SetBasicAuth(r.User, r.Password)
	got := tokenCall(t, c, req, http.StatusOK)
	if got.RefreshToken == "" {
		t.Fatal("offline GET returned no refresh_token")
	}
	catalog(t, r, got.Token, http.StatusOK)

	// POST refresh_token grant with that refresh token.
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {got.RefreshToken},
		"service": {r.Token.Service}, "scope": {scope}, "client_id": {"registry-client"}}
	req, _ = http.NewRequest(http.MethodPost, r.Token.Realm, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	catalog(t, r, tokenCall(t, c, req, http.StatusOK).AccessToken, http.StatusOK)

	// POST password grant; a wrong password is refused.
	for _, tc := range []struct {
		pass string
		want int
	}{{r.Password, http.StatusOK}, {"wrong", http.StatusUnauthorized}} {
		form = url.Values{"grant_type": {"password"}, "username": {r.User}, "password": {tc.pass},
			"service": {r.Token.Service}, "scope": {scope}}
		req, _ = http.NewRequest(http.MethodPost, r.Token.Realm, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		tokenCall(t, c, req, tc.want)
	}

	// Anonymous GET: a token that grants nothing.
	req, _ = http.NewRequest(http.MethodGet, r.Token.Realm+"?service="+r.Token.Service+"&scope="+scope, nil)
	catalog(t, r, tokenCall(t, c, req, http.StatusOK).Token, http.StatusUnauthorized)

	if n := r.Token.RefreshGrants(); n != 1 {
		t.Errorf("RefreshGrants = %d, want 1", n)
	}
	for _, rec := range r.Token.Requests() {
		if strings.Contains(rec.Account+strings.Join(rec.Scopes, " ")+rec.ClientID, r.Password) {
			t.Errorf("a request record holds the password: %+v", rec)
		}
	}
	if n := len(r.Token.Requests()); n != 5 {
		t.Errorf("%d requests recorded, want 5: %+v", n, r.Token.Requests())
	}
}

type tokenReply struct {
	Token        string `json:"token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func tokenCall(t *testing.T, c *http.Client, req *http.Request, want int) tokenReply {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
	var tr tokenReply
	if want == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
			t.Fatalf("decoding token reply: %v", err)
		}
	}
	return tr
}

func catalog(t *testing.T, r *Registry, token string, want int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.URL+"/v2/_catalog", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("GET _catalog: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Errorf("GET _catalog with token: status %d, want %d\nregistry log:\n%s", resp.StatusCode, want, r.Log())
	}
}
