package acr

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth/authtest"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers"
)

// isolateAzure clears every variable through which azidentity's
// DefaultAzureCredential could find an identity in the process environment
// (it reads the process, not regkey's snapshot), and puts only dir on PATH
// so that az, azd and pwsh are whatever the test puts there.
func isolateAzure(t *testing.T, dir string) {
	t.Helper()
	for _, k := range []string{
		"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
		"AZURE_USERNAME", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "AZURE_TOKEN_CREDENTIALS",
		"AZURE_REGIONAL_AUTHORITY_NAME", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT",
		"MSI_SECRET", "IMDS_ENDPOINT", "AZURE_CONFIG_DIR",
	} {
		unsetenv(t, k)
	}
	t.Setenv("PATH", dir)
	t.Setenv("HOME", dir)
	t.Setenv("HTTPS_PROXY", deadProxy)
	t.Setenv("HTTP_PROXY", deadProxy)
}

// TestGetNoCredentials runs the production path (no injected transport):
// with no Azure environment, no az/azd/pwsh and IMDS unreachable,
// DefaultAzureCredential finds nothing, and the error wraps
// ErrNoCredentials with a one-line hint. (An IMDS that never answers: e2e
// TestProviderBounds.)
func TestGetNoCredentials(t *testing.T) {
	dir := t.TempDir()
	isolateAzure(t, dir)
	env := map[string]string{"HTTPS_PROXY": deadProxy, "HTTP_PROXY": deadProxy, "PATH": dir, "HOME": dir}
	p, err := New(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.(*provider).kind; got != kindDefault {
		t.Fatalf("kind %q, want default", got)
	}
	_, err = p.Get(context.Background(), authtest.Key(t, "myregistry.azurecr.io"))
	if !errors.Is(err, providers.ErrNoCredentials) {
		t.Fatalf("Get error %v, want ErrNoCredentials", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "az login") {
		t.Errorf("error %q: want one line with a hint", msg)
	}
}

// writeFakeAz puts an az on PATH that answers `az account get-access-token`
// for the registry audience with token, or, with hang, never answers.
func writeFakeAz(t *testing.T, dir, token string, hang bool) {
	t.Helper()
	first := ":"
	if hang {
		first = testenv.Hang(t)
	}
	script := `#!/bin/sh
` + first + `
case "$*" in
*"account get-access-token"*"--resource https://containerregistry.azure.net"*)
  echo '{"accessToken":"` + token + `","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}';;
*) echo "unexpected: $*" >&2; exit 2;;
esac
`
	testenv.WriteExecutable(t, filepath.Join(dir, "az"), []byte(script))
	// The CLI credential runs /bin/sh, which needs nothing else from PATH
	// except cat (testenv.Hang).
	if err := os.Symlink("/bin/cat", filepath.Join(dir, "cat")); err != nil {
		t.Fatal(err)
	}
}

// TestGetDefaultAzureCLI: nothing in the environment, a logged-in az on
// PATH. DefaultAzureCredential falls through environment, workload and
// managed identity (IMDS probe refused) to the CLI; the exchange gets the
// CLI's token and the tenant from its tid claim.
func TestGetDefaultAzureCLI(t *testing.T) {
	f := newFakeAzure(t)
	dir := t.TempDir()
	isolateAzure(t, dir)
	writeFakeAz(t, dir, f.issue(), false)
	env := map[string]string{"HTTPS_PROXY": deadProxy, "HTTP_PROXY": deadProxy, "PATH": dir}
	p := testProvider(t, f, env, nil)
	noIMDS(p)
	tok, err := p.Get(context.Background(), registryKey(t, f))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkToken(t, f, tok)
	if got := p.CacheKey(registryKey(t, f)); got != "acr||default|"+f.host() {
		t.Errorf("CacheKey %q", got)
	}
}

// TestGetHangingAzureCLI: an az that never answers (through a child holding
// its output) is bounded by the caller's deadline and reported as a
// timeout, not as "no credentials". The az hangs until the test ends, so a
// Get that waited for it would never return.
func TestGetHangingAzureCLI(t *testing.T) {
	f := newFakeAzure(t)
	dir := t.TempDir()
	isolateAzure(t, dir)
	writeFakeAz(t, dir, "unused", true)
	env := map[string]string{"HTTPS_PROXY": deadProxy, "HTTP_PROXY": deadProxy, "PATH": dir}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := testenv.Returns(t, "Get with a hung az", func() error {
		_, err := testProvider(t, f, env, map[string]string{optCredential: "cli"}).Get(ctx, registryKey(t, f))
		return err
	})
	if err == nil || errors.Is(err, providers.ErrNoCredentials) {
		t.Fatalf("Get error %v, want a timeout failure", err)
	}
	if !strings.Contains(err.Error(), "timed out") {
		t.Errorf("error %q does not say it timed out", err)
	}
}

// noIMDS makes IMDS unreachable for p, as it is off Azure.
func noIMDS(p *provider) {
	tr := p.transport.(*http.Transport)
	dead, _ := url.Parse(deadProxy)
	tr.Proxy = func(r *http.Request) (*url.URL, error) {
		if r.URL.Hostname() == "127.0.0.1" {
			return nil, nil
		}
		return dead, nil
	}
}
