package testenv

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RegistryUser is the user name every test registry accepts. The password
// is random per registry (Registry.Password).
const RegistryUser = "regkey-test"

// Registry is a running docker-registry (distribution 2.8) on loopback with
// its own storage, stopped when the test ends.
type Registry struct {
	// Host is what clients put in image references and logins:
	// "127.0.0.1:PORT", or "localhost:PORT" for a token-auth registry.
	Host string
	// URL is scheme://Host.
	URL string
	// User and Password are the only accepted credentials.
	User, Password string
	// Dir holds the registry's config, htpasswd, storage and log.
	Dir string
	// Config is the registry's configuration file, as
	// `docker-registry garbage-collect` takes it.
	Config string
	// CA is the authority that signed the registry's certificate when it
	// serves TLS, else nil.
	CA *CA
	// Token is the token server when the registry uses token auth, else nil.
	Token *TokenServer
}

// RegistryOptions select how a registry authenticates and serves. The zero
// value is plain HTTP with htpasswd (Basic) auth.
type RegistryOptions struct {
	// TLS serves HTTPS with a certificate from a new CA (Registry.CA) that
	// names 127.0.0.1, ::1 and localhost.
	TLS bool
	// Token uses token auth with a TokenServer (Registry.Token) instead of
	// htpasswd; clients then address the registry as localhost:PORT.
	Token bool
	// User and Password, when set, replace RegistryUser and the random
	// password: for providers whose user name is fixed (ACR's null GUID,
	// Google's oauth2accesstoken) and whose token a fake issues. bcrypt
	// reads at most 72 bytes of a password.
	User, Password string
	// BlobRedirect, when set, makes the registry answer blob GETs with a
	// 307 to this base URL (scheme://host:port) plus the blob's storage
	// path, through distribution's redirect storage middleware: what
	// registries on object storage do with presigned URLs. The blob is at
	// that same path under Dir/storage.
	BlobRedirect string
}

// BasicRegistry starts a plain-HTTP registry with htpasswd (Basic) auth on
// 127.0.0.1.
func BasicRegistry(t testing.TB) *Registry { return NewRegistry(t, RegistryOptions{}) }

// TokenRegistry starts a plain-HTTP registry with token auth, and its
// token server, both addressed as localhost.
func TokenRegistry(t testing.TB) *Registry { return NewRegistry(t, RegistryOptions{Token: true}) }

// TLSRegistry starts an HTTPS registry with htpasswd auth and its own CA.
func TLSRegistry(t testing.TB) *Registry { return NewRegistry(t, RegistryOptions{TLS: true}) }

// NewRegistry starts a registry as opts describe and waits until /v2/
// answers 401. It fails the test if docker-registry (or, for htpasswd auth,
// htpasswd) is missing in CI; elsewhere it skips.
func NewRegistry(t testing.TB, opts RegistryOptions) *Registry {
	t.Helper()
	bin := RequireProgram(t, "docker-registry")
	r := &Registry{User: RegistryUser, Password: "pw-" + randomHex(t, 12), Dir: t.TempDir()}
	if opts.User != "" {
		r.User = opts.User
	}
	if opts.Password != "" {
		r.Password = opts.Password
	}
	var authYAML string
	if opts.Token {
		r.Token = startTokenServer(t, r.Dir, r.User, r.Password)
		authYAML = fmt.Sprintf("auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n",
			r.Token.Realm, r.Token.Service, r.Token.Issuer, r.Token.CertFile)
	} else {
		htpasswd := writeHtpasswd(t, r.Dir, r.User, r.Password)
		authYAML = fmt.Sprintf("auth:\n  htpasswd:\n    realm: regkey-test\n    path: %s\n", htpasswd)
	}
	var tlsYAML string
	client := &http.Client{Timeout: 2 * time.Second}
	if opts.TLS {
		r.CA = NewCA(t)
		cert, key := r.CA.IssueServer(t, r.Dir)
		tlsYAML = fmt.Sprintf("  tls:\n    certificate: %s\n    key: %s\n", cert, key)
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: r.CA.Pool()}}
	}
	name, scheme := "127.0.0.1", "http"
	if opts.Token {
		name = "localhost"
	}
	if opts.TLS {
		scheme = "https"
	}
	// A port found free can be taken before the registry binds it: retry.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		r.Host, r.URL = hostPort(name, port), scheme+"://"+hostPort(name, port)
		cfg := filepath.Join(r.Dir, "config.yml")
		r.Config = cfg
		writeFile(t, cfg, registryConfig(r.Dir, hostPort("127.0.0.1", port), authYAML+redirectYAML(opts.BlobRedirect), tlsYAML))
		cmd := exec.Command(bin, "serve", cfg)
		cmd.Dir = r.Dir
		// distribution reads every REGISTRY_* variable as configuration
		// (podman's REGISTRY_AUTH_FILE breaks it): give it a clean env.
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + r.Dir}
		d := startDaemon(t, "docker-registry", cmd, filepath.Join(r.Dir, "registry.log"))
		err = waitStatus(t, client, d, r.URL+"/v2/", http.StatusUnauthorized)
		if err == nil {
			return r
		}
		d.stop()
		if !strings.Contains(d.logTail(), "address already in use") {
			t.Fatalf("starting registry: %v\nlog:\n%s", err, d.logTail())
		}
	}
	t.Fatalf("starting registry: %v", err)
	return nil
}

// registryConfig is distribution's YAML configuration.
func registryConfig(dir, addr, authYAML, tlsYAML string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: regkey-testenv-not-a-secret
%s%s`, filepath.Join(dir, "storage"), addr, tlsYAML, authYAML)
}

// redirectYAML configures distribution's redirect storage middleware for
// base, or nothing when base is empty.
func redirectYAML(base string) string {
	if base == "" {
		return ""
	}
	return fmt.Sprintf("middleware:\n  storage:\n    - name: redirect\n      options:\n        baseurl: %s\n", base)
}

// writeHtpasswd writes a bcrypt htpasswd file made by htpasswd, with the
// password passed on stdin (never in argv).
func writeHtpasswd(t testing.TB, dir, user, password string) string {
	t.Helper()
	bin := RequireProgram(t, "htpasswd")
	ctx, cancel := withTestDeadline(t)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-niB", user)
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("htpasswd: %v", err)
	}
	path := filepath.Join(dir, "htpasswd")
	writeFile(t, path, string(out))
	return path
}

// HTTPClient returns a client that trusts the registry's CA (if any) and
// never uses a proxy.
func (r *Registry) HTTPClient() *http.Client {
	tr := &http.Transport{Proxy: nil}
	if r.CA != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: r.CA.Pool()}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// Log returns the registry's log so far (warnings and errors only).
func (r *Registry) Log() string {
	b, _ := os.ReadFile(filepath.Join(r.Dir, "registry.log"))
	return string(b)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}
