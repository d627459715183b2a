package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/testenv"
)

// realEnv is a private environment with the file keystore, and a dead proxy
// that loopback traffic must bypass.
func realEnv(t *testing.T) config.Env {
	home := t.TempDir()
	return config.Env{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_DATA_HOME":   filepath.Join(home, ".local/share"),
		"XDG_CACHE_HOME":  filepath.Join(home, ".cache"),
		"DOCKER_CONFIG":   filepath.Join(home, ".docker"),
		"REGKEY_KEYSTORE": "file",
		"HTTPS_PROXY":     "http://127.0.0.1:9",
		"HTTP_PROXY":      "http://127.0.0.1:9",
		"NO_PROXY":        "127.0.0.1,localhost",
	}
}

// runRegkey runs the binary's entry point in-process as argv0.
func runRegkey(env config.Env, stdin, argv0 string, args ...string) (int, string, string) {
	ios, out, errOut := cmdtest.IO(stdin, false)
	code := Run(context.Background(), append([]string{argv0}, args...), ios, env)
	return code, out.String(), errOut.String()
}

func TestLoginListLogoutRealRegistry(t *testing.T) {
	t.Parallel()
	r := testenv.BasicRegistry(t)
	env := realEnv(t)

	code, out, errOut := runRegkey(env, "wrong-"+r.Password+"\n", "regkey", "login", "-u", r.User, "--password-stdin", r.Host)
	if code != 1 || out != "" || !strings.Contains(errOut, "invalid credentials") || !strings.Contains(errOut, "hint: ") {
		t.Fatalf("login with a wrong password: code %d, stdout %q, stderr %q", code, out, errOut)
	}
	if strings.Contains(errOut, r.Password) {
		t.Errorf("stderr contains the password: %s", errOut)
	}
	if code, out, _ := runRegkey(env, "", "regkey", "list", "--json"); code != 0 || !strings.Contains(out, `"credentials": []`) {
		t.Fatalf("list after a failed login: code %d, %s", code, out)
	}

	code, out, errOut = runRegkey(env, r.Password+"\n", "regkey", "login", "-u", r.User, "--password-stdin", "http://"+r.Host+"/v2/")
	if code != 0 || !strings.HasPrefix(out, "Login Succeeded\nCredentials for "+r.Host+" stored in the file keystore") {
		t.Fatalf("login: code %d, stdout %q, stderr %q\nregistry log: %s", code, out, errOut, r.Log())
	}

	// docker asks the helper with the host as typed in image references.
	code, out, errOut = runRegkey(env, r.Host, "docker-credential-regkey", "get")
	var got struct{ ServerURL, Username, Secret string }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Username != r.User || got.Secret != r.Password {
		t.Fatalf("helper get %s: code %d, stdout %q, stderr %q", r.Host, code, out, errOut)
	}

	code, out, _ = runRegkey(env, "", "regkey", "list")
	if code != 0 || !strings.Contains(out, r.Host) || !strings.Contains(out, r.User) || strings.Contains(out, r.Password) {
		t.Errorf("list: code %d, stdout %q", code, out)
	}

	code, out, _ = runRegkey(env, "", "regkey", "logout", r.Host)
	if code != 0 || out != "Removed "+r.Host+" ("+r.User+") from the file keystore\n" {
		t.Errorf("logout: code %d, stdout %q", code, out)
	}
	code, out, errOut = runRegkey(env, "", "regkey", "logout", r.Host)
	if code != 0 || out != "" || !strings.Contains(errOut, "Not logged in to "+r.Host) {
		t.Errorf("second logout: code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestLoginIdentityTokenRealTokenRegistry(t *testing.T) {
	t.Parallel()
	r := testenv.TokenRegistry(t)
	env := realEnv(t)
	code, out, errOut := runRegkey(env, r.Password, "regkey", "login", "--identity-token", "-u", r.User, "--password-stdin", r.Host)
	if code != 0 || !strings.HasPrefix(out, "Login Succeeded\nAn identity token for "+r.Host) {
		t.Fatalf("login --identity-token: code %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runRegkey(env, r.Host, "docker-credential-regkey", "get")
	var got struct{ Username, Secret string }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Username != auth.TokenUsername || got.Secret == "" || got.Secret == r.Password {
		t.Fatalf("helper get: code %d, want an identity token", code)
	}
	// The stored identity token logs in on its own (refresh_token grant).
	code, _, errOut = runRegkey(env, got.Secret, "regkey", "login", "-u", auth.TokenUsername, "--password-stdin", r.Host)
	if code != 0 {
		t.Errorf("login with the identity token: code %d, stderr %q", code, errOut)
	}
}
