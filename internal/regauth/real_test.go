package regauth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
)

// These tests run the real docker-registry (distribution 2.8) on loopback.

func TestVerifyRealBasicRegistry(t *testing.T) {
	t.Parallel()
	r := testenv.BasicRegistry(t)
	ctx := context.Background()
	got, err := Verify(ctx, r.Host, auth.Credential{Username: r.User, Secret: r.Password}, Options{})
	if err != nil {
		t.Fatalf("Verify() with the right password: %v\nregistry log:\n%s", err, r.Log())
	}
	if got.Method != MethodBasic || got.Endpoint != "http://"+r.Host+"/v2/" || !got.Verified() {
		t.Errorf("Verify() = %+v, want Basic over http", got)
	}
	_, err = Verify(ctx, "http://"+r.Host+"/v2/whatever", auth.Credential{Username: r.User, Secret: "wrong-" + r.Password}, Options{})
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Verify() with a wrong password: error = %v, want ErrInvalidCredentials", err)
	}
	if strings.Contains(err.Error(), r.Password) {
		t.Errorf("error contains the password: %v", err)
	}
	if !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Errorf("error %q does not carry the registry's status", err)
	}
}

func TestVerifyRealTLSRegistry(t *testing.T) {
	t.Parallel()
	r := testenv.TLSRegistry(t)
	ca, err := os.ReadFile(r.CA.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	certs := t.TempDir()
	writeFile(t, filepath.Join(certs, r.Host), "ca.crt", ca)
	cred := auth.Credential{Username: r.User, Secret: r.Password}
	if _, err := Verify(context.Background(), r.Host, cred, Options{}); !errors.Is(err, ErrCertificate) {
		t.Errorf("Verify() without the CA: error = %v, want ErrCertificate", err)
	}
	got, err := Verify(context.Background(), r.Host, cred, Options{CertDirs: []string{certs}})
	if err != nil {
		t.Fatalf("Verify() with the CA in certs.d: %v\nregistry log:\n%s", err, r.Log())
	}
	if got.Endpoint != "https://"+r.Host+"/v2/" {
		t.Errorf("Endpoint = %q, want https", got.Endpoint)
	}
}

func TestVerifyRealTokenRegistry(t *testing.T) {
	t.Parallel()
	r := testenv.TokenRegistry(t)
	ctx := context.Background()
	cred := auth.Credential{Username: r.User, Secret: r.Password}

	got, err := Verify(ctx, r.Host, cred, Options{})
	if err != nil {
		t.Fatalf("Verify() (GET form): %v\nregistry log:\n%s", err, r.Log())
	}
	if got.Method != MethodBearer || got.Realm != r.Token.Realm || got.Service != r.Token.Service || got.IdentityToken == "" {
		t.Fatalf("Verify() = %+v (identity token set: %v), want bearer via %s with a refresh token",
			got, got.IdentityToken != "", r.Token.Realm)
	}

	// The identity token it returned works on its own (refresh_token grant).
	if _, err := Verify(ctx, r.Host, auth.Credential{Username: auth.TokenUsername, Secret: got.IdentityToken}, Options{}); err != nil {
		t.Errorf("Verify() with the identity token: %v", err)
	}
	// The OAuth2 password grant.
	if _, err := Verify(ctx, r.Host, cred, Options{PasswordGrant: true}); err != nil {
		t.Errorf("Verify() with PasswordGrant: %v", err)
	}
	// A wrong password is rejected by the token server.
	_, err = Verify(ctx, r.Host, auth.Credential{Username: r.User, Secret: "nope"}, Options{})
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("Verify() with a wrong password: error = %v, want ErrInvalidCredentials", err)
	}

	var grants []string
	for _, req := range r.Token.Requests() {
		grants = append(grants, req.Method+" "+req.Grant)
		if len(req.Scopes) != 0 {
			t.Errorf("login asked for scopes %q; it should ask for none", req.Scopes)
		}
		if req.ClientID != DefaultClientID {
			t.Errorf("client_id = %q, want %q", req.ClientID, DefaultClientID)
		}
	}
	want := "GET password,POST refresh_token,POST password,GET password"
	if got := strings.Join(grants, ","); got != want {
		t.Errorf("token requests = %s, want %s", got, want)
	}
}
