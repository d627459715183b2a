package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
)

// ECR end to end: the built docker-credential-regkey runs the real AWS SDK
// against a loopback ECR fake (AWS_ENDPOINT_URL_ECR) with static keys in its
// environment. A docker-registry whose htpasswd password is the token the
// fake issues stands in for the ECR registry, reached through a rule that
// maps its 127.0.0.1:PORT host to the ecr provider with aws_region and
// aws_account_id; docker and skopeo then pull manifests with it.

const (
	ecrKeyID  = "AKIDE2EECR0000000001"
	ecrRegion = "eu-west-1"
	ecrHost   = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
)

// useECR points c at fake with static AWS keys and a rule routing host to
// the ecr provider.
func useECR(t *testing.T, c *testenv.Client, fake *ecrfake.Server, host string) {
	t.Helper()
	c.Setenv("AWS_ACCESS_KEY_ID", ecrKeyID)
	c.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-secret-access-key")
	c.Setenv("AWS_ENDPOINT_URL_ECR", fake.URL)
	path := filepath.Join(c.Dir, "regkey-config.yaml")
	yaml := "registries:\n  - match: \"" + host + "\"\n    provider: ecr\n    aws_region: " + ecrRegion +
		"\n    aws_account_id: \"123456789012\"\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("REGKEY_CONFIG", path)
}

// ecrCalls counts the fake's GetAuthorizationToken calls for region.
func ecrCalls(fake *ecrfake.Server, region string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Op == "ecr" && r.Region == region && r.AccessKey == ecrKeyID {
			n++
		}
	}
	return n
}

func TestECR(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	r := testenv.NewRegistry(t, testenv.RegistryOptions{User: "AWS", Password: ecrfake.Password(ecrKeyID, ecrRegion)})
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "team/app:v1")

	t.Run("get", func(t *testing.T) {
		t.Parallel()
		// A fake of its own: the subtests beside it also ask us-east-1,
		// and this one counts that region's calls.
		fake := ecrfake.New()
		t.Cleanup(fake.Close)
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		// A host the rule maps: region and account from the rule.
		got, ok := helperGet(t, c, r.Host)
		if !ok || got.Username != "AWS" || got.Secret != r.Password {
			t.Fatalf("get %s = %+v, %v; want the fake's token for %s", r.Host, got, ok, ecrRegion)
		}
		// A real ECR host by built-in detection: region from the host.
		got, ok = helperGet(t, c, "https://"+strings.ToUpper(ecrHost)+"/v2/")
		if !ok || got.Username != "AWS" || got.Secret != ecrfake.Password(ecrKeyID, "us-east-1") {
			t.Fatalf("get %s = %+v, %v", ecrHost, got, ok)
		}
		before := ecrCalls(fake, "us-east-1")
		// Served from the token cache: no further call.
		for range 3 {
			if got, ok := helperGet(t, c, ecrHost+"/team/app"); !ok || got.Secret != ecrfake.Password(ecrKeyID, "us-east-1") {
				t.Fatalf("cached get = %+v, %v", got, ok)
			}
		}
		if n := ecrCalls(fake, "us-east-1"); n != before {
			t.Errorf("%d token calls for cached gets, want none", n-before)
		}
		// A hit loads no SDK configuration: with a CA bundle that does not
		// exist, a cached host still answers, while a miss (another region)
		// fails because the SDK tries to load it.
		c.Setenv("AWS_CA_BUNDLE", filepath.Join(c.Dir, "nonexistent-ca.pem"))
		if got, ok := helperGet(t, c, ecrHost); !ok || got.Secret != ecrfake.Password(ecrKeyID, "us-east-1") {
			t.Fatalf("cached get with a broken CA bundle = %+v, %v", got, ok)
		}
		miss := strings.Replace(ecrHost, "us-east-1", "us-west-2", 1)
		if res := c.Run(t, []byte(miss), testenv.HelperName, "get"); res.ExitCode == 0 || !strings.Contains(res.Stdout+res.Stderr, "nonexistent-ca.pem") {
			t.Errorf("uncached get with a broken CA bundle: exit %d, stdout %q, stderr %q; want the SDK's CA error", res.ExitCode, res.Stdout, res.Stderr)
		}
		c.Unsetenv("AWS_CA_BUNDLE")
		assertNoPlaintext(t, c, "e2e-secret-access-key")
	})

	t.Run("no cache", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		c.Setenv("REGKEY_NO_CACHE", "1")
		c.Setenv("AWS_REGION", "ap-northeast-3") // a region of its own, to count its calls
		path := filepath.Join(c.Dir, "regkey-config.yaml")
		if err := os.WriteFile(path, []byte("registries:\n  - match: \""+r.Host+"\"\n    provider: ecr\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, ok := helperGet(t, c, r.Host); !ok {
				t.Fatal("get: not found")
			}
		}
		if n := ecrCalls(fake, "ap-northeast-3"); n != 2 {
			t.Errorf("REGKEY_NO_CACHE=1: %d token calls for 2 gets, want 2", n)
		}
	})

	t.Run("no credentials", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		c.Unsetenv("AWS_ACCESS_KEY_ID")
		c.Unsetenv("AWS_SECRET_ACCESS_KEY")
		res := getKey(t, c, ecrHost)
		assertNotFoundSaysWhy(t, res, "ecr")
		if !strings.Contains(res.Stderr, "AWS_PROFILE") || !strings.Contains(res.Stderr, ecrHost) {
			t.Errorf("stderr %q: want a hint naming the registry and what to set", res.Stderr)
		}
	})

	t.Run("list", func(t *testing.T) {
		t.Parallel()
		// Provider tokens are never listed: some clients get every listed key.
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		if _, ok := helperGet(t, c, ecrHost); !ok {
			t.Fatal("get: not found")
		}
		if m := helperList(t, c); len(m) != 0 {
			t.Errorf("list = %v, want nothing (a provider token is not a stored login)", m)
		}
	})

	t.Run("skopeo", func(t *testing.T) {
		t.Parallel()
		testenv.RequireProgram(t, "skopeo")
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		useCredHelper(t, c, r.Host)
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
	})

	t.Run("docker", func(t *testing.T) {
		t.Parallel()
		testenv.RequireProgram(t, "docker")
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		c.WriteDockerConfig(t, map[string]any{"credHelpers": map[string]string{r.Host: "regkey"}})
		res := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "schemaVersion") {
			t.Fatalf("docker manifest inspect: exit %d\nstdout: %s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
		}
	})
}

// writeRegkeyConfig writes yaml as the client's regkey settings file.
func writeRegkeyConfig(t *testing.T, c *testenv.Client, yaml string) {
	t.Helper()
	path := filepath.Join(c.Dir, "regkey-config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("REGKEY_CONFIG", path)
}

// TestECRDenied: credentials the API refuses are an error naming the
// registry, the provider and AWS's reason, never the not-found answer and
// never a secret.
func TestECRDenied(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	fake.Fail = "AccessDeniedException"
	c := newProviderClient(t)
	c.Setenv("AWS_ACCESS_KEY_ID", ecrKeyID)
	c.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-secret-access-key")
	c.Setenv("AWS_ENDPOINT_URL_ECR", fake.URL)
	res := c.Run(t, []byte(ecrHost), testenv.HelperName, "get")
	out := strings.TrimSpace(res.Stdout)
	if res.ExitCode != 1 || out == notFound || strings.Contains(out, "\n") {
		t.Fatalf("get: exit %d, stdout %q; want exit 1 with a one-line error", res.ExitCode, res.Stdout)
	}
	for _, want := range []string{"ecr", ecrHost, "AccessDeniedException", "not authorized"} {
		if !strings.Contains(out, want) {
			t.Errorf("error %q does not name %q", out, want)
		}
	}
	if s := res.Stdout + res.Stderr; strings.Contains(s, "e2e-secret-access-key") || strings.Contains(s, "Signature=") {
		t.Errorf("output leaks a secret: %q", s)
	}
}

// TestECRPublic: ECR Public through the built binary. The token comes from
// ecr-public in us-east-1; one token serves both public hosts; skopeo reads
// a private image from a registry a rule routes to ecr-public.
func TestECRPublic(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	want := ecrfake.Password(ecrKeyID, "us-east-1")
	r := testenv.NewRegistry(t, testenv.RegistryOptions{User: "AWS", Password: want})
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "alias/app:v1")
	c := newProviderClient(t)
	c.Setenv("AWS_ACCESS_KEY_ID", ecrKeyID)
	c.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-secret-access-key")
	c.Setenv("AWS_ENDPOINT_URL_ECR_PUBLIC", fake.URL)
	writeRegkeyConfig(t, c, "registries:\n  - match: \""+r.Host+"\"\n    provider: ecr-public\n")
	for _, host := range []string{"public.ecr.aws", "https://ECR-PUBLIC.aws.com/v2/", "public.ecr.aws/alias/app", r.Host} {
		if got, ok := helperGet(t, c, host); !ok || got.Username != "AWS" || got.Secret != want {
			t.Fatalf("get %s = %+v, %v; want the ecr-public token", host, got, ok)
		}
	}
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Op != "ecr-public" || reqs[0].Region != "us-east-1" {
		t.Errorf("requests %+v, want one ecr-public call in us-east-1 for every public host", reqs)
	}
	useCredHelper(t, c, r.Host)
	if d, res := skopeoInspect(t, c, ref); d != img.Digest {
		t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
	}
}

// TestECRProfiles: a custom domain in front of ECR and a second AWS profile,
// through the built binary. Two rules name the same account and region
// with different profiles: each gets its own profile's token, and the cache
// keeps both (0600 files in a 0700 directory). skopeo reads through the
// custom domain with the first profile.
func TestECRProfiles(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	const keyB = "AKIDE2EPROFILEB00001"
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	r := testenv.NewRegistry(t, testenv.RegistryOptions{User: "AWS", Password: ecrfake.Password(ecrKeyID, ecrRegion)})
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "team/app:v1")

	c := newProviderClient(t)
	c.Setenv("AWS_ENDPOINT_URL_ECR", fake.URL)
	awsConfig := filepath.Join(c.Dir, "aws-config")
	conf := "[profile build]\naws_access_key_id = " + ecrKeyID + "\naws_secret_access_key = secret-build-profile\n\n" +
		"[profile prod]\naws_access_key_id = " + keyB + "\naws_secret_access_key = secret-prod-profile\n"
	if err := os.WriteFile(awsConfig, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("AWS_CONFIG_FILE", awsConfig)
	realHost := "123456789012.dkr.ecr." + ecrRegion + ".amazonaws.com"
	writeRegkeyConfig(t, c, "registries:\n"+
		"  - match: \""+r.Host+"\"\n    provider: ecr\n    aws_profile: build\n    aws_region: "+ecrRegion+"\n    aws_account_id: \"123456789012\"\n"+
		"  - match: \""+realHost+"\"\n    provider: ecr\n    aws_profile: prod\n")
	want := map[string]string{r.Host: ecrfake.Password(ecrKeyID, ecrRegion), realHost: ecrfake.Password(keyB, ecrRegion)}
	for range 2 {
		for host, secret := range want {
			if got, ok := helperGet(t, c, host); !ok || got.Secret != secret {
				t.Fatalf("get %s = %+v, %v; want its profile's token %q", host, got, ok, secret)
			}
		}
	}
	if reqs := fake.Requests(); len(reqs) != 2 || reqs[0].AccessKey == reqs[1].AccessKey {
		t.Errorf("requests %+v, want one per profile (the second round from the cache)", reqs)
	}
	dir := filepath.Join(c.Getenv("XDG_CACHE_HOME"), "regkey")
	entries, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(entries) != 2 {
		t.Errorf("cache holds %d entries, want 2 (one per profile)", len(entries))
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	for _, e := range entries {
		if fi, err := os.Stat(e); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("cache entry %s: %v, %v; want mode 0600", e, fi.Mode(), err)
		}
	}
	useCredHelper(t, c, r.Host)
	if d, res := skopeoInspect(t, c, ref); d != img.Digest {
		t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
	}
}

// proxyTo returns a reverse proxy to the server at rawURL.
func proxyTo(t *testing.T, rawURL string) *httputil.ReverseProxy {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return httputil.NewSingleHostReverseProxy(u)
}

// rewriteCacheEntry changes the one token cache entry of c: its secret,
// when it was obtained and when it expires.
func rewriteCacheEntry(t *testing.T, c *testenv.Client, secret string, obtained, expires time.Time) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(c.Getenv("XDG_CACHE_HOME"), "regkey", "*.json"))
	if len(files) != 1 {
		t.Fatalf("token cache holds %d entries, want 1", len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	e["secret"], e["obtained"], e["expires"] = secret, obtained.Format(time.RFC3339), expires.Format(time.RFC3339)
	if data, err = json.Marshal(e); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestECRTokenRefresh: the cache through the built binary. A token is
// served until half its life, then renewed; when the renewal fails while
// the old token still works, the old one is served with a warning on
// stderr; an expired token is never served.
func TestECRTokenRefresh(t *testing.T) {
	t.Parallel()
	fake, refusing := ecrfake.New(), ecrfake.New()
	t.Cleanup(fake.Close)
	t.Cleanup(refusing.Close)
	refusing.Fail = "AccessDeniedException"
	// The endpoint stays the same (it is part of the cache key); what
	// answers behind it changes.
	var refuse atomic.Bool
	toFake, toRefusing := proxyTo(t, fake.URL), proxyTo(t, refusing.URL)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			toRefusing.ServeHTTP(w, r)
			return
		}
		toFake.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	c := newProviderClient(t)
	setAWSKeys(c)
	c.Setenv("AWS_ENDPOINT_URL_ECR", api.URL)
	useAPI := func(s *ecrfake.Server) { refuse.Store(s == refusing) }
	requests := func() int { return len(fake.Requests()) + len(refusing.Requests()) }
	fresh := ecrfake.Password(ecrKeyID, "us-east-1")
	get := func(wantSecret string, wantRequests int) testenv.Result {
		t.Helper()
		res := c.Run(t, []byte(ecrHost), testenv.HelperName, "get")
		var got cred
		if res.ExitCode != 0 || json.Unmarshal([]byte(res.Stdout), &got) != nil || got.Secret != wantSecret {
			t.Fatalf("get: exit %d, stdout %q, stderr %q; want secret %q", res.ExitCode, res.Stdout, res.Stderr, wantSecret)
		}
		if n := requests(); n != wantRequests {
			t.Fatalf("%d token requests so far, want %d", n, wantRequests)
		}
		return res
	}
	now := time.Now()

	useAPI(fake)
	get(fresh, 1)
	// Before half-life: served from the cache.
	rewriteCacheEntry(t, c, "cached-before-half-life", now.Add(-5*time.Hour), now.Add(7*time.Hour))
	get("cached-before-half-life", 1)

	// Past half-life, the API refusing: the old token, with a warning.
	rewriteCacheEntry(t, c, "cached-past-half-life", now.Add(-7*time.Hour), now.Add(5*time.Hour))
	useAPI(refusing)
	res := get("cached-past-half-life", 2)
	if lines := strings.Split(strings.TrimSpace(res.Stderr), "\n"); len(lines) != 1 ||
		!strings.Contains(lines[0], "using the cached one") || !strings.Contains(lines[0], ecrHost) ||
		!strings.Contains(lines[0], "AccessDeniedException") {
		t.Errorf("stderr %q: want one warning naming the registry, the failure and the fallback", res.Stderr)
	}

	// Past half-life, the API answering: renewed, then served from the cache.
	useAPI(fake)
	get(fresh, 3)
	get(fresh, 3)

	// Expired, the API refusing: an error, never the expired token.
	rewriteCacheEntry(t, c, "expired-token", now.Add(-13*time.Hour), now.Add(-time.Hour))
	useAPI(refusing)
	res = c.Run(t, []byte(ecrHost), testenv.HelperName, "get")
	if res.ExitCode != 1 || strings.Contains(res.Stdout, "expired-token") || !strings.Contains(res.Stdout, "AccessDeniedException") {
		t.Errorf("get with an expired token and a refusing API: exit %d, stdout %q; want the API's error", res.ExitCode, res.Stdout)
	}
}

// TestECRDockerLogin: docker login to a host a provider owns is kept in
// the keystore and never fails; the stored login answers when the provider
// has no identity, and (with a warning) when it fails; logout removes it.
func TestECRDockerLogin(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	r := testenv.BasicRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "team/app:v1")
	refusing := ecrfake.New()
	t.Cleanup(refusing.Close)
	refusing.Fail = "AccessDeniedException"
	c := newProviderClient(t)
	writeRegkeyConfig(t, c, "registries:\n  - match: \""+r.Host+"\"\n    provider: ecr\n    aws_region: "+ecrRegion+
		"\n    aws_account_id: \"123456789012\"\n")
	c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey"})

	if res := dockerLogin(t, c, r.Host, r.User, r.Password); res.ExitCode != 0 {
		t.Fatalf("docker login to a provider host: exit %d\nstdout: %s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if m := helperList(t, c); m[r.Host] != r.User || len(m) != 1 {
		t.Errorf("list after docker login = %v, want only %s", m, r.Host)
	}
	// No AWS identity: the stored login, with the provider's hint.
	if res := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref); res.ExitCode != 0 {
		t.Fatalf("docker manifest inspect with the stored login: exit %d\nstderr: %s", res.ExitCode, res.Stderr)
	}
	// A failing provider: the stored login, with a warning naming the failure.
	setAWSKeys(c)
	c.Setenv("AWS_ENDPOINT_URL_ECR", refusing.URL)
	res := c.Run(t, []byte(r.Host), testenv.HelperName, "get")
	var got cred
	if res.ExitCode != 0 || json.Unmarshal([]byte(res.Stdout), &got) != nil || got.Secret != r.Password {
		t.Fatalf("get with a failing provider and a stored login: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
	if !strings.Contains(res.Stderr, "AccessDeniedException") || !strings.Contains(res.Stderr, "stored in the keystore") {
		t.Errorf("stderr %q: want a warning naming the failure and the fallback", res.Stderr)
	}
	if res := c.Run(t, nil, "docker", "logout", r.Host); res.ExitCode != 0 {
		t.Fatalf("docker logout: exit %d\nstderr: %s", res.ExitCode, res.Stderr)
	}
	if m := helperList(t, c); len(m) != 0 {
		t.Errorf("list after docker logout = %v, want nothing", m)
	}
}
