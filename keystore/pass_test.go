package keystore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/keystore/keystoretest"
)

// openPassStore opens the pass backend in its own folder of the shared store.
func openPassStore(t *testing.T) keystore.Store {
	t.Helper()
	s, err := keystore.OpenNamed(passOptions(t), uniqueName("regkey-test"))
	if err != nil {
		t.Fatalf("opening the pass backend: %v", err)
	}
	return s
}

func TestPassConformance(t *testing.T) {
	t.Parallel()
	keystoretest.Run(t, openPassStore)
}

func TestPassLayout(t *testing.T) {
	t.Parallel()
	o := passOptions(t)
	s, info, err := keystore.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(o.Env["PASSWORD_STORE_DIR"], "regkey")
	if info.Backend != "pass" || info.Location != folder {
		t.Errorf("Info = %+v, want location %s", info, folder)
	}
	ctx := context.Background()
	key := "https://index.docker.io/v1/"
	if err := s.Set(ctx, key, auth.Credential{Username: "hub", Secret: "layout-secret"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Delete(ctx, key) })
	want := filepath.Join(folder, "aHR0cHM6Ly9pbmRleC5kb2NrZXIuaW8vdjEv", "u-aHVi.gpg")
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("entry not where documented: %v", err)
	}
	if strings.Contains(string(b), "layout-secret") {
		t.Errorf("entry holds the secret in plaintext")
	}
	tmp, _ := os.ReadDir(filepath.Join(folder, ".tmp"))
	if len(tmp) != 0 {
		t.Errorf("temporary entries left behind: %v", tmp)
	}
}

func TestPassUnavailable(t *testing.T) {
	t.Parallel()
	p := passFixture(t)
	empty := t.TempDir()
	tests := []struct {
		name    string
		env     map[string]string
		mention string
	}{
		{"NotInstalled", map[string]string{"PATH": empty, "PASSWORD_STORE_DIR": p.StoreDir}, "pass is not installed"},
		{"NotInitialised", map[string]string{"PATH": os.Getenv("PATH"), "PASSWORD_STORE_DIR": empty}, "pass init"},
		{"NoStore", map[string]string{"PATH": os.Getenv("PATH")}, "PASSWORD_STORE_DIR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := keystore.Options{Backend: keystore.BackendPass, DataDir: t.TempDir(), Env: tc.env}
			_, _, err := keystore.Open(context.Background(), o)
			if !errors.Is(err, auth.ErrUnavailable) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("Open = %v, want ErrUnavailable mentioning %q", err, tc.mention)
			}
		})
	}
}

// TestPassBrokenGPG: when gpg cannot decrypt (its home is gone), Get fails
// with ErrUnavailable naming the program and action, and no secret.
func TestPassBrokenGPG(t *testing.T) {
	t.Parallel()
	o := passOptions(t)
	name := uniqueName("regkey-test")
	s, err := keystore.OpenNamed(o, name)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Set(ctx, "gpg.example.com", auth.Credential{Username: "u", Secret: "never-in-errors"}); err != nil {
		t.Fatal(err)
	}
	o.Env["GNUPGHOME"] = t.TempDir() // a home without the secret key
	t.Cleanup(func() {
		kill := exec.Command("gpgconf", "--kill", "all")
		kill.Env = append(os.Environ(), "GNUPGHOME="+o.Env["GNUPGHOME"])
		kill.Run()
	})
	broken, err := keystore.OpenNamed(o, name)
	if err != nil {
		t.Fatal(err)
	}
	_, err = broken.Get(ctx, "gpg.example.com")
	if !errors.Is(err, auth.ErrUnavailable) || !strings.Contains(err.Error(), "pass show") {
		t.Fatalf("Get with the wrong GNUPGHOME = %v, want ErrUnavailable naming `pass show`", err)
	}
	if strings.Contains(err.Error(), "never-in-errors") {
		t.Errorf("error reveals the secret: %v", err)
	}
	if m, err := broken.List(ctx); err != nil || m["gpg.example.com"] != "u" {
		t.Errorf("List without gpg = %v, %v; want the key listed", m, err)
	}
}

// TestPassGitConformance runs the suite on a store kept in git, where regkey
// moves and removes entries through pass so that each change is committed.
func TestPassGitConformance(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "git")
	p := testenv.NewPass(t)
	env := p.Env()
	env["HOME"] = p.Dir
	env["PATH"] = testenv.SystemPath() // pass runs gpg, git, getopt and tree
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"} {
		env[k] = "regkey test"
	}
	for _, k := range []string{"GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"} {
		env[k] = "regkey-test@example.invalid"
	}
	cmd := exec.Command("pass", "git", "init")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pass git init: %v: %s", err, out)
	}
	keystoretest.Run(t, func(t *testing.T) keystore.Store {
		o := keystore.Options{Backend: keystore.BackendPass, DataDir: filepath.Join(t.TempDir(), "data"), Env: env}
		s, err := keystore.OpenNamed(o, uniqueName("regkey-git"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	log := exec.Command("git", "-C", p.StoreDir, "log", "--oneline")
	out, err := log.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Rename regkey-git-") {
		t.Errorf("git log shows no commits of regkey's renames: %v\n%s", err, out)
	}
}

// TestPassIgnoresStrayFiles: only u-<name>.gpg files in a key's folder are
// entries; a stray file (an editor's leftover, another tool's entry) newer
// than the real one must not be taken for it.
func TestPassIgnoresStrayFiles(t *testing.T) {
	t.Parallel()
	o := passOptions(t)
	s, _, err := keystore.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key := "stray.example"
	want := auth.Credential{Username: "alice", Secret: "stray-secret"}
	if err := s.Set(ctx, key, want); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Delete(ctx, key) })
	dir := filepath.Join(o.Env["PASSWORD_STORE_DIR"], "regkey", "c3RyYXkuZXhhbXBsZQ")
	for _, name := range []string{"abcd.gpg", "u-bm90LWdwZw", "x-YWxpY2U.gpg"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("not an entry"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(ctx, key)
	if err != nil || got != want {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, want)
	}
	list, err := s.List(ctx)
	if err != nil || list[key] != "alice" {
		t.Fatalf("List = %v, %v; want %s listed as alice", list, err, key)
	}
}

// childSecrets are secrets regkey's environment may hold that no child
// program needs.
var childSecrets = map[string]string{
	"REGKEY_FILE_KEY": "leak-file-key", "REGKEY_AUTH_GHCR_IO": "u:leak-auth", "REGKEY_USERNAME_X": "leak-user",
	"REGKEY_PASSWORD_X": "leak-password", "CI_JOB_TOKEN": "leak-job-token", "CI_REGISTRY_PASSWORD": "leak-ci-password",
	"AWS_SECRET_ACCESS_KEY": "leak-aws", "AZURE_CLIENT_SECRET": "leak-azure", "GITHUB_TOKEN": "leak-github", "GH_TOKEN": "leak-gh",
	"HTTPS_PROXY": "http://proxyuser:leak-proxy-password@127.0.0.1:9",
}

// recordingWrapper writes an executable name into dir that appends its
// environment to dir/name.env, then runs the real program.
func recordingWrapper(t *testing.T, dir, name string) string {
	t.Helper()
	real, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(dir, name+".env")
	script := "#!/bin/sh\nenv >> '" + record + "'\nexec '" + real + "' \"$@\"\n"
	testenv.WriteExecutable(t, filepath.Join(dir, name), []byte(script))
	return record
}

// TestPassGetsNoSecrets: pass, and the gpg it runs, see the session and
// their own settings only, and still store and read credentials.
func TestPassGetsNoSecrets(t *testing.T) {
	t.Parallel()
	o := passOptions(t)
	wrappers := t.TempDir()
	records := []string{recordingWrapper(t, wrappers, "pass"), recordingWrapper(t, wrappers, "gpg")}
	o.Env["PATH"] = wrappers + string(os.PathListSeparator) + os.Getenv("PATH")
	for k, v := range childSecrets {
		o.Env[k] = v
	}
	s, err := keystore.OpenNamed(o, uniqueName("regkey-childenv"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want := auth.Credential{Username: "u", Secret: "child-env-secret"}
	if err := s.Set(ctx, "childenv.example.test", want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "childenv.example.test"); err != nil || got != want {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, want)
	}
	for _, record := range records {
		data, err := os.ReadFile(record)
		if err != nil {
			t.Fatalf("%s: %v (the wrapper did not run)", record, err)
		}
		got := string(data)
		for k, v := range childSecrets {
			if strings.Contains(got, k+"=") || strings.Contains(got, v) {
				t.Errorf("%s got %s", filepath.Base(record), k)
			}
		}
		for _, want := range []string{"GNUPGHOME=" + o.Env["GNUPGHOME"], "PASSWORD_STORE_DIR=" + o.Env["PASSWORD_STORE_DIR"], "HOME="} {
			if !strings.Contains(got, want) {
				t.Errorf("%s lacks %s", filepath.Base(record), want)
			}
		}
	}
}
