package regauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
)

// TestToken: a scoped token for registry calls, by each grant, with the
// scopes as the token specification sends them and no refresh token asked
// for.
func TestToken(t *testing.T) {
	t.Parallel()
	scopes := []string{"repository:app:pull,push", "registry:catalog:*"}
	tests := []struct {
		name     string
		cred     auth.Credential
		method   string
		wantAuth bool
		wantErr  error
	}{
		{name: "password", cred: auth.Credential{Username: "alice", Secret: "pw"}, method: http.MethodGet, wantAuth: true},
		// This fake issues no anonymous tokens: what matters is the request.
		{name: "anonymous", method: http.MethodGet, wantErr: ErrInvalidCredentials},
		{name: "identity token", cred: auth.Credential{Username: auth.TokenUsername, Secret: "rt-7"}, method: http.MethodPost},
		{name: "wrong password", cred: auth.Credential{Username: "alice", Secret: "nope"}, method: http.MethodGet, wantAuth: true, wantErr: ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := (&fake{user: "alice", pass: "pw", mode: "bearer", post: true, refresh: "rt-7"}).start(t, false)
			tok, err := Token(context.Background(), f.srv.Client(), TokenRequest{
				Realm: f.srv.URL + "/token", Service: "svc", Scopes: scopes, Credential: tt.cred,
			}, Options{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || (tt.cred.Secret != "" && strings.Contains(err.Error(), tt.cred.Secret)) {
					t.Fatalf("error = %v, want %v without the secret", err, tt.wantErr)
				}
			} else if err != nil || tok != fakeAccess {
				t.Fatalf("Token = %q, %v", tok, err)
			}
			reqs := f.requests()
			if len(reqs) != 1 || reqs[0].Method != tt.method {
				t.Fatalf("requests %+v, want one %s", reqs, tt.method)
			}
			r := reqs[0]
			switch tt.method {
			case http.MethodGet:
				if got := strings.Join(r.Query["scope"], " "); got != strings.Join(scopes, " ") || r.Query.Get("service") != "svc" {
					t.Errorf("query %v: want each scope and the service", r.Query)
				}
				if r.Query.Has("offline_token") || r.Query.Has("client_id") {
					t.Errorf("query %v asks for a refresh token", r.Query)
				}
				if (r.Auth != "") != tt.wantAuth || (r.Query.Get("account") != "") != tt.wantAuth {
					t.Errorf("Authorization %q, account %q; want them only with a credential", r.Auth, r.Query.Get("account"))
				}
			case http.MethodPost:
				if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("scope") != strings.Join(scopes, " ") || r.Auth != "" {
					t.Errorf("form %v, Authorization %q", r.Form, r.Auth)
				}
			}
		})
	}
}

func TestTokenBadRealm(t *testing.T) {
	t.Parallel()
	for _, realm := range []string{"", "/token", "ftp://h/token", "https://"} {
		if _, err := Token(context.Background(), http.DefaultClient, TokenRequest{Realm: realm}, Options{}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("realm %q: error = %v, want ErrUnsupported", realm, err)
		}
	}
}
