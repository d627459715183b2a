package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// googleUser is the user name Google registries pair with an access token.
const googleUser = "oauth2accesstoken"

// fakeGoogleOAuth is Google's token endpoint for one authorized_user
// (gcloud auth application-default login) credential: it answers the
// refresh grant with a fixed access token, the registry's password.
type fakeGoogleOAuth struct {
	t                               *testing.T
	srv                             *httptest.Server
	clientID, clientSecret, refresh string
	access                          string
	deny                            bool

	mu    sync.Mutex
	calls int
}

func newFakeGoogleOAuth(t *testing.T, access string) *fakeGoogleOAuth {
	t.Helper()
	f := &fakeGoogleOAuth{t: t, clientID: "e2e.apps.googleusercontent.com", clientSecret: "e2e-secret-" + randomToken(t),
		refresh: "1//e2e-refresh-" + randomToken(t), access: access}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls++
		f.mu.Unlock()
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		ok := r.URL.Path == "/token" && r.PostForm.Get("grant_type") == "refresh_token" &&
			r.PostForm.Get("refresh_token") == f.refresh && r.PostForm.Get("client_id") == f.clientID &&
			r.PostForm.Get("client_secret") == f.clientSecret
		switch {
		case !ok:
			t.Errorf("fake Google: unexpected request %s %s", r.Method, r.URL.Path)
			w.WriteHeader(400)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
		case f.deny:
			w.WriteHeader(400)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": f.access, "token_type": "Bearer", "expires_in": 3599})
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGoogleOAuth) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// routeToGCR sends host to the gcr provider and points
// GOOGLE_APPLICATION_CREDENTIALS at an authorized_user file naming the fake.
func routeToGCR(t *testing.T, c *testenv.Client, f *fakeGoogleOAuth, host string, withCredentials bool) {
	t.Helper()
	path := filepath.Join(c.Dir, "regkey-config.yaml")
	yaml := "registries:\n  - match: \"" + host + "\"\n    provider: gcr\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("REGKEY_CONFIG", path)
	if !withCredentials {
		return
	}
	creds, _ := json.Marshal(map[string]string{"type": "authorized_user", "client_id": f.clientID,
		"client_secret": f.clientSecret, "refresh_token": f.refresh, "token_uri": f.srv.URL + "/token"})
	file := filepath.Join(t.TempDir(), "adc.json") // outside the client dirs assertNoPlaintext walks
	if err := os.WriteFile(file, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
}

// TestGCR: the built binary turns an authorized_user ADC file into an
// access token from the fake, and skopeo reads a private image from a real
// docker-registry whose htpasswd holds oauth2accesstoken and that token. A
// second get is served from the token cache.
func TestGCR(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	access := "ya29.e2e-" + randomToken(t)
	r := testenv.NewRegistry(t, testenv.RegistryOptions{User: googleUser, Password: access})
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "proj/app:v1")

	t.Run("authorized user", func(t *testing.T) {
		t.Parallel()
		f := newFakeGoogleOAuth(t, access)
		c := newProviderClient(t)
		useCredHelper(t, c, r.Host)
		routeToGCR(t, c, f, r.Host, true)
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
		got, ok := helperGet(t, c, r.Host)
		if !ok || got.Username != googleUser || got.Secret != access {
			t.Errorf("get %s = %q, %v; want oauth2accesstoken and the fake's token", r.Host, got.Username, ok)
		}
		if n := f.callCount(); n != 1 {
			t.Errorf("token endpoint called %d times, want 1 (the second get from the cache)", n)
		}
		assertNoPlaintext(t, c, f.refresh)
	})

	t.Run("revoked", func(t *testing.T) {
		t.Parallel()
		f := newFakeGoogleOAuth(t, access)
		f.deny = true
		c := newProviderClient(t)
		routeToGCR(t, c, f, r.Host, true)
		res := c.Run(t, []byte(r.Host), testenv.HelperName, "get")
		if res.ExitCode != 1 || res.Stdout == notFound+"\n" {
			t.Fatalf("get: exit %d, stdout %q; want exit 1 with an error", res.ExitCode, res.Stdout)
		}
		for _, want := range []string{"gcr", r.Host, "invalid_grant"} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("get stdout %q does not mention %q", res.Stdout, want)
			}
		}
		if strings.Contains(res.Stdout+res.Stderr, f.refresh) || strings.Contains(res.Stdout+res.Stderr, f.clientSecret) {
			t.Errorf("a secret leaked into the output")
		}
	})

	t.Run("no credentials", func(t *testing.T) {
		t.Parallel()
		// testenv points CLOUDSDK_CONFIG at nothing and GCE_METADATA_HOST
		// at a dead loopback port: ADC finds nothing.
		c := newProviderClient(t)
		routeToGCR(t, c, nil, r.Host, false)
		res := getKey(t, c, r.Host)
		assertNotFoundSaysWhy(t, res, "gcr")
		if !strings.Contains(res.Stderr, "GOOGLE_APPLICATION_CREDENTIALS") {
			t.Errorf("stderr %q: want a hint saying what to set", res.Stderr)
		}
	})

	t.Run("one token for every Google host", func(t *testing.T) {
		t.Parallel()
		// Built-in detection: gcr.io, Artifact Registry and a
		// regional endpoint (and a host a rule routes to gcr) share the
		// identity's one access token.
		f := newFakeGoogleOAuth(t, access)
		c := newProviderClient(t)
		routeToGCR(t, c, f, r.Host, true) // and the rule's host too
		for _, host := range []string{"gcr.io", "https://EU.GCR.IO/v2/", "europe-west1-docker.pkg.dev/proj/repo",
			"docker.us-central1.rep.pkg.dev", "us-docker.pkg.dev:443", r.Host} {
			if got, ok := helperGet(t, c, host); !ok || got.Username != googleUser || got.Secret != access {
				t.Fatalf("get %s = %q, %v; want oauth2accesstoken and the fake's token", host, got.Username, ok)
			}
		}
		if n := f.callCount(); n != 1 {
			t.Errorf("token endpoint called %d times for six Google hosts, want 1", n)
		}
	})
}
