package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Pass is a private GnuPG home with a passphrase-less key and a password
// store initialised for it, as `pass` users have.
type Pass struct {
	// Dir holds both directories.
	Dir string
	// GNUPGHOME is the GnuPG home (0700).
	GNUPGHOME string
	// StoreDir is the PASSWORD_STORE_DIR.
	StoreDir string
	// KeyID is the fingerprint of the key the store is initialised for.
	KeyID string
}

// NewPass sets up a Pass for one test and stops its gpg-agent in t.Cleanup.
// When gpg or pass is missing, the test fails in CI and is skipped elsewhere.
func NewPass(t testing.TB) *Pass {
	t.Helper()
	RequireProgram(t, "gpg")
	RequireProgram(t, "gpgconf")
	RequireProgram(t, "pass")
	ctx, cancel := withTestDeadline(t)
	defer cancel()
	p, err := StartPass(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

// StartPass creates a Pass in a new directory under os.TempDir (short,
// because gpg-agent's socket lives in GNUPGHOME when /run/user/$UID does not
// exist). The key is a `future-default` one (ed25519 with a cv25519
// encryption subkey; a plain ed25519 key is sign-only and pass fails with
// "Unusable public key") and has no passphrase, so no pinentry ever runs.
// The caller must Stop it.
func StartPass(ctx context.Context) (p *Pass, err error) {
	dir, err := os.MkdirTemp("", "rk-pass-")
	if err != nil {
		return nil, fmt.Errorf("setting up pass: %w", err)
	}
	p = &Pass{Dir: dir, GNUPGHOME: filepath.Join(dir, "gnupg"), StoreDir: filepath.Join(dir, "store")}
	defer func() {
		if err != nil {
			_ = p.Stop()
		}
	}()
	if err := os.Mkdir(p.GNUPGHOME, 0o700); err != nil {
		return nil, fmt.Errorf("setting up pass: %w", err)
	}
	if _, err := p.run(ctx, "gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key",
		"regkey test <regkey-test@example.invalid>", "future-default", "default", "never"); err != nil {
		return nil, err
	}
	out, err := p.run(ctx, "gpg", "--batch", "--with-colons", "--list-secret-keys")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			p.KeyID = f[9]
			break
		}
	}
	if p.KeyID == "" {
		return nil, errors.New("setting up pass: gpg listed no secret key after generating one")
	}
	if _, err := p.run(ctx, "pass", "init", p.KeyID); err != nil {
		return nil, err
	}
	return p, nil
}

// Env returns GNUPGHOME and PASSWORD_STORE_DIR.
func (p *Pass) Env() map[string]string {
	return map[string]string{"GNUPGHOME": p.GNUPGHOME, "PASSWORD_STORE_DIR": p.StoreDir}
}

// run runs a program with this Pass's environment and returns its stdout.
func (p *Pass) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = []string{"PATH=" + SystemPath(), "HOME=" + p.Dir, "LANG=C"}
	for k, v := range p.Env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("running %s %s: %w: %s", name, args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Stop kills the gpg-agent (and any other GnuPG daemon) started for
// GNUPGHOME and removes Dir.
func (p *Pass) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := p.run(ctx, "gpgconf", "--kill", "all")
	if rerr := os.RemoveAll(p.Dir); err == nil {
		err = rerr
	}
	return err
}
