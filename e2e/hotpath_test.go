package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// Processes asking for one cold key at once make one token request.
func TestConcurrentColdGetsOneRequest(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	c := hotClient(t, fake.URL)
	const n = 8
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = c.Command(ctx, testenv.HelperName, "get")
		cmds[i].Stdin = strings.NewReader(ecrHost)
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout = outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	want := ecrfake.Password(hotKeyID, "us-east-1")
	for i, cmd := range cmds {
		var got cred
		if err := cmd.Wait(); err != nil || json.Unmarshal(outs[i].Bytes(), &got) != nil || got.Secret != want {
			t.Errorf("process %d: %v, stdout %q", i, err, outs[i])
		}
	}
	if got := len(fake.Requests()); got != 1 {
		t.Errorf("%d processes asking for one cold key made %d token requests, want 1", n, got)
	}
}

// A cold get over HTTPS that assumes a role (STS, then ECR, on one fake
// host) sets up TLS once: one connection, one handshake.
func TestColdHTTPSGetOneHandshake(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	srv := httptest.NewUnstartedServer(fake.Config.Handler)
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
