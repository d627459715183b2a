package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/envcred"
)

// storageRecorder stands in for object storage on another loopback host: it
// serves the blobs of a registry configured with BlobRedirect from the
// registry's storage directory, and records every request whole (line,
// headers, body) so a test can assert that no credential reached it.
type storageRecorder struct {
	srv *httptest.Server
	dir string // the registry's storage root, once known

	mu   sync.Mutex
	reqs []string
}

// newStorageRecorder starts the recorder; its base URL names it as name
// ("localhost" or "127.0.0.1"), which must not be the registry's.
func newStorageRecorder(t *testing.T, name string) (*storageRecorder, string) {
	t.Helper()
	s := &storageRecorder{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		s.mu.Lock()
		s.reqs = append(s.reqs, fmt.Sprintf("%s %s %s\n%v\n%s", r.Method, r.Host, r.URL, r.Header, body))
		dir := s.dir
		s.mu.Unlock()
		if strings.Contains(r.URL.Path, "..") || dir == "" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, filepath.FromSlash(r.URL.Path)))
	}))
	t.Cleanup(s.srv.Close)
	port := s.srv.Listener.Addr().String()[strings.LastIndex(s.srv.Listener.Addr().String(), ":")+1:]
	return s, "http://" + name + ":" + port
}

func (s *storageRecorder) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// apiEnv is a registry (htpasswd or token auth) whose blob GETs redirect to
// a storage recorder on the other loopback name, seeded with three
// repositories, and a client with regkey and an empty file keystore.
type apiEnv struct {
	r       *testenv.Registry
	c       *testenv.Client
	storage *storageRecorder
	v1, v2  *testenv.Image
}

func newAPIEnv(t *testing.T, token bool) *apiEnv {
	t.Helper()
	otherName := "localhost" // the htpasswd registry is 127.0.0.1
	if token {
		otherName = "127.0.0.1" // the token registry is localhost
	}
	storage, base := newStorageRecorder(t, otherName)
	r := testenv.NewRegistry(t, testenv.RegistryOptions{Token: token, BlobRedirect: base})
	storage.mu.Lock()
	storage.dir = filepath.Join(r.Dir, "storage")
	storage.mu.Unlock()
	e := &apiEnv{r: r, storage: storage, v1: testenv.NewImage(t, "v1"), v2: testenv.NewImage(t, "v2")}
	r.Push(t, e.v1, "myapp:v1")
	r.Push(t, e.v2, "myapp:v2")
	r.Push(t, testenv.NewImage(t, "v1"), "team/tools:v1")
	r.Push(t, testenv.NewImage(t, "v1"), "zeta:v1")
	e.c = testenv.NewClient(t, testenv.BuildRegkey(t))
	e.c.UseFileKeystore(t)
	return e
}

// api runs regkey api with args and returns the result.
func (e *apiEnv) api(t *testing.T, stdin []byte, args ...string) testenv.Result {
	t.Helper()
	return e.c.Run(t, stdin, "regkey", append([]string{"api"}, args...)...)
}

// mustAPI is api that fails the test unless regkey exits 0.
func (e *apiEnv) mustAPI(t *testing.T, stdin []byte, args ...string) testenv.Result {
	t.Helper()
	res := e.api(t, stdin, args...)
	if res.ExitCode != 0 {
		t.Fatalf("regkey api %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.ExitCode, res.Stdout, res.Stderr)
	}
	return res
}

// tokenScopes returns the scopes of the accepted token requests from n on.
func tokenScopes(r *testenv.Registry, from int) []string {
	var out []string
	for _, tr := range r.Token.Requests()[from:] {
		if tr.Status == http.StatusOK && tr.Account == r.User {
			out = append(out, strings.Join(tr.Scopes, " "))
		}
	}
	return out
}

// TestAPI drives regkey api through the built binary against docker-registry
// with htpasswd and with token auth: the 401 path without a login, the
// catalog paginated with n=1 (one token for every page), tags with
// --paginate --jq, the digest by -X HEAD -i, a manifest PUT with --input
// (file and stdin), a blob download redirected to storage on another host
// that receives no credential, a delete by tag refused and a delete by
// digest (the delete scope negotiated on the token registry).
func TestAPI(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "jq")
	for _, token := range []bool{false, true} {
		name := map[bool]string{false: "htpasswd", true: "token"}[token]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newAPIEnv(t, token)
			r, host := e.r, e.r.Host

			t.Run("no login: 401 with a hint", func(t *testing.T) {
				res := e.api(t, nil, host+"/v2/_catalog")
				if res.ExitCode != 1 || !strings.Contains(res.Stderr, "401 Unauthorized: UNAUTHORIZED") ||
					!strings.Contains(res.Stderr, "hint: regkey has no credentials for "+host+": run `regkey login "+host+"`") {
					t.Errorf("exit %d, stderr:\n%s\nwant 1, the registry's error and a hint to log in", res.ExitCode, res.Stderr)
				}
			})
			t.Run("usage error", func(t *testing.T) {
				if res := e.api(t, nil, "--silent", "--jq", ".x", host+"/v2/"); res.ExitCode != 2 {
					t.Errorf("exit %d, want 2:\n%s", res.ExitCode, res.Stderr)
				}
			})

			e.c.MustRun(t, []byte(r.Password+"\n"), "regkey", "login", "-u", r.User, "--password-stdin", host)

			t.Run("catalog paginated with n=1", func(t *testing.T) {
				from := 0
				if token {
					from = len(r.Token.Requests())
				}
				res := e.mustAPI(t, nil, "-v", host+"/v2/_catalog?n=1", "--paginate", "--jq", ".repositories[]")
				if res.Stdout != "myapp\nteam/tools\nzeta\n" {
					t.Errorf("stdout %q, want the three repositories, one per line", res.Stdout)
				}
				if n := strings.Count(res.Stderr, "< HTTP/1.1 200 OK"); n < 3 {
					t.Errorf("%d pages answered, want 3:\n%s", n, res.Stderr)
				}
				if token {
					if got := tokenScopes(r, from); len(got) != 1 || got[0] != "registry:catalog:*" {
						t.Errorf("token requests for three pages: %q, want one for registry:catalog:*", got)
					}
				}
				if strings.Contains(res.Stdout+res.Stderr, r.Password) {
					t.Error("the password reached the output")
				}
			})

			t.Run("tags", func(t *testing.T) {
				res := e.mustAPI(t, nil, host+"/v2/myapp/tags/list", "--paginate", "--jq", ".tags[]")
				got := strings.Fields(res.Stdout)
				slices.Sort(got)
				if !slices.Equal(got, []string{"v1", "v2"}) {
					t.Errorf("tags %q, want v1 v2", got)
				}
			})

			t.Run("digest with -X HEAD -i", func(t *testing.T) {
				for _, extra := range [][]string{nil, {"-H", "Accept: application/vnd.oci.image.manifest.v1+json"}} {
					res := e.mustAPI(t, nil, append(extra, "-X", "HEAD", "-i", host+"/v2/myapp/manifests/v1")...)
					if !strings.HasPrefix(res.Stdout, "HTTP/1.1 200 OK\n") || !strings.Contains(res.Stdout, "\nDocker-Content-Digest: "+e.v1.Digest+"\n") {
						t.Errorf("%v: stdout:\n%s\nwant the status line and the digest %s", extra, res.Stdout, e.v1.Digest)
					}
				}
			})

			t.Run("PUT a manifest with --input", func(t *testing.T) {
				manifest := e.mustAPI(t, nil, host+"/v2/myapp/manifests/v1").Stdout
				file := filepath.Join(t.TempDir(), "manifest.json")
				if err := os.WriteFile(file, []byte(manifest), 0o600); err != nil {
					t.Fatal(err)
				}
				from := 0
				if token {
					from = len(r.Token.Requests())
				}
				res := e.mustAPI(t, nil, "-X", "PUT", "--input", file, "-i", host+"/v2/myapp/manifests/v3")
				if !strings.HasPrefix(res.Stdout, "HTTP/1.1 201 Created\n") || !strings.Contains(res.Stdout, "Docker-Content-Digest: "+e.v1.Digest) {
					t.Errorf("PUT from a file:\n%s%s", res.Stdout, res.Stderr)
				}
				e.mustAPI(t, []byte(manifest), "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json",
					"--input", "-", host+"/v2/myapp/manifests/v4")
				res = e.mustAPI(t, nil, host+"/v2/myapp/tags/list", "--jq", ".tags | sort | join(\",\")")
				if strings.TrimSpace(res.Stdout) != "v1,v2,v3,v4" {
					t.Errorf("tags after the PUTs: %q", res.Stdout)
				}
				if token && !slices.Contains(tokenScopes(r, from), "repository:myapp:pull,push") {
					t.Errorf("token requests for the PUT: %q, want repository:myapp:pull,push", tokenScopes(r, from))
				}
			})

			t.Run("blob redirected to another host gets no credential", func(t *testing.T) {
				var m struct {
					Layers []struct{ Digest string } `json:"layers"`
				}
				if err := json.Unmarshal([]byte(e.mustAPI(t, nil, host+"/v2/myapp/manifests/v1").Stdout), &m); err != nil || len(m.Layers) != 1 {
					t.Fatalf("manifest: %v %+v", err, m)
				}
				layer := m.Layers[0].Digest
				res := e.mustAPI(t, nil, "-v", host+"/v2/myapp/blobs/"+layer)
				sum := sha256.Sum256([]byte(res.Stdout))
				if "sha256:"+hex.EncodeToString(sum[:]) != layer {
					t.Errorf("downloaded %d bytes that are not %s", len(res.Stdout), layer)
				}
				if !strings.Contains(res.Stderr, "< HTTP/1.1 307 Temporary Redirect") {
					t.Errorf("no redirect in the trace:\n%s", res.Stderr)
				}
				reqs := e.storage.requests()
				if len(reqs) != 1 {
					t.Fatalf("storage got %d requests, want 1: %q", len(reqs), reqs)
				}
				for _, secret := range []string{"Authorization", "Bearer", "Basic", "Cookie", r.Password, "rt-"} {
					if strings.Contains(reqs[0], secret) {
						t.Errorf("storage received %q:\n%s", secret, reqs[0])
					}
				}
			})

			t.Run("delete by tag is refused", func(t *testing.T) {
				res := e.api(t, nil, "-X", "DELETE", host+"/v2/myapp/manifests/v2")
				if res.ExitCode != 1 || !strings.Contains(res.Stderr, "400 Bad Request: DIGEST_INVALID") {
					t.Errorf("exit %d, stderr:\n%s\nwant 1 and the registry's DIGEST_INVALID", res.ExitCode, res.Stderr)
				}
			})

			t.Run("delete by digest", func(t *testing.T) {
				from := 0
				if token {
					from = len(r.Token.Requests())
				}
				res := e.mustAPI(t, nil, "-X", "DELETE", "-i", host+"/v2/myapp/manifests/"+e.v1.Digest)
				if !strings.HasPrefix(res.Stdout, "HTTP/1.1 202 Accepted\n") {
					t.Errorf("stdout:\n%s", res.Stdout)
				}
				if token && !slices.Contains(tokenScopes(r, from), "repository:myapp:delete") {
					t.Errorf("token requests for the delete: %q, want repository:myapp:delete", tokenScopes(r, from))
				}
				res = e.api(t, nil, "-X", "HEAD", host+"/v2/myapp/manifests/v1")
				if res.ExitCode != 1 || !strings.Contains(res.Stderr, "404 Not Found") {
					t.Errorf("after the delete: exit %d, stderr:\n%s\nwant 1 and 404", res.ExitCode, res.Stderr)
				}
				res = e.mustAPI(t, nil, host+"/v2/myapp/tags/list", "--jq", ".tags | sort | join(\",\")")
				if strings.TrimSpace(res.Stdout) != "v2" {
					t.Errorf("tags after the delete: %q, want v2 (v1, v3 and v4 named the deleted manifest)", res.Stdout)
				}
			})
		})
	}
}

// TestReadmeRegistryManagement runs the README's "Registry management"
// commands as they are written, against docker-registry with htpasswd and
// with token auth: only REG and the configuration path of garbage-collect
// are replaced.
func TestReadmeRegistryManagement(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "jq")
	script := readmeBlock(t, "## Registry management")
	for _, token := range []bool{false, true} {
		name := map[bool]string{false: "htpasswd", true: "token"}[token]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := testenv.NewRegistry(t, testenv.RegistryOptions{Token: token})
			v1, v2 := testenv.NewImage(t, "v1"), testenv.NewImage(t, "v2")
			r.Push(t, v1, "myapp:v1")
			r.Push(t, v2, "myapp:v2")
			r.Push(t, testenv.NewImage(t, "v1"), "other:v1")

			c := testenv.NewClient(t, testenv.BuildRegkey(t))
			c.UseFileKeystore(t)
			c.Setenv("REG_USER", r.User)
			c.Setenv("REG_PASSWORD", r.Password)
			// docker-registry reads REGISTRY_* variables as configuration.
			c.Unsetenv("REGISTRY_AUTH_FILE")

			var lines []string
			for _, line := range strings.Split(script, "\n") {
				if strings.HasPrefix(line, "REG=") {
					line = "REG=" + r.Host
				}
				lines = append(lines, strings.ReplaceAll(line, "/etc/docker/registry/config.yml", r.Config))
			}
			lines = append(lines, `printf 'digest=%s\n' "$digest"`)
			res := c.MustRun(t, nil, "sh", "-ec", strings.Join(lines, "\n"))

			for _, want := range []string{"Login Succeeded\n", "myapp\nother\n", "digest=" + v1.Digest + "\n"} {
				if !strings.Contains(res.Stdout, want) {
					t.Errorf("output lacks %q:\n%s", want, res.Stdout)
				}
			}
			if tags := strings.Fields(between(res.Stdout, "myapp\nother\n", "digest=")); len(tags) < 2 || !sameSet(tags[:2], []string{"v1", "v2"}) {
				t.Errorf("tags printed %q, want v1 and v2 after the repositories", tags)
			}
			if strings.Contains(res.Stdout+res.Stderr, r.Password) {
				t.Error("the password reached the output")
			}
			// The manifest is gone, and garbage-collect freed its layer.
			if res := c.Run(t, nil, "regkey", "api", "-X", "HEAD", r.Host+"/v2/myapp/manifests/v1"); res.ExitCode != 1 {
				t.Errorf("myapp:v1 after the delete: exit %d", res.ExitCode)
			}
			layer := layerOf(t, c, r.Host, v2.Digest) // still there
			c.MustRun(t, nil, "regkey", "api", "-X", "HEAD", r.Host+"/v2/myapp/blobs/"+layer)
			if _, err := os.Stat(filepath.Join(r.Dir, "storage", "docker", "registry", "v2", "blobs", "sha256", v1.Digest[7:9], v1.Digest[7:])); err == nil {
				t.Error("garbage-collect left the deleted manifest's blob in storage")
			}
			if !strings.Contains(res.Stdout, "blob eligible for deletion: "+v1.Digest) {
				t.Errorf("garbage-collect did not report the manifest's blob:\n%s", res.Stdout)
			}
		})
	}
}

// readmeBlock returns the first ```sh block after heading in README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatalf("README.md: no sh block under %q", heading)
	}
	return block
}

// layerOf returns the layer digest of the manifest digest in repository
// myapp.
func layerOf(t *testing.T, c *testenv.Client, host, digest string) string {
	t.Helper()
	res := c.MustRun(t, nil, "regkey", "api", host+"/v2/myapp/manifests/"+digest, "--jq", ".layers[0].digest")
	return strings.TrimSpace(res.Stdout)
}

func between(s, start, end string) string {
	_, rest, _ := strings.Cut(s, start)
	out, _, _ := strings.Cut(rest, end)
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestAPITLS: regkey api trusts what regkey login trusts: an HTTPS
// registry's CA from SSL_CERT_FILE or from ~/.docker/certs.d/HOST; an
// unknown CA fails with a hint; --insecure skips verification for this
// registry.
func TestAPITLS(t *testing.T) {
	t.Parallel()
	r := testenv.TLSRegistry(t)
	r.Push(t, testenv.NewImage(t, "v1"), "secure/app:v1")
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	c.UseFileKeystore(t)
	helperStore(t, c, r.Host, r.User, r.Password)
	target := r.Host + "/v2/secure/app/tags/list"

	res := c.Run(t, nil, "regkey", "api", target)
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "certificate") || !strings.Contains(res.Stderr, "hint: put the registry's CA certificate in") {
		t.Errorf("unknown CA: exit %d, stderr:\n%s\nwant 1, a certificate error and a hint", res.ExitCode, res.Stderr)
	}
	if res := c.MustRun(t, nil, "regkey", "api", "--insecure", target, "--jq", ".tags[]"); res.Stdout != "v1\n" {
		t.Errorf("--insecure: stdout %q", res.Stdout)
	}

	c.Setenv("SSL_CERT_FILE", r.CA.CertFile)
	if res := c.MustRun(t, nil, "regkey", "api", target, "--jq", ".tags[]"); res.Stdout != "v1\n" {
		t.Errorf("SSL_CERT_FILE: stdout %q", res.Stdout)
	}
	c.Unsetenv("SSL_CERT_FILE")

	certs := filepath.Join(c.DockerConfig, "certs.d", r.Host)
	if err := os.MkdirAll(certs, 0o700); err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(r.CA.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(certs, "ca.crt"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	if res := c.MustRun(t, nil, "regkey", "api", "https://"+target, "--jq", ".tags[]"); res.Stdout != "v1\n" {
		t.Errorf("certs.d: stdout %q", res.Stdout)
	}
}

// TestAPICredentialSources: regkey api uses whatever docker-credential-regkey
// get gives: a provider's credential (here the env provider, with nothing in
// the keystore) and an identity token stored by `regkey login
// --identity-token`, which it exchanges by the OAuth2 refresh_token POST.
func TestAPICredentialSources(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "jq")
	t.Run("env provider", func(t *testing.T) {
		t.Parallel()
		r := testenv.BasicRegistry(t)
		r.Push(t, testenv.NewImage(t, "v1"), "fromenv:v1")
		c := testenv.NewClient(t, testenv.BuildRegkey(t))
		c.UseFileKeystore(t)
		c.Setenv(envcred.AuthVar(r.Host), r.User+":"+r.Password)
		res := c.MustRun(t, nil, "regkey", "api", r.Host+"/v2/_catalog", "--jq", ".repositories[]")
		if res.Stdout != "fromenv\n" {
			t.Errorf("stdout %q", res.Stdout)
		}
		if list := helperList(t, c); len(list) != 0 {
			t.Errorf("keystore holds %v; the credential was to come from the environment", list)
		}
	})
	t.Run("identity token", func(t *testing.T) {
		t.Parallel()
		r := testenv.TokenRegistry(t)
		r.Push(t, testenv.NewImage(t, "v1"), "withrt:v1")
		c := testenv.NewClient(t, testenv.BuildRegkey(t))
		c.UseFileKeystore(t)
		c.MustRun(t, []byte(r.Password+"\n"), "regkey", "login", "--identity-token", "-u", r.User, "--password-stdin", r.Host)
		if got, ok := helperGet(t, c, r.Host); !ok || got.Username != "<token>" {
			t.Fatalf("stored %+v, want an identity token", got)
		}
		before := r.Token.RefreshGrants()
		res := c.MustRun(t, nil, "regkey", "api", r.Host+"/v2/withrt/tags/list", "--jq", ".tags[]")
		if res.Stdout != "v1\n" {
			t.Errorf("stdout %q", res.Stdout)
		}
		if n := r.Token.RefreshGrants() - before; n != 1 {
			t.Errorf("%d refresh_token grants, want 1", n)
		}
	})
}
