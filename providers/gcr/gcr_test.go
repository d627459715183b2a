package gcr

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

var registry = auth.Key{Raw: "europe-west1-docker.pkg.dev", Host: "europe-west1-docker.pkg.dev"}

// testProvider builds the provider for env and opts with the fake's
// transport; metadataAddr is where the metadata server's address leads.
func testProvider(t *testing.T, f *fakeGoogle, env, opts map[string]string, metadataAddr string) *provider {
	t.Helper()
	pv, err := New(env, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	p := pv.(*provider)
	p.transport = f.transport(metadataAddr)
	p.iamEndpoint = f.tls.URL
	return p
}

// checkToken checks tok is a fresh token the fake issued to want.
func checkToken(t *testing.T, f *fakeGoogle, tok providers.Token, want string) {
	t.Helper()
	if tok.Username != username {
		t.Errorf("username %q, want %q", tok.Username, username)
	}
	if got := f.owner(tok.Secret); got != want {
		t.Errorf("token issued to %q, want %q", got, want)
	}
	if d := time.Until(tok.Expires); d < 50*time.Minute || d > time.Hour+time.Minute {
		t.Errorf("expires in %v, want ~1h", d)
	}
}

// TestGetCredentialFiles runs the real x/oauth2/google code on each file
// type, named by GOOGLE_APPLICATION_CREDENTIALS or the rule, against the
// fake endpoints the file names.
func TestGetCredentialFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		file     func(*fakeGoogle, *testing.T, string) []byte
		viaRule  bool
		imperson bool
		want     string
		wantReqs []string
	}{
		{name: "service account key", file: func(f *fakeGoogle, t *testing.T, _ string) []byte { return f.serviceAccountJSON(t) },
			want: "sa", wantReqs: []string{"POST /token"}},
		{name: "authorized user", file: func(f *fakeGoogle, t *testing.T, _ string) []byte { return f.authorizedUserJSON(t) },
			want: "user", wantReqs: []string{"POST /token"}},
		{name: "external account", file: (*fakeGoogle).externalAccountJSON,
			want: "federated", wantReqs: []string{"POST /sts"}},
		{name: "authorized user via rule", file: func(f *fakeGoogle, t *testing.T, _ string) []byte { return f.authorizedUserJSON(t) },
			viaRule: true, want: "user", wantReqs: []string{"POST /token"}},
		{name: "authorized user impersonating", file: func(f *fakeGoogle, t *testing.T, _ string) []byte { return f.authorizedUserJSON(t) },
			imperson: true, want: "impersonated-by-user",
			wantReqs: []string{"POST /token", "POST /v1/projects/-/serviceAccounts/puller@proj.iam.gserviceaccount.com:generateAccessToken"}},
		{name: "external account impersonating", file: (*fakeGoogle).externalAccountJSON,
			imperson: true, want: "impersonated-by-federated",
			wantReqs: []string{"POST /sts", "POST /v1/projects/-/serviceAccounts/puller@proj.iam.gserviceaccount.com:generateAccessToken"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGoogle(t)
			dir := t.TempDir()
			path := writeFile(t, dir, "creds.json", tt.file(f, t, dir))
			env := map[string]string{"HOME": dir, "HTTPS_PROXY": "http://" + deadAddr}
			opts := map[string]string{}
			if tt.viaRule {
				opts[optCredentialsFile] = path
			} else {
				env["GOOGLE_APPLICATION_CREDENTIALS"] = path
			}
			if tt.imperson {
				opts[optImpersonate] = f.target
			}
			p := testProvider(t, f, env, opts, deadAddr)
			tok, err := p.Get(context.Background(), registry)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			checkToken(t, f, tok, tt.want)
			if got := strings.Join(f.log(), "\n"); got != strings.Join(tt.wantReqs, "\n") {
				t.Errorf("requests:\n%s\nwant:\n%s", got, strings.Join(tt.wantReqs, "\n"))
			}
		})
	}
}

// TestGetWellKnownFile finds gcloud's ADC file under CLOUDSDK_CONFIG or HOME.
func TestGetWellKnownFile(t *testing.T) {
	t.Parallel()
	for _, variable := range []string{"CLOUDSDK_CONFIG", "HOME"} {
		t.Run(variable, func(t *testing.T) {
			t.Parallel()
			f := newFakeGoogle(t)
			dir := t.TempDir()
			name := "application_default_credentials.json"
			if variable == "HOME" {
				name = ".config/gcloud/" + name
			}
			writeFile(t, dir, name, f.authorizedUserJSON(t))
			p := testProvider(t, f, map[string]string{variable: dir}, nil, deadAddr)
			tok, err := p.Get(context.Background(), registry)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			checkToken(t, f, tok, "user")
		})
	}
}

// TestGetMetadataHost uses the metadata server named by GCE_METADATA_HOST,
// which the metadata client reads from the process environment.
func TestGetMetadataHost(t *testing.T) {
	f := newFakeGoogle(t)
	host := strings.TrimPrefix(f.metadata.URL, "http://")
	t.Setenv("GCE_METADATA_HOST", host)
	env := map[string]string{"HOME": t.TempDir(), "GCE_METADATA_HOST": host}
	tok, err := testProvider(t, f, env, nil, deadAddr).Get(context.Background(), registry)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkToken(t, f, tok, "gce")
	if got := f.log(); len(got) != 2 || got[0] != "GET /" {
		t.Errorf("requests %v, want the probe and the token", got)
	}

	// A GCE_METADATA_HOST where nothing answers means no credentials.
	t.Setenv("GCE_METADATA_HOST", deadAddr)
	env["GCE_METADATA_HOST"] = deadAddr
	_, err = testProvider(t, f, env, nil, deadAddr).Get(context.Background(), registry)
	if !errors.Is(err, providers.ErrNoCredentials) {
		t.Errorf("dead GCE_METADATA_HOST: Get error %v, want ErrNoCredentials", err)
	}
}

// TestGetMetadataProbe finds the metadata server at its fixed address (the
// transport leads it to the fake), with and without impersonation.
func TestGetMetadataProbe(t *testing.T) {
	unsetenv(t, "GCE_METADATA_HOST")
	for _, imperson := range []bool{false, true} {
		f := newFakeGoogle(t)
		opts, want := map[string]string{}, "gce"
		if imperson {
			opts[optImpersonate], want = f.target, "impersonated-by-gce"
		}
		addr := strings.TrimPrefix(f.metadata.URL, "http://")
		tok, err := testProvider(t, f, map[string]string{"HOME": t.TempDir()}, opts, addr).Get(context.Background(), registry)
		if err != nil {
			t.Fatalf("impersonate %v: Get: %v", imperson, err)
		}
		checkToken(t, f, tok, want)
		if got := f.log(); len(got) < 2 || got[0] != "GET /" {
			t.Errorf("requests %v, want the probe first", got)
		}
	}
}

// TestGetNoCredentials: no file anywhere and no metadata server (refused,
// or something that is not one) is ErrNoCredentials with the hint. (A
// metadata address that never answers: e2e TestProviderBounds.)
func TestGetNoCredentials(t *testing.T) {
	t.Parallel()
	notMetadata := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "proxy error", http.StatusBadGateway)
	}))
	defer notMetadata.Close()
	for _, addr := range []string{deadAddr, strings.TrimPrefix(notMetadata.URL, "http://")} {
		f := newFakeGoogle(t)
		_, err := testProvider(t, f, map[string]string{"HOME": t.TempDir()}, nil, addr).Get(context.Background(), registry)
		if !errors.Is(err, providers.ErrNoCredentials) {
			t.Fatalf("metadata at %s: Get error %v, want ErrNoCredentials", addr, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "gcloud auth application-default login") {
			t.Errorf("error %q has no hint", msg)
		}
	}
}

func TestGetFailures(t *testing.T) {
	t.Parallel()
	f := newFakeGoogle(t)
	dir := t.TempDir()
	good := writeFile(t, dir, "user.json", f.authorizedUserJSON(t))
	tests := []struct {
		name  string
		env   map[string]string
		opts  map[string]string
		setup func()
		want  []string
	}{
		{name: "missing file", env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": dir + "/missing.json"},
			want: []string{"gcr europe-west1-docker.pkg.dev", "reading credentials file", "missing.json"}},
		{name: "not JSON", env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": writeFile(t, dir, "bad.json", []byte("{"))},
			want: []string{"parsing credentials file"}},
		{name: "OAuth client file", env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": writeFile(t, dir, "client.json",
			[]byte(`{"installed":{"client_id":"x","client_secret":"y"}}`))},
			want: []string{`unsupported type ""`}},
		{name: "revoked refresh token", env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": good},
			setup: func() { f.denyRefresh = true },
			want:  []string{"getting access token from authorized_user credentials", "invalid_grant"}},
	}
	for _, tt := range tests {
		if tt.setup != nil {
			tt.setup()
		}
		tt.env["HOME"] = dir
		_, err := testProvider(t, f, tt.env, tt.opts, deadAddr).Get(context.Background(), registry)
		if err == nil || errors.Is(err, providers.ErrNoCredentials) {
			t.Errorf("%s: Get error %v, want a failure", tt.name, err)
			continue
		}
		msg := err.Error()
		t.Logf("%s: %s", tt.name, msg)
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, msg, w)
			}
		}
		if strings.Contains(msg, "\n") || strings.Contains(msg, f.refreshToken) || strings.Contains(msg, f.clientSecret) {
			t.Errorf("%s: error %q: want one line and no secret", tt.name, msg)
		}
	}
}

// unsetenv unsets k for the test and restores it after.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "")
	os.Unsetenv(k)
}
