package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/internal/version"
)

// protoEnv is a private environment with the file keystore and a random key.
func protoEnv(t *testing.T) config.Env {
	t.Helper()
	dir := t.TempDir()
	return config.Env{
		"HOME":               filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME":    filepath.Join(dir, "config"),
		"XDG_DATA_HOME":      filepath.Join(dir, "data"),
		"XDG_CACHE_HOME":     filepath.Join(dir, "cache"),
		"REGKEY_KEYSTORE":    "file",
		"REGKEY_FILE_KEY":    randomKey(t),
		"REGKEY_CONFIG":      filepath.Join(dir, "absent.yaml"),
		"HTTPS_PROXY":        "http://127.0.0.1:9",
		"NO_PROXY":           "127.0.0.1,localhost",
		"DOCKER_CONFIG":      filepath.Join(dir, "docker"),
		"XDG_RUNTIME_DIR":    filepath.Join(dir, "run"),
		"REGISTRY_AUTH_FILE": filepath.Join(dir, "auth.json"),
	}
}

func randomKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// runHelper runs regkey in-process as argv, with stdin, and returns its
// streams and exit code.
func runHelper(ctx context.Context, env config.Env, stdin string, argv ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	ios := cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	code = Run(ctx, argv, ios, env)
	return out.String(), errOut.String(), code
}

const helperPath = "/usr/local/bin/docker-credential-regkey"

func TestProtocolRoundTrip(t *testing.T) {
	t.Parallel()
	env := protoEnv(t)
	ctx := context.Background()
	steps := []struct {
		argv        []string
		stdin       string
		stdout      string
		code        int
		stderrEmpty bool
	}{
		{[]string{helperPath, "list"}, "unused", "{}\n", 0, true},
		{[]string{helperPath, "get"}, "127.0.0.1:5101", "credentials not found in native keychain\n", 1, true},
		{[]string{helperPath, "store"}, `{"ServerURL":"127.0.0.1:5101","Username":"\u003ctoken\u003e","Secret":"rt-1"}` + "\n", "", 0, true},
		{[]string{helperPath, "store"}, `{"ServerURL":"https://index.docker.io/v1/","Username":"bob","Secret":"pat"}` + "\n", "", 0, true},
		{[]string{helperPath, "get"}, "127.0.0.1:5101", `{"ServerURL":"127.0.0.1:5101","Username":"\u003ctoken\u003e","Secret":"rt-1"}` + "\n", 0, true},
		{[]string{helperPath, "get"}, "127.0.0.1:5101/test/hello", `{"ServerURL":"127.0.0.1:5101/test/hello","Username":"\u003ctoken\u003e","Secret":"rt-1"}` + "\n", 0, true},
		{[]string{helperPath, "get"}, "docker.io", `{"ServerURL":"docker.io","Username":"bob","Secret":"pat"}` + "\n", 0, true},
		{[]string{"docker-credential-regkey.exe", "get"}, "registry-1.docker.io", `{"ServerURL":"registry-1.docker.io","Username":"bob","Secret":"pat"}` + "\n", 0, true},
		{[]string{helperPath, "list"}, "", `{"127.0.0.1:5101":"\u003ctoken\u003e","https://index.docker.io/v1/":"bob"}` + "\n", 0, true},
		{[]string{"regkey", "helper", "get"}, "docker.io", `{"ServerURL":"docker.io","Username":"bob","Secret":"pat"}` + "\n", 0, true},
		{[]string{helperPath, "erase"}, "http://127.0.0.1:5101", "", 0, true},
		{[]string{helperPath, "erase"}, "127.0.0.1:5101", "", 0, true},
		{[]string{helperPath, "get"}, "127.0.0.1:5101", "credentials not found in native keychain\n", 1, true},
		{[]string{helperPath, "store"}, `{"ServerURL":"bad key","Username":"u","Secret":"s"}`,
			"docker-credential-regkey: storing credentials: server key \"bad key\" contains white space or control characters\n", 1, false},
		{[]string{helperPath, "version"}, "", "docker-credential-regkey (github.com/regkey/regkey) " + version.Version + "\n", 0, true},
		{[]string{helperPath, "--version"}, "", "docker-credential-regkey (github.com/regkey/regkey) " + version.Version + "\n", 0, true},
		{[]string{helperPath}, "", "Usage: docker-credential-regkey <store|get|erase|list|version>\n", 1, true},
		{[]string{helperPath, "get", "x"}, "", "Usage: docker-credential-regkey <store|get|erase|list|version>\n", 1, true},
		{[]string{helperPath, "logout"}, "", "docker-credential-regkey: unknown action: logout\n", 1, true},
		{[]string{"regkey", "helper", "-h"}, "", "Usage: regkey helper <store|get|erase|list|version>\n", 0, true},
		{[]string{"regkey", "helper"}, "", "Usage: regkey helper <store|get|erase|list|version>\n", 1, true},
	}
	for i, st := range steps {
		out, errOut, code := runHelper(ctx, env, st.stdin, st.argv...)
		if out != st.stdout || code != st.code {
			t.Errorf("step %d %v <%q: %d %q, want %d %q\nstderr: %s", i, st.argv[1:], st.stdin, code, out, st.code, st.stdout, errOut)
		}
		if st.stderrEmpty && errOut != "" {
			t.Errorf("step %d %v: unexpected stderr %q", i, st.argv[1:], errOut)
		}
	}
}

// The version verb and the usage line never open the keystore: they work
// with a keystore setting that cannot be opened.
func TestProtocolVersionOpensNothing(t *testing.T) {
	t.Parallel()
	env := protoEnv(t)
	env["REGKEY_KEYSTORE"] = "bogus"
	out, errOut, code := runHelper(context.Background(), env, "", helperPath, "version")
	if code != 0 || !strings.HasPrefix(out, "docker-credential-regkey (github.com/regkey/regkey) ") || errOut != "" {
		t.Errorf("version: %d %q %q", code, out, errOut)
	}
}

// A keystore that cannot be opened or read: get answers not found and says
// why on stderr; store, erase and list fail with one line and the cause.
func TestProtocolKeystoreFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	bogus := protoEnv(t)
	bogus["REGKEY_KEYSTORE"] = "bogus"

	wrongKey := protoEnv(t)
	if _, errOut, code := runHelper(ctx, wrongKey, `{"ServerURL":"ghcr.io","Username":"u","Secret":"s"}`, helperPath, "store"); code != 0 {
		t.Fatalf("store: %d %s", code, errOut)
	}
	wrongKey["REGKEY_FILE_KEY"] = randomKey(t)

	tests := []struct {
		name   string
		env    config.Env
		verb   string
		stdin  string
		stdout string // prefix
		stderr []string
	}{
		{"bad setting, get", bogus, "get", "ghcr.io", "credentials not found in native keychain\n",
			[]string{`regkey: warning: cannot read the keystore for ghcr.io, answering "not found": REGKEY_KEYSTORE="bogus"`}},
		{"bad setting, store", bogus, "store", `{"ServerURL":"ghcr.io","Username":"u","Secret":"s"}`,
			`docker-credential-regkey: storing credentials for ghcr.io: REGKEY_KEYSTORE="bogus": want auto, os, pass or file`,
			[]string{"docker-credential-regkey store: storing credentials for ghcr.io"}},
		{"bad setting, list", bogus, "list", "unused", `docker-credential-regkey: listing credentials: REGKEY_KEYSTORE="bogus"`, nil},
		{"bad setting, erase", bogus, "erase", "ghcr.io", `docker-credential-regkey: erasing credentials for ghcr.io: REGKEY_KEYSTORE="bogus"`, nil},
		{"wrong file key, get", wrongKey, "get", "ghcr.io", "credentials not found in native keychain\n",
			[]string{`regkey: warning: cannot read the keystore for ghcr.io, answering "not found": `,
				"hint: run `regkey doctor`"}},
		{"wrong file key, store", wrongKey, "store", `{"ServerURL":"quay.io","Username":"u","Secret":"s"}`,
			"docker-credential-regkey: storing credentials for quay.io: ", []string{"hint: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runHelper(ctx, tt.env, tt.stdin, helperPath, tt.verb)
			if code != 1 || !strings.HasPrefix(out, tt.stdout) || strings.Count(out, "\n") != 1 {
				t.Errorf("%d %q, want 1 and one line starting %q", code, out, tt.stdout)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			for _, secret := range []string{tt.env["REGKEY_FILE_KEY"], `"Secret":"s"`} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("output leaks %q", secret)
				}
			}
		})
	}
}

// The caller's context bounds a client that never closes stdin. It is
// canceled rather than given a deadline: regkey's own ProtocolTimeout would
// end the request too, but it says "deadline exceeded", never "canceled".
func TestProtocolHonoursDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(100*time.Millisecond, cancel)
	var out, errOut bytes.Buffer
	never := neverReader{}
	code := testenv.Returns(t, "get with a stdin that never ends", func() int {
		return Run(ctx, []string{helperPath, "get"}, cmdutil.IOStreams{In: never, Out: &out, ErrOut: &errOut}, protoEnv(t))
	})
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), "context canceled") {
		t.Errorf("stdout %q, want the caller's cancellation", out.String())
	}
}

// neverReader blocks forever, like a terminal nobody types into.
type neverReader struct{}

func (neverReader) Read([]byte) (int, error) { select {} }

// get asks the providers first: a host-named environment variable (the env
// provider) answers before the keystore, list shows only the keystore, and
// a broken settings file leaves the keystore answering with a warning.
func TestProtocolProviders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := protoEnv(t)
	env["REGKEY_AUTH_127_0_0_1_5000"] = "ci:s3cr:et"
	env["REGKEY_AUTH_127_0_0_1_5001"] = "no-colon"
	for _, k := range []string{"127.0.0.1:5000", "127.0.0.1:5001", "127.0.0.1:5002"} {
		if _, errOut, code := runHelper(ctx, env, `{"ServerURL":"`+k+`","Username":"me","Secret":"stored"}`, helperPath, "store"); code != 0 {
			t.Fatalf("store %s: %d %s", k, code, errOut)
		}
	}
	out, errOut, code := runHelper(ctx, env, "127.0.0.1:5000", helperPath, "get")
	if want := `{"ServerURL":"127.0.0.1:5000","Username":"ci","Secret":"s3cr:et"}` + "\n"; code != 0 || out != want {
		t.Errorf("provider get: %d %q, want %q (stderr %q)", code, out, want, errOut)
	}
	// A broken provider with a stored credential: the stored one, warned.
	out, errOut, code = runHelper(ctx, env, "127.0.0.1:5001", helperPath, "get")
	if want := `{"ServerURL":"127.0.0.1:5001","Username":"me","Secret":"stored"}` + "\n"; code != 0 || out != want ||
		!strings.Contains(errOut, "using the credential stored in the keystore") || strings.Contains(errOut, "no-colon") {
		t.Errorf("broken provider get: %d %q (stderr %q)", code, out, errOut)
	}
	out, _, code = runHelper(ctx, env, "127.0.0.1:5002", helperPath, "get")
	if want := `{"ServerURL":"127.0.0.1:5002","Username":"me","Secret":"stored"}` + "\n"; code != 0 || out != want {
		t.Errorf("keystore get: %d %q", code, out)
	}
	out, _, code = runHelper(ctx, env, "unused", helperPath, "list")
	if want := `{"127.0.0.1:5000":"me","127.0.0.1:5001":"me","127.0.0.1:5002":"me"}` + "\n"; code != 0 || out != want {
		t.Errorf("list: %d %q", code, out)
	}

	// A broken provider and nothing stored: its error, one line, exit 1.
	bare := protoEnv(t)
	bare["REGKEY_AUTH_127_0_0_1_5001"] = "no-colon"
	out, _, code = runHelper(ctx, bare, "127.0.0.1:5001", helperPath, "get")
	if code != 1 || !strings.HasPrefix(out, "docker-credential-regkey: ") || strings.Count(out, "\n") != 1 ||
		strings.Contains(out, "no-colon") {
		t.Errorf("broken provider, nothing stored: %d %q", code, out)
	}

	// An unreadable settings file: providers off, keystore still answers.
	broken := protoEnv(t)
	settings := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(settings, []byte("registries: [ {match: \"ghcr.io\", provider: nosuch} ]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	broken["REGKEY_CONFIG"] = settings
	broken["REGKEY_AUTH_127_0_0_1_5000"] = "ci:s3cret"
	out, errOut, code = runHelper(ctx, broken, "127.0.0.1:5000", helperPath, "get")
	if code != 1 || out != "credentials not found in native keychain\n" || !strings.Contains(errOut, "registry providers are off") {
		t.Errorf("bad settings: %d %q (stderr %q)", code, out, errOut)
	}
}
