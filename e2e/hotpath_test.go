package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regkey/regkey/internal/kubelet"
	"github.com/regkey/regkey/internal/kubelet/kubelettest"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
)

// The hot path of a get, checked by counts (requests, files, handshakes),
// never by time. BENCHMARKS.md has the timings.

// hotKeyID signs the requests of these tests, so their calls can be told
// from other tests' on a shared fake.
const hotKeyID = "AKIDE2EHOTPATH000001"

// hotClient is a client whose ECR calls go to url with static keys.
func hotClient(t *testing.T, url string) *testenv.Client {
	t.Helper()
	c := newProviderClient(t)
	c.Setenv("AWS_ACCESS_KEY_ID", hotKeyID)
	c.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-hot-secret")
	c.Setenv("AWS_ENDPOINT_URL_ECR", url)
	return c
}

// fileState is every regular file under dir with its size and mtime.
func fileState(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			m[p] = fi.ModTime().Format(time.RFC3339Nano) + " " + strconv.FormatInt(fi.Size(), 10)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A cache hit touches nothing but the cache entry: with the CA bundle
// missing, the AWS config files unreadable and the keystore unreachable, it
// still answers, quietly, with no request made and no file written (no log
// file per call).
func TestCacheHitTouchesNothing(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	c := hotClient(t, fake.URL)
	want := ecrfake.Password(hotKeyID, "us-east-1")
	if got, ok := helperGet(t, c, ecrHost); !ok || got.Secret != want {
		t.Fatalf("cold get = %+v, %v", got, ok)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Fatalf("cold get made %d token requests, want 1", n)
	}

	// The AWS config files become directories (reading them fails) at the
	// same paths: their names are part of the cache key, their contents are
	// not read on a hit.
	for _, name := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		if err := os.MkdirAll(c.Getenv(name), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	c.Setenv("AWS_CA_BUNDLE", filepath.Join(c.Dir, "nonexistent-ca.pem"))
	c.Setenv("REGKEY_KEYSTORE", "os")
	c.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(c.Dir, "no-bus"))
	before := fileState(t, c.Dir)
	for range 3 {
		res := c.Run(t, []byte(ecrHost+"/team/app"), testenv.HelperName, "get")
		var got cred
		if res.ExitCode != 0 || json.Unmarshal([]byte(res.Stdout), &got) != nil || got.Secret != want {
			t.Fatalf("cached get with every other source broken: exit %d, stdout %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
		}
		if res.Stderr != "" {
			t.Errorf("cached get wrote to stderr: %q", res.Stderr)
		}
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d token requests after 3 cached gets, want the cold get's 1", n)
	}
	after := fileState(t, c.Dir)
	for p, s := range after {
		if before[p] != s {
			t.Errorf("a cached get wrote %s", p)
		}
	}
}

// concurrentGets starts one docker-credential-regkey get per key, all at
// once, and fails the test unless each answers want(key).
func concurrentGets(t *testing.T, c *testenv.Client, keys []string, want func(key string) string) {
	t.Helper()
	ctx := testenv.Context(t) // 20 processes at once are slow on a busy machine
	cmds := make([]*exec.Cmd, len(keys))
	outs := make([]*bytes.Buffer, len(keys))
	for i := range cmds {
		cmds[i] = c.Command(ctx, testenv.HelperName, "get")
		cmds[i].Stdin = strings.NewReader(keys[i])
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout = outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		var got cred
		if err := cmd.Wait(); err != nil || json.Unmarshal(outs[i].Bytes(), &got) != nil || got.Secret != want(keys[i]) {
			t.Errorf("process %d (%s): %v, stdout %q", i, keys[i], err, outs[i])
		}
	}
}

// 20 processes asking for one cold key at once make one token request (the
// reference ECR helper makes 20).
func TestConcurrentColdGetsOneRequest(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	c := hotClient(t, fake.URL)
	const n = 20
	keys := make([]string, n)
	for i := range keys {
		keys[i] = ecrHost
	}
	want := ecrfake.Password(hotKeyID, "us-east-1")
	concurrentGets(t, c, keys, func(string) string { return want })
	if got := len(fake.Requests()); got != 1 {
		t.Errorf("%d processes asking for one cold key made %d token requests, want 1", n, got)
	}
}

// 20 processes asking for 20 registries at once (20 ECR accounts) keep all
// 20 tokens: a second round is served entirely from the cache.
func TestConcurrentColdGetsKeepEveryRegistry(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	c := hotClient(t, fake.URL)
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("1000000000%02d.dkr.ecr.us-east-1.amazonaws.com", i)
	}
	want := ecrfake.Password(hotKeyID, "us-east-1")
	concurrentGets(t, c, keys, func(string) string { return want })
	if got := len(fake.Requests()); got != len(keys) {
		t.Fatalf("%d cold registries made %d token requests, want one each", len(keys), got)
	}
	entries, _ := filepath.Glob(filepath.Join(c.Getenv("XDG_CACHE_HOME"), "regkey", "*.json"))
	if len(entries) != len(keys) {
		t.Errorf("token cache holds %d entries, want %d", len(entries), len(keys))
	}
	concurrentGets(t, c, keys, func(string) string { return want })
	if got := len(fake.Requests()); got != len(keys) {
		t.Errorf("a second round made %d more token requests, want none", got-len(keys))
	}
}

// A cold get over HTTPS that assumes a role (STS, then ECR, on one fake
// host) sets up TLS once: one connection, one handshake.
//
// The server takes only the first connection; later ones wait unanswered
// until the test ends. Go's HTTP client may start a second dial while the
// first connection is on its way back to the idle pool (more often the
// busier the machine), and then use whichever is ready first; here only the
// first can be, so the count does not depend on scheduling. A client that
// needed a second connection (its own transport for ECR) would fail.
func TestColdHTTPSGetOneHandshake(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	srv := httptest.NewUnstartedServer(fake.Config.Handler)
	srv.Listener = firstConnOnly(t, srv.Listener)
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := hotClient(t, srv.URL)
	bundle := filepath.Join(c.Dir, "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("AWS_CA_BUNDLE", bundle)
	c.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	path := filepath.Join(c.Dir, "regkey-config.yaml")
	yaml := "registries:\n  - match: \"" + ecrHost + "\"\n    provider: ecr\n    aws_role_arn: arn:aws:iam::123456789012:role/puller\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("REGKEY_CONFIG", path)
	got, ok := helperGet(t, c, ecrHost)
	if !ok || got.Secret != ecrfake.Password(ecrfake.RoleAccessKey, "us-east-1") {
		t.Fatalf("get with an assumed role over HTTPS = %+v, %v", got, ok)
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 (AssumeRole, GetAuthorizationToken)", n)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d TLS connections for one cold get, want 1", n)
	}
}

// firstConnOnly passes on the first connection l accepts and holds every
// later one, unanswered, until the test ends.
func firstConnOnly(t *testing.T, l net.Listener) net.Listener {
	f := &heldListener{Listener: l}
	t.Cleanup(f.release)
	return f
}

type heldListener struct {
	net.Listener
	once   sync.Once
	mu     sync.Mutex
	served bool
	held   []net.Conn
}

func (l *heldListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		first := !l.served
		l.served = true
		if !first {
			l.held = append(l.held, c)
		}
		l.mu.Unlock()
		if first {
			return c, nil
		}
	}
}

func (l *heldListener) release() {
	l.once.Do(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, c := range l.held {
			c.Close()
		}
	})
}

// hangingEndpoint returns the host:port of a loopback listener that accepts
// connections and never answers: a cloud endpoint, metadata service or
// token URL that hangs.
func hangingEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// getKey runs docker-credential-regkey get for key.
func getKey(t *testing.T, c *testenv.Client, key string) testenv.Result {
	t.Helper()
	return c.Run(t, []byte(key), testenv.HelperName, "get")
}

// assertBoundedFailure checks a get that failed on an endpoint that never
// answers: it ended by itself (exit 1; Client.Run kills a command only at
// the test's deadline) with one line on stdout naming the provider, the
// registry and the timeout, and no secret. How long it took is not checked:
// that depends on the machine, and the endpoint would have waited forever.
func assertBoundedFailure(t *testing.T, res testenv.Result, provider, host, bound string, secrets ...string) {
	t.Helper()
	out := strings.TrimSpace(res.Stdout)
	if res.ExitCode != 1 || out == notFound || strings.Contains(out, "\n") {
		t.Fatalf("get: exit %d, stdout %q, stderr %q; want exit 1 and a one-line error", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, want := range []string{provider, host} {
		if !strings.Contains(out, want) {
			t.Errorf("error %q does not name %q", out, want)
		}
	}
	// The error says that a bound cut the call off, and which.
	if !strings.Contains(out, bound) {
		t.Errorf("error %q does not say that the call timed out (%q)", out, bound)
	}
	for _, s := range secrets {
		if strings.Contains(res.Stdout+res.Stderr, s) {
			t.Errorf("output leaks a secret: %q", res.Stdout+res.Stderr)
		}
	}
}

// assertNotFoundSaysWhy checks a get that found no identity: the exact
// not-found answer, and one stderr line naming the provider.
func assertNotFoundSaysWhy(t *testing.T, res testenv.Result, provider string) {
	t.Helper()
	if res.ExitCode != 1 || strings.TrimSpace(res.Stdout) != notFound {
		t.Fatalf("get: exit %d, stdout %q, stderr %q; want not found", res.ExitCode, res.Stdout, res.Stderr)
	}
	if lines := strings.Split(strings.TrimSpace(res.Stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], provider) {
		t.Errorf("stderr %q: want one line naming %s", res.Stderr, provider)
	}
}

// boundCase is one provider whose endpoint hangs.
type boundCase struct {
	name, provider string
	// setup arms c so that a get for the key it returns reaches hang.
	setup func(t *testing.T, c *testenv.Client, hang string) string
	// quick: no identity is configured, so the provider probes for one
	// (IMDS, the GCE metadata server) and answers not found.
	quick bool
	// bound is how the error names the bound that ended the call: the
	// provider's own ("within 20s"), or, where a bound inside the SDK or
	// the transport fires first (a TLS handshake, an SDK's per-try
	// deadline), "timed out".
	bound string
}

// boundCases covers each provider's network calls: the probe for an
// ambient identity, the token call and, for ACR and ECR roles, the second
// hop.
var boundCases = []boundCase{
	{name: "EC2 metadata service (no AWS credentials)", provider: "ecr", quick: true,
		setup: func(t *testing.T, c *testenv.Client, hang string) string {
			c.Unsetenv("AWS_EC2_METADATA_DISABLED")
			c.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://"+hang)
			return ecrHost
		}},
	{name: "ECR API", bound: "within 20s", provider: "ecr", setup: func(t *testing.T, c *testenv.Client, hang string) string {
		setAWSKeys(c)
		c.Setenv("AWS_ENDPOINT_URL_ECR", "http://"+hang)
		return ecrHost
	}},
	{name: "ECR Public API", bound: "within 20s", provider: "ecr-public", setup: func(t *testing.T, c *testenv.Client, hang string) string {
		setAWSKeys(c)
		c.Setenv("AWS_ENDPOINT_URL_ECR_PUBLIC", "http://"+hang)
		return "public.ecr.aws"
	}},
	{name: "STS for a rule's role", bound: "within 20s", provider: "ecr", setup: func(t *testing.T, c *testenv.Client, hang string) string {
		setAWSKeys(c)
		c.Setenv("AWS_ENDPOINT_URL_STS", "http://"+hang)
		writeRegkeyConfig(t, c, "registries:\n  - match: \""+ecrHost+"\"\n    provider: ecr\n    aws_role_arn: arn:aws:iam::123456789012:role/puller\n")
		return ecrHost
	}},
	{name: "Entra authority", bound: "timed out", provider: "acr", setup: func(t *testing.T, c *testenv.Client, hang string) string {
		c.Setenv("AZURE_TENANT_ID", "7f8e9d00-1111-2222-3333-444455556666")
		c.Setenv("AZURE_CLIENT_ID", "c1d2e3f4-0000-0000-0000-000000000001")
		c.Setenv("AZURE_CLIENT_SECRET", "e2e-azure-client-secret")
		c.Setenv("AZURE_AUTHORITY_HOST", "https://"+hang)
		return "myregistry.azurecr.io"
	}},
	{name: "Azure managed identity endpoint", bound: "timed out", provider: "acr", setup: func(t *testing.T, c *testenv.Client, hang string) string {
		c.Setenv("IDENTITY_ENDPOINT", "http://"+hang+"/msi/token")
		c.Setenv("IDENTITY_HEADER", "e2e-identity-header")
		return "myregistry.azurecr.io"
	}},
	{name: "Azure IMDS through a hanging proxy (no Azure identity)", provider: "acr", quick: true,
		setup: func(t *testing.T, c *testenv.Client, hang string) string {
			for _, v := range []string{"HTTP_PROXY", "http_proxy"} {
				c.Setenv(v, "http://"+hang)
			}
			return "myregistry.azurecr.io"
		}},
	{name: "ACR exchange", bound: "timed out", provider: "acr", setup: func(t *testing.T, c *testenv.Client, hang string) string {
		const host = "registry.example.test"
		f := newFakeEntra(t, host, "unused")
		routeToACR(t, c, f, host, true)
		writeRegkeyConfig(t, c, "registries:\n  - match: "+host+"\n    provider: acr\n    exchange_url: https://"+hang+"/oauth2/exchange\n")
		return host
	}},
	{name: "GCE metadata server (no Google credentials)", provider: "gcr", quick: true,
		setup: func(t *testing.T, c *testenv.Client, hang string) string {
			c.Setenv("GCE_METADATA_HOST", hang)
			return "us-docker.pkg.dev"
		}},
	{name: "Google token endpoint", bound: "within 20s", provider: "gcr", setup: func(t *testing.T, c *testenv.Client, hang string) string {
		creds, _ := json.Marshal(map[string]string{"type": "authorized_user", "client_id": "e2e.apps.googleusercontent.com",
			"client_secret": "e2e-google-client-secret", "refresh_token": "1//e2e-refresh", "token_uri": "http://" + hang + "/token"})
		file := filepath.Join(t.TempDir(), "adc.json")
		if err := os.WriteFile(file, creds, 0o600); err != nil {
			t.Fatal(err)
		}
		c.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
		return "gcr.io"
	}},
	{name: "gh CLI", bound: "within 20s", provider: "ghcr", setup: func(t *testing.T, c *testenv.Client, hang string) string {
		dir := filepath.Join(c.Dir, "hung-gh")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		testenv.WriteExecutable(t, filepath.Join(dir, "gh"), []byte("#!/bin/sh\n"+testenv.Hang(t)+"\n"))
		c.Setenv("PATH", dir+string(os.PathListSeparator)+c.Getenv("PATH"))
		return "ghcr.io"
	}},
}

// setAWSKeys gives c static AWS keys.
func setAWSKeys(c *testenv.Client) {
	c.Setenv("AWS_ACCESS_KEY_ID", ecrKeyID)
	c.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-secret-access-key")
}

// TestProviderBounds: for every network call of every provider, an endpoint
// that accepts the connection and never answers (until the test ends)
// cannot hold a get through the built binary (docker and podman would wait
// forever): a probe for an ambient identity ends in not found, any other
// call in an error naming the registry, the provider and the timeout. The
// providers' bounds are 20 s per get and a few seconds per probe; the test
// checks that the gets end, not how soon, which depends on the machine. The
// gets run at once, so the test takes as long as the slowest.
func TestProviderBounds(t *testing.T) {
	t.Parallel()
	hang := hangingEndpoint(t)
	type outcome struct {
		key string
		res testenv.Result
	}
	outs := make([]outcome, len(boundCases))
	clients := make([]*testenv.Client, len(boundCases))
	for i, bc := range boundCases {
		clients[i] = newProviderClient(t)
		outs[i].key = bc.setup(t, clients[i], hang)
	}
	var wg sync.WaitGroup
	for i := range boundCases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i].res = getKey(t, clients[i], outs[i].key)
		}()
	}
	wg.Wait()
	secrets := []string{"e2e-secret-access-key", "e2e-azure-client-secret", "e2e-identity-header", "e2e-google-client-secret", "1//e2e-refresh"}
	for i, bc := range boundCases {
		t.Run(bc.name, func(t *testing.T) {
			o := outs[i]
			if bc.quick {
				assertNotFoundSaysWhy(t, o.res, bc.provider)
				return
			}
			assertBoundedFailure(t, o.res, bc.provider, o.key, bc.bound, secrets...)
		})
	}
}

// lookAlikes are keys shaped like a provider's registry that are not it:
// suffixes, prefixes, a registry host in the path, userinfo, other ports,
// broken spellings. Each must get the keystore's answer and cause no token
// request. The GitLab and env hosts are the ones TestLookAlikesGetNoToken
// arms.
var lookAlikes = []string{
	// GHCR
	"ghcr.io.evil.example", "evil.example/ghcr.io", "https://evil.example/ghcr.io/v2/", "xghcr.io", "ghcr.iox",
	"sub.ghcr.io", "ghcr.io:5000", "ghcr.io:8443", "ghcr.io:0443", "ghcr-io.evil.example", "ghcr.io.",
	"user@ghcr.io", "https://user:pass@ghcr.io/v2/", "ghcr.io@evil.example", "evil.example#ghcr.io",
	"evil.example?ghcr.io", `evil.example\ghcr.io`, "ghcr.io%2eevil.example", "ghcr.io:443.evil.example",
	"ftp://ghcr.io", "GHCR.IO.EVIL.EXAMPLE", "docker.pkg.github.com",
	// Google
	"xgcr.io", "gcr.io.evil.example", "evil.example/gcr.io", "us.gcr.io.evil.example", "gcr.io:5000",
	"evilgcr.io", "gcr.io-evil.example", "pkg.dev", "docker.pkg.dev", "evilpkg.dev",
	"us-docker.pkg.dev.evil.example", "us-docker.pkg.dev:5000", "us-docker.xpkg.dev", "evil.example/us-docker.pkg.dev",
	"docker.us-west1.rep.pkg.dev.evil.example", "rep.pkg.dev", "us_docker.pkg.dev",
	// ECR private: a suffix, a wrong account, a userinfo part, a port, the path
	"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:5000",
	"AWS@123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https://AWS:pw@123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/",
	"12345678901.dkr.ecr.us-east-1.amazonaws.com", "1234567890123.dkr.ecr.us-east-1.amazonaws.com",
	"x123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr.amazonaws.com",
	"123456789012.ecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.org",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com.cn.evil.example", "123456789012.dkr-ecr.us-east-1.on.aws.evil.example",
	"123456789012.dkrxecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr-fipsx.us-east-1.amazonaws.com",
	"evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com",
	// ECR Public
	"public.ecr.aws.evil.example", "xpublic.ecr.aws", "evil.public.ecr.aws", "ecr.aws", "public.ecr.aws:5000",
	"ecr-public.aws.com.evil.example", "evil.example/public.ecr.aws", "public-ecr.aws",
	// ACR
	"myregistry.azurecr.io.evil.example", "azurecr.io", "xazurecr.io", "myregistryazurecr.io",
	"myregistry.azurecr.io:5000", "evil.example/myregistry.azurecr.io", "my-registry.azurecr.io",
	"abc.azurecr.io", "myregistry.azurecr.com", "myregistry.azurecr.io-evil.example", "user@myregistry.azurecr.io",
	// GitLab's CI_REGISTRY and dependency proxy, as armed below
	"registry.gitlab.example.test.evil.example", "xregistry.gitlab.example.test", "registry.gitlab.example.test:5050",
	"evil.example/registry.gitlab.example.test", "gitlab.example.test:8443", "gitlab.example.test.evil.example",
	// The host with an env credential, as armed below
	"registry-example.test", "registry.example.test.evil.example", "xregistry.example.test", "registry.example.test:5000",
	"evil.example/registry.example.test", "registry_example.test",
	// Unicode look-alikes of every armed host. Unicode case rules fold
	// U+0130 'İ' and the Kelvin sign U+212A onto 'i' and 'k'
	// (strings.ToLower), U+017F 'ſ' and U+0131 'ı' onto 'S' and 'I'
	// (ToUpper, EqualFold); fullwidth letters and dots, the ideographic full
	// stop and Cyrillic letters fold onto nothing but look the same. No
	// registry host has any of them.
	"ghcr.\u0130o", "GHCR.\u0130O", "https://ghcr.\u0130o/v2/", "ghcr.\u0130o/owner/img", "ghcr.\u0130o:443", "ghcr.\u0131o",
	"\uff47hcr.io", "\uff27\uff28\uff23\uff32.io", "ghcr\uff0eio", "ghcr\u3002io", "ghcr.i\u043e", "ghcr.io\u200b",
	"gcr.\u0130o", "us.gcr.\u0130o", "us-docker.p\u212Ag.dev", "europe-west1-docker.p\u212Ag.dev", "docker.us-west1.rep.p\u212Ag.dev",
	"123456789012.d\u212Ar.ecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr.us-ea\u017ft-1.amazonaws.com",
	"publ\u0130c.ecr.aws", "public.ecr.aw\u017f", "PUBL\u0131C.ECR.AWS",
	"myreg\u0130stry.azurecr.\u0130o", "myregistry.azurecr.\u0130o",
	"reg\u0130stry.gitlab.example.test", "REG\u0130STRY.GITLAB.EXAMPLE.TEST", "g\u0130tlab.example.test", "g\u0130tlab.example.test:443",
	"reg\u0130stry.example.test", "registry.example.te\u017ft", "https://reg\u0130stry.example.test/",
	// ... and of the look-alike the keystore holds a credential for: the
	// keystore's other-spelling fallback must not answer them either.
	"ghcr.io.ev\u0130l.example", "GHCR.IO.EV\u0130L.EXAMPLE", "ghcr.io.evil.exampl\u0435",
}

// unicodeImages are images on Unicode look-alikes of the armed hosts, for
// kubelet-provider.
var unicodeImages = []string{
	"ghcr.\u0130o/owner/app", "us-docker.p\u212Ag.dev/p/r/app", "123456789012.d\u212Ar.ecr.us-east-1.amazonaws.com/app",
	"publ\u0130c.ecr.aws/x/app", "myreg\u0130stry.azurecr.io/app", "reg\u0130stry.gitlab.example.test/g/app",
	"reg\u0130stry.example.test/app", "ghcr.io.ev\u0130l.example/app",
}

// TestLookAlikesGetNoToken arms every provider with a working identity
// (AWS keys, an Azure managed identity endpoint, a Google credentials file,
// a logged-in gh, GitLab CI variables, an env credential) whose use is
// counted, then asks the built binary for every look-alike key: each gets
// the exact not-found answer, or the keystore's credential, with nothing
// on stderr, no token request, no gh run and no cache entry. The real
// hosts, asked last, do reach their providers, which shows the arming works.
func TestLookAlikesGetNoToken(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	var mu sync.Mutex
	hits := map[string]int{}
	armed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/msi/token":
			_ = json.NewEncoder(w).Encode(map[string]string{"access_token": "aad-lookalike", "token_type": "Bearer",
				"resource": "https://containerregistry.azure.net", "expires_on": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)})
		case "/token":
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "ya29.lookalike", "token_type": "Bearer", "expires_in": 3599})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(armed.Close)
	hitCount := func(path string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[path]
	}

	c := newProviderClient(t)
	setAWSKeys(c)
	c.Setenv("AWS_ENDPOINT_URL_ECR", fake.URL)
	c.Setenv("AWS_ENDPOINT_URL_ECR_PUBLIC", fake.URL)
	c.Setenv("IDENTITY_ENDPOINT", armed.URL+"/msi/token")
	c.Setenv("IDENTITY_HEADER", "e2e-identity-header")
	creds, _ := json.Marshal(map[string]string{"type": "authorized_user", "client_id": "e2e.apps.googleusercontent.com",
		"client_secret": "e2e-google-client-secret", "refresh_token": "1//e2e-refresh", "token_uri": armed.URL + "/token"})
	credFile := filepath.Join(t.TempDir(), "adc.json")
	if err := os.WriteFile(credFile, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("GOOGLE_APPLICATION_CREDENTIALS", credFile)
	ghDir := filepath.Join(c.Dir, "counted-gh")
	ghLog := filepath.Join(c.Dir, "gh-runs.log")
	if err := os.MkdirAll(ghDir, 0o700); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho run >> '" + ghLog + "'\necho gho_lookalike\n"
	testenv.WriteExecutable(t, filepath.Join(ghDir, "gh"), []byte(script))
	c.Setenv("PATH", ghDir+string(os.PathListSeparator)+c.Getenv("PATH"))
	c.Setenv("CI_REGISTRY", "registry.gitlab.example.test")
	c.Setenv("CI_DEPENDENCY_PROXY_SERVER", "gitlab.example.test:443")
	c.Setenv("CI_JOB_TOKEN", "e2e-job-token")
	c.Setenv("REGKEY_AUTH_REGISTRY_EXAMPLE_TEST", "ci:e2e-env-secret")
	// A credential stored for a look-alike is the keystore's to give.
	helperStore(t, c, "ghcr.io.evil.example", "evil-user", "stored-for-the-look-alike")

	for _, key := range lookAlikes {
		res := c.Run(t, []byte(key), testenv.HelperName, "get")
		switch {
		case key == "ghcr.io.evil.example" || key == "GHCR.IO.EVIL.EXAMPLE":
			var got cred
			if res.ExitCode != 0 || json.Unmarshal([]byte(res.Stdout), &got) != nil || got.Secret != "stored-for-the-look-alike" {
				t.Errorf("get %q: exit %d, stdout %q; want the keystore's credential", key, res.ExitCode, res.Stdout)
			}
		case res.ExitCode != 1 || strings.TrimSpace(res.Stdout) != notFound:
			t.Errorf("get %q: exit %d, stdout %q; want the exact not-found answer", key, res.ExitCode, res.Stdout)
		}
		if res.Stderr != "" {
			t.Errorf("get %q wrote to stderr (a provider was asked?): %q", key, res.Stderr)
		}
	}
	// kubelet-provider refuses an image on a look-alike host (the kubelet
	// logs the reason) and gives no credential.
	secrets := []string{"gho_lookalike", "ya29.lookalike", "e2e-job-token", "e2e-env-secret", "stored-for-the-look-alike",
		ecrfake.Password(ecrKeyID, "us-east-1")}
	for _, image := range unicodeImages {
		req, err := kubelettest.EncodeRequest(kubelet.APIVersionV1, image)
		if err != nil {
			t.Fatal(err)
		}
		res := c.Run(t, req, "regkey", "kubelet-provider")
		if res.ExitCode != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, "is not allowed") {
			t.Errorf("kubelet-provider for %q: exit %d, stdout %q, stderr %q; want exit 1 naming the character", image, res.ExitCode, res.Stdout, res.Stderr)
		}
		for _, s := range secrets {
			if strings.Contains(res.Stdout+res.Stderr, s) {
				t.Errorf("kubelet-provider for %q gave a secret", image)
			}
		}
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("look-alikes made %d AWS token requests: %+v", len(reqs), reqs)
	}
	for _, p := range []string{"/msi/token", "/token"} {
		if n := hitCount(p); n != 0 {
			t.Errorf("look-alikes made %d requests to %s", n, p)
		}
	}
	if _, err := os.Stat(ghLog); err == nil {
		t.Error("a look-alike ran gh")
	}
	if entries, _ := os.ReadDir(filepath.Join(c.Getenv("XDG_CACHE_HOME"), "regkey")); len(entries) != 0 {
		t.Errorf("look-alikes left %d files in the token cache", len(entries))
	}

	// The real hosts reach the armed providers.
	for key, want := range map[string]string{
		ecrHost:                          ecrfake.Password(ecrKeyID, "us-east-1"),
		"public.ecr.aws":                 ecrfake.Password(ecrKeyID, "us-east-1"),
		"gcr.io":                         "ya29.lookalike",
		"ghcr.io":                        "gho_lookalike",
		"registry.gitlab.example.test":   "e2e-job-token",
		"gitlab.example.test":            "e2e-job-token",
		"registry.example.test":          "e2e-env-secret",
		"https://registry.example.test/": "e2e-env-secret",
	} {
		if got, ok := helperGet(t, c, key); !ok || got.Secret != want {
			t.Errorf("get %s = %+v, %v; want the armed provider's %q", key, got, ok, want)
		}
	}
	// The ACR exchange goes to the (unreachable) registry itself; the
	// managed identity call before it shows that the provider was asked.
	c.Run(t, []byte("myregistry.azurecr.io"), testenv.HelperName, "get")
	if hitCount("/msi/token") == 0 {
		t.Error("myregistry.azurecr.io did not reach the armed ACR provider")
	}
	if len(fake.Requests()) != 2 {
		t.Errorf("AWS token requests %+v, want one each for ECR and ECR Public", fake.Requests())
	}
	if _, err := os.Stat(ghLog); err != nil {
		t.Error("ghcr.io did not run the armed gh")
	}
}
