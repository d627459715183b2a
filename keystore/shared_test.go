package keystore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/keystore"
)

// sharedPass is one pass store (GnuPG home, key, initialised store) for the
// whole test binary; tests keep apart by using their own folder in it.
var sharedPass struct {
	sync.Mutex
	p   *testenv.Pass
	err error
}

func passFixture(t *testing.T) *testenv.Pass {
	t.Helper()
	for _, prog := range []string{"gpg", "gpgconf", "pass"} {
		testenv.RequireProgram(t, prog)
	}
	sharedPass.Lock()
	defer sharedPass.Unlock()
	if sharedPass.p == nil && sharedPass.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sharedPass.p, sharedPass.err = testenv.StartPass(ctx)
	}
	if sharedPass.err != nil {
		t.Fatal(sharedPass.err)
	}
	return sharedPass.p
}

// passOptions returns options for a pass store in the shared password store.
func passOptions(t *testing.T) keystore.Options {
	p := passFixture(t)
	env := p.Env()
	env["HOME"] = p.Dir
	return keystore.Options{Backend: keystore.BackendPass, DataDir: filepath.Join(t.TempDir(), "data"), Env: env}
}

// stopShared stops the fixtures TestMain's tests started.
func stopShared() {
	stopSharedKeyring()
	if sharedPass.p != nil {
		sharedPass.p.Stop()
	}
}
