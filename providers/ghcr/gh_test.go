//go:build unix

package ghcr

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers"
)

// offlineEnv is an environment in which any network attempt fails fast.
func offlineEnv(path, configDir string) map[string]string {
	return map[string]string{
		"PATH":          path,
		"HOME":          filepath.Dir(configDir),
		"GH_CONFIG_DIR": configDir,
		"HTTPS_PROXY":   "http://127.0.0.1:9",
		"HTTP_PROXY":    "http://127.0.0.1:9",
		"NO_PROXY":      "127.0.0.1,localhost",
	}
}

// writeHosts writes a gh hosts.yml into a fresh config dir and returns it.
func writeHosts(t *testing.T, content string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "gh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if content != "" {
		if err := os.WriteFile(filepath.Join(dir, "hosts.yml"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeGH writes an executable `gh` script into a fresh directory and
// returns the directory, for use as PATH (together with /bin for sh tools).
func fakeGH(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteExecutable(t, filepath.Join(dir, "gh"), []byte("#!/bin/sh\n"+script))
	return dir
}

func getWith(t *testing.T, env, opts map[string]string) (providers.Token, error) {
	t.Helper()
	p, err := New(env, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p.Get(context.Background(), auth.Key{Raw: Host, Host: Host})
}

// TestRealGH runs the installed gh CLI against a config directory the test
// writes, with every proxy pointed at a dead port: `gh auth token` answers
// from hosts.yml without touching the network.
func TestRealGH(t *testing.T) {
	t.Parallel()
	gh := testenv.RequireProgram(t, "gh")
	cfg := writeHosts(t, "github.com:\n    oauth_token: gho_fromhostsyml\n    user: octocat\n    git_protocol: https\n")
	env := offlineEnv(filepath.Dir(gh), cfg)
	env["GITHUB_ACTOR"] = "actions-user"

	for _, source := range []string{"auto", "gh"} {
		tok, err := getWith(t, env, map[string]string{"token_source": source})
		if err != nil {
			t.Fatalf("%s: Get: %v", source, err)
		}
		if tok.Secret != "gho_fromhostsyml" || tok.Username != "octocat" {
			t.Errorf("%s: got user %q secret %q, want octocat/gho_fromhostsyml", source, tok.Username, tok.Secret)
		}
		if !tok.Expires.IsZero() {
			t.Errorf("%s: Expires = %v, want zero", source, tok.Expires)
		}
	}

	// token_source gh means gh's stored login even when a token variable is
	// set: the variable is not passed on to gh.
	env["GITHUB_TOKEN"] = "ghs_fromenv"
	tok, err := getWith(t, env, map[string]string{"token_source": "gh"})
	if err != nil || tok.Secret != "gho_fromhostsyml" {
		t.Errorf("gh source with GITHUB_TOKEN set: secret %q, err %v", tok.Secret, err)
	}
	// auto prefers the variable.
	tok, err = getWith(t, env, nil)
	if err != nil || tok.Secret != "ghs_fromenv" || tok.Username != "actions-user" {
		t.Errorf("auto with GITHUB_TOKEN set: %q/%q, err %v", tok.Username, tok.Secret, err)
	}
}

func TestRealGHNotLoggedIn(t *testing.T) {
	t.Parallel()
	gh := testenv.RequireProgram(t, "gh")
	for name, hosts := range map[string]string{
		"no hosts.yml":   "",
		"other host":     "example.ghe.com:\n    oauth_token: gho_x\n    user: someone\n",
		"user, no token": "github.com:\n    user: octocat\n",
	} {
		env := offlineEnv(filepath.Dir(gh), writeHosts(t, hosts))
		_, err := getWith(t, env, nil)
		if !errors.Is(err, providers.ErrNoCredentials) {
			t.Errorf("%s: err = %v, want ErrNoCredentials", name, err)
		}
	}
}

func TestGHMissing(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, path := range []string{"", empty, "relative/dir:" + empty, "."} {
		env := offlineEnv(path, writeHosts(t, ""))
		_, err := getWith(t, env, map[string]string{"token_source": "gh"})
		if !errors.Is(err, providers.ErrNoCredentials) || !strings.Contains(err.Error(), "not found on PATH") {
			t.Errorf("PATH=%q: err = %v, want ErrNoCredentials naming PATH", path, err)
		}
	}
}

// TestGHHangs: a gh that never answers, through a child that holds its
// output pipes, is given up on at the gh timeout. The child never ends, so a
// Get that waited for it (or for its pipes) would never return.
func TestGHHangs(t *testing.T) {
	t.Parallel()
	dir := fakeGH(t, testenv.Hang(t)+"\n")
	p, err := New(offlineEnv(dir+":/usr/bin:/bin", writeHosts(t, "")), nil)
	if err != nil {
		t.Fatal(err)
	}
	p.(*Provider).gh.timeout = 300 * time.Millisecond
	err = testenv.Returns(t, "Get with a hung gh", func() error {
		_, err := p.Get(context.Background(), auth.Key{Raw: Host, Host: Host})
		return err
	})
	if err == nil || errors.Is(err, providers.ErrNoCredentials) {
		t.Fatalf("err = %v, want a failure", err)
	}
	if !errors.Is(err, auth.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Errorf("err = %v, want ErrUnavailable and DeadlineExceeded naming the 300ms bound", err)
	}
	if ghTimeout > 20*time.Second {
		t.Errorf("ghTimeout = %v, want at most the providers' 20s", ghTimeout)
	}
}

// TestGHCallerDeadline: the caller's deadline ends a hung gh. The
// provider's own bound is an hour here, so only the caller's 200ms can end
// the call.
func TestGHCallerDeadline(t *testing.T) {
	t.Parallel()
	dir := fakeGH(t, testenv.Hang(t)+"\n")
	p, _ := New(offlineEnv(dir+":/usr/bin:/bin", writeHosts(t, "")), nil)
	p.(*Provider).gh.timeout = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := testenv.Returns(t, "Get with a hung gh and a 200ms deadline", func() error {
		_, err := p.Get(ctx, auth.Key{Raw: Host, Host: Host})
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
}

func TestGHOutputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  string
		want    string // token, when no error
		wantErr string
		noCred  bool
	}{
		{name: "token with newline", script: "printf 'gho_fake\\n'\n", want: "gho_fake"},
		{name: "env passed through", script: "printf 'tok-%s-%s-%s' \"$GH_CONFIG_DIR\" \"${GH_TOKEN:-none}\" \"$GH_NO_UPDATE_NOTIFIER\"\n"},
		{name: "not logged in", script: "echo 'no oauth token found for github.com' >&2; exit 1\n", noCred: true},
		{name: "empty output", script: "exit 0\n", noCred: true},
		{
			name:    "failure keeps stderr, drops stdout",
			script:  "echo SECRET-ON-STDOUT; echo 'keyring: locked' >&2; exit 4\n",
			wantErr: "exit status 4: keyring: locked",
		},
		{name: "two lines", script: "printf 'SECRET-ONE\\nSECRET-TWO\\n'\n", wantErr: "not a single token"},
		{name: "huge output", script: "head -c 100000 /dev/zero | tr '\\0' 'A'\n", wantErr: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeHosts(t, "")
			env := offlineEnv(fakeGH(t, tt.script)+":/usr/bin:/bin", cfg)
			env["GH_TOKEN"] = "" // set but empty: the env source skips it
			tok, err := getWith(t, env, nil)
			switch {
			case tt.noCred:
				if !errors.Is(err, providers.ErrNoCredentials) {
					t.Fatalf("err = %v, want ErrNoCredentials", err)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "AAAA") {
					t.Errorf("error leaks gh's stdout: %v", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				want := tt.want
				if want == "" {
					want = "tok-" + cfg + "-none-1"
				}
				if tok.Secret != want || tok.Username != PlaceholderUsername {
					t.Errorf("got %q/%q, want %q/%q", tok.Username, tok.Secret, PlaceholderUsername, want)
				}
			}
		})
	}
}

// TestGHGetsNoSecrets: gh runs with the session and GH_CONFIG_DIR only;
// none of the secrets in regkey's environment reaches it, nor the token
// variables (the gh source means gh's stored login).
func TestGHGetsNoSecrets(t *testing.T) {
	t.Parallel()
	record := filepath.Join(t.TempDir(), "gh-env")
	cfg := writeHosts(t, "")
	env := offlineEnv(fakeGH(t, "env > '"+record+"'\necho gho_recorded\n")+":/usr/bin:/bin", cfg)
	secrets := map[string]string{
		"GH_TOKEN": "leak-gh-token", "GITHUB_TOKEN": "leak-github-token", "GH_ENTERPRISE_TOKEN": "leak-ghe-token",
		"GITHUB_ENTERPRISE_TOKEN": "leak-ghe-token-2", "REGKEY_FILE_KEY": "leak-file-key", "REGKEY_AUTH_GHCR_IO": "u:leak-auth",
		"REGKEY_PASSWORD_GHCR_IO": "leak-password", "CI_JOB_TOKEN": "leak-job-token", "CI_REGISTRY_PASSWORD": "leak-ci-password",
		"AWS_SECRET_ACCESS_KEY": "leak-aws", "AWS_SESSION_TOKEN": "leak-aws-session", "AZURE_CLIENT_SECRET": "leak-azure",
		"GOOGLE_APPLICATION_CREDENTIALS": "/leak/adc.json", "DOCKER_AUTH_CONFIG": "leak-docker-auth",
	}
	for k, v := range secrets {
		env[k] = v
	}
	env["LANG"], env["XDG_CONFIG_HOME"] = "C.UTF-8", "/xdg/config"
	tok, err := getWith(t, env, map[string]string{"token_source": "gh"})
	if err != nil || tok.Secret != "gho_recorded" {
		t.Fatalf("Get = %+v, %v", tok, err)
	}
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	for k, v := range secrets {
		if strings.Contains(got, k+"=") || strings.Contains(got, v) {
			t.Errorf("gh got %s", k)
		}
	}
	for _, want := range []string{"GH_CONFIG_DIR=" + cfg, "HOME=", "PATH=", "LANG=C.UTF-8", "XDG_CONFIG_HOME=/xdg/config",
		"GH_NO_UPDATE_NOTIFIER=1", "GH_PROMPT_DISABLED=1", "NO_COLOR=1"} {
		if !strings.Contains(got, want) {
			t.Errorf("gh's environment lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "PROXY=") {
		t.Errorf("gh got a proxy, which it does not need and whose URL may hold a password:\n%s", got)
	}
}
