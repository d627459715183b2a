package login

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/keystore/keystoretest"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/builtin"
)

// fakePrompter answers prompts and records them.
type fakePrompter struct {
	user, pass string
	asked      []string
}

func (p *fakePrompter) Input(prompt string) (string, error) {
	p.asked = append(p.asked, prompt)
	return p.user, nil
}

func (p *fakePrompter) Password(prompt string) (string, error) {
	p.asked = append(p.asked, prompt)
	return p.pass, nil
}

// verifyCall is what the fake Verify was asked.
type verifyCall struct {
	Server   string
	Cred     auth.Credential
	Insecure bool
}

type cred = auth.Credential

func TestLogin(t *testing.T) {
	t.Parallel()
	invalid := fmt.Errorf("verifying login to ghcr.io: %w: GET https://ghcr.io/v2/: 401 Unauthorized", regauth.ErrInvalidCredentials)
	tests := []struct {
		name     string
		opts     Options // flags only
		stdin    string
		tty      bool
		prompt   fakePrompter
		stored   map[string]cred
		result   regauth.Result
		vErr     error
		want     map[string]cred
		wantCall *verifyCall
		wantOut  string
		wantErr  error  // errors.Is; or
		errText  string // substring
		stderr   []string
		asked    []string
	}{
		{
			name:     "verified, stored under the canonical host",
			opts:     Options{Server: "HTTPS://Ghcr.IO/owner/img", Username: "octocat", PasswordStdin: true},
			stdin:    "tok\n",
			result:   regauth.Result{Method: regauth.MethodBearer},
			want:     map[string]cred{"ghcr.io": {Username: "octocat", Secret: "tok"}},
			wantCall: &verifyCall{Server: "HTTPS://Ghcr.IO/owner/img", Cred: cred{Username: "octocat", Secret: "tok"}},
			wantOut:  "Login Succeeded\nCredentials for ghcr.io stored in the file keystore (/data/regkey/store)\n",
		},
		{
			name:    "Docker Hub by default",
			opts:    Options{Username: "u", PasswordStdin: true},
			stdin:   "p\r\n",
			result:  regauth.Result{Method: regauth.MethodBearer},
			want:    map[string]cred{auth.HubKey: {Username: "u", Secret: "p"}},
			wantOut: "Login Succeeded\nCredentials for https://index.docker.io/v1/ stored in the file keystore (/data/regkey/store)\n",
		},
		{
			name:   "docker.io is Hub",
			opts:   Options{Server: "docker.io", Username: "u", Password: "p"},
			result: regauth.Result{Method: regauth.MethodBearer},
			want:   map[string]cred{auth.HubKey: {Username: "u", Secret: "p"}},
			stderr: []string{"WARNING! Using --password via the CLI is insecure. Use --password-stdin."},
		},
		{
			name:    "rejected: nothing stored",
			opts:    Options{Server: "ghcr.io", Username: "u", PasswordStdin: true},
			stdin:   "bad",
			stored:  map[string]cred{"quay.io": {Username: "q", Secret: "s"}},
			vErr:    invalid,
			want:    map[string]cred{"quay.io": {Username: "q", Secret: "s"}},
			wantErr: regauth.ErrInvalidCredentials,
		},
		{
			name:    "anonymous registry: stored with a warning",
			opts:    Options{Server: "localhost:5000", Username: "u", PasswordStdin: true},
			stdin:   "p",
			result:  regauth.Result{Method: regauth.MethodNone, Anonymous: true},
			want:    map[string]cred{"localhost:5000": {Username: "u", Secret: "p"}},
			wantOut: "Credentials for localhost:5000 stored in the file keystore (/data/regkey/store)\n",
			stderr:  []string{"WARNING: localhost:5000: registry allows anonymous access; credentials not verified"},
		},
		{
			name:    "anonymous registry with --strict",
			opts:    Options{Server: "localhost:5000", Username: "u", PasswordStdin: true, Strict: true},
			stdin:   "p",
			result:  regauth.Result{Method: regauth.MethodNone, Anonymous: true},
			want:    map[string]cred{},
			errText: "credentials not verified; nothing stored (--strict)",
		},
		{
			name:   "--no-verify",
			opts:   Options{Server: "h.example", Username: "u", PasswordStdin: true, NoVerify: true},
			stdin:  "p",
			want:   map[string]cred{"h.example": {Username: "u", Secret: "p"}},
			stderr: []string{"WARNING: h.example: credentials not verified (--no-verify)"},
		},
		{
			name:    "--identity-token stores the refresh token",
			opts:    Options{Server: "h.example", Username: "u", PasswordStdin: true, IdentityToken: true},
			stdin:   "p",
			result:  regauth.Result{Method: regauth.MethodBearer, IdentityToken: "rt"},
			want:    map[string]cred{"h.example": {Username: auth.TokenUsername, Secret: "rt"}},
			wantOut: "Login Succeeded\nAn identity token for h.example stored in the file keystore (/data/regkey/store)\n",
		},
		{
			name:   "--identity-token without one issued",
			opts:   Options{Server: "h.example", Username: "u", PasswordStdin: true, IdentityToken: true},
			stdin:  "p",
			result: regauth.Result{Method: regauth.MethodBasic},
			want:   map[string]cred{"h.example": {Username: "u", Secret: "p"}},
			stderr: []string{"issued no identity token; storing the password"},
		},
		{
			name:     "--insecure reaches the verifier",
			opts:     Options{Server: "h.example:5000", Username: "u", PasswordStdin: true, Insecure: true},
			stdin:    "p",
			result:   regauth.Result{Method: regauth.MethodBasic},
			want:     map[string]cred{"h.example:5000": {Username: "u", Secret: "p"}},
			wantCall: &verifyCall{Server: "h.example:5000", Cred: cred{Username: "u", Secret: "p"}, Insecure: true},
		},
		{
			name:    "no terminal, no password",
			opts:    Options{Server: "h.example", Username: "u"},
			want:    map[string]cred{},
			errText: "cannot prompt for a password: stdin is not a terminal",
		},
		{
			name:    "empty stdin",
			opts:    Options{Server: "h.example", Username: "u", PasswordStdin: true},
			stdin:   "\n",
			want:    map[string]cred{},
			errText: "no password on stdin",
		},
		{
			name:   "terminal prompts",
			opts:   Options{Server: "h.example"},
			tty:    true,
			prompt: fakePrompter{user: " alice ", pass: "pw"},
			result: regauth.Result{Method: regauth.MethodBasic},
			want:   map[string]cred{"h.example": {Username: "alice", Secret: "pw"}},
			asked:  []string{"Username: ", "Password: "},
		},
		{
			name:   "terminal prompt offers the stored user",
			opts:   Options{Server: "h.example"},
			tty:    true,
			prompt: fakePrompter{pass: "new"},
			stored: map[string]cred{"h.example": {Username: "alice", Secret: "old"}},
			result: regauth.Result{Method: regauth.MethodBasic},
			want:   map[string]cred{"h.example": {Username: "alice", Secret: "new"}},
			asked:  []string{"Username (alice): ", "Password: "},
		},
		{
			name:   "other spellings are replaced, repository keys kept",
			opts:   Options{Server: "ghcr.io", Username: "u", Password: "new"},
			result: regauth.Result{Method: regauth.MethodBearer},
			stored: map[string]cred{
				"https://ghcr.io": {Username: "old", Secret: "1"}, "GHCR.io:443": {Username: "old", Secret: "2"},
				"ghcr.io/owner/img": {Username: "o", Secret: "3"}, "quay.io": {Username: "q", Secret: "4"},
			},
			want: map[string]cred{"ghcr.io": {Username: "u", Secret: "new"},
				"ghcr.io/owner/img": {Username: "o", Secret: "3"}, "quay.io": {Username: "q", Secret: "4"}},
			stderr: []string{`Replaced the older entry "GHCR.io:443"`, `Replaced the older entry "https://ghcr.io"`},
		},
		{
			name:    "not a registry key",
			opts:    Options{Server: auth.HubKey + "access-token", Username: "u", Password: "p"},
			want:    map[string]cred{},
			errText: "is not a registry",
		},
		{
			name:    "verbose logs the requests",
			opts:    Options{Server: "h.example", Username: "u", Password: "p", Verbose: true},
			result:  regauth.Result{Method: regauth.MethodBasic},
			want:    map[string]cred{"h.example": {Username: "u", Secret: "p"}},
			stderr:  []string{"regkey: GET https://h.example/v2/: 200 OK"},
			wantOut: "Login Succeeded\nCredentials for h.example stored in the file keystore (/data/regkey/store)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
			mem, open := keystoretest.Memory(t, tt.stored)
			var call *verifyCall
			prompt := tt.prompt
			opts := tt.opts
			opts.In, opts.InTTY, opts.Out, opts.ErrOut = strings.NewReader(tt.stdin), tt.tty, out, errOut
			opts.Keystore, opts.Prompt = open, &prompt
			opts.Verify = func(_ context.Context, server string, c auth.Credential, vo regauth.Options) (regauth.Result, error) {
				call = &verifyCall{Server: server, Cred: c, Insecure: vo.Insecure}
				if vo.Log != nil {
					vo.Log("GET %s: %s", "https://h.example/v2/", "200 OK")
				}
				return tt.result, tt.vErr
			}
			err := Login(context.Background(), opts)
			switch {
			case tt.wantErr != nil || tt.errText != "":
				if err == nil {
					t.Fatal("Login() succeeded, want an error")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error = %v, want errors.Is %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("error = %q, want it to contain %q", err, tt.errText)
				}
				if out.Len() != 0 {
					t.Errorf("stdout = %q on failure, want nothing", out)
				}
			case err != nil:
				t.Fatalf("Login() error = %v\nstderr: %s", err, errOut)
			}
			if diff := cmp.Diff(tt.want, mem.Snapshot(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			if tt.wantCall != nil {
				if diff := cmp.Diff(tt.wantCall, call); diff != "" {
					t.Errorf("verify call (-want +got):\n%s", diff)
				}
			}
			if tt.opts.NoVerify && call != nil {
				t.Error("--no-verify still called the registry")
			}
			if tt.wantOut != "" && out.String() != tt.wantOut {
				t.Errorf("stdout = %q, want %q", out, tt.wantOut)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(errOut.String(), s) {
					t.Errorf("stderr = %q, want it to contain %q", errOut, s)
				}
			}
			if diff := cmp.Diff(tt.asked, prompt.asked); diff != "" {
				t.Errorf("prompts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoginKeystoreError(t *testing.T) {
	t.Parallel()
	called := false
	opts := Options{In: strings.NewReader("p"), Out: io.Discard, ErrOut: io.Discard, Server: "h.example", Username: "u", PasswordStdin: true,
		Keystore: func(context.Context) (keystore.Store, keystore.Info, error) {
			return nil, keystore.Info{}, fmt.Errorf("opening the os keystore: %w", auth.ErrUnavailable)
		},
		Verify: func(context.Context, string, auth.Credential, regauth.Options) (regauth.Result, error) {
			called = true
			return regauth.Result{}, nil
		},
	}
	if err := Login(context.Background(), opts); !errors.Is(err, auth.ErrUnavailable) {
		t.Errorf("error = %v, want ErrUnavailable", err)
	}
	if called {
		t.Error("verified although the keystore could not be opened")
	}
}

func TestLoginHint(t *testing.T) {
	t.Parallel()
	k, _ := auth.ParseKey("h.example:5000")
	for _, tc := range []struct {
		err  error
		hint string
	}{
		{regauth.ErrInvalidCredentials, "nothing was stored"},
		{regauth.ErrPlainHTTP, "--insecure"},
		{regauth.ErrCertificate, "/etc/docker/certs.d/h.example:5000/ca.crt"},
		{regauth.ErrUnsupported, "--no-verify"},
		{regauth.ErrRedirect, "only to the host they are for"},
		{regauth.ErrPlainHTTPTokenServer, "needs HTTPS"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
			"nothing accepted the connection to h.example:5000: is the registry running, and are the host and port right?"},
		{&net.OpError{Op: "proxyconnect", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
			"the proxy named by HTTPS_PROXY or HTTP_PROXY could not be reached: check the proxy, or add h.example:5000 to NO_PROXY"},
		{&net.DNSError{Err: "no such host", Name: "h.example", IsNotFound: true}, "h.example:5000 does not resolve: check the host name"},
		{context.DeadlineExceeded, "h.example:5000 did not answer: is the registry up"},
	} {
		if err := loginHint(fmt.Errorf("x: %w", tc.err), k); !strings.Contains(cmderr.HintOf(err), tc.hint) {
			t.Errorf("loginHint(%v) = %v, want a hint containing %q", tc.err, err, tc.hint)
		}
	}
}

func TestLoginProviderNote(t *testing.T) {
	t.Parallel()
	errOut := &bytes.Buffer{}
	mem, open := keystoretest.Memory(t, nil)
	opts := Options{In: strings.NewReader("p"), Out: io.Discard, ErrOut: errOut, Keystore: open, Server: "ghcr.io", Username: "u", PasswordStdin: true, NoVerify: true,
		Owner: func(k auth.Key) (string, string, error) { return "ghcr", "built-in detection", nil }}
	if err := Login(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	want := "NOTE: ghcr.io is served by the ghcr provider (built-in detection): clients get credentials from it first; this login is used only when it has none."
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	if _, ok := mem.Snapshot()["ghcr.io"]; !ok {
		t.Error("not stored")
	}
}

func TestProviderOwner(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := dir + "/config.yaml"
	if err := os.WriteFile(cfg, []byte("registries:\n  - match: registry.example.com\n    provider: acr\n  - match: ghcr.io\n    provider: keystore\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	owner := ProviderOwner(func() (*providers.Router, error) {
		settings, err := config.Load(cfg)
		if err != nil {
			return nil, err
		}
		return builtin.NewRouter(config.Env{"HOME": dir}, settings.Registries)
	})
	for host, want := range map[string]string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr",
		"registry.example.com":                         "acr",
		"ghcr.io":                                      "",
		"localhost:5000":                               "",
	} {
		k, _ := auth.ParseKey(host)
		got, reason, err := owner(k)
		if err != nil || got != want || (want != "" && reason == "") {
			t.Errorf("owner(%s) = %q, %q, %v; want %q", host, got, reason, err, want)
		}
	}
}
