package keystore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/keystore/keystoretest"
)

// sharedKeyring is one private session bus with an unlocked gnome-keyring
// for the whole test binary. go-keyring (through godbus) reads
// DBUS_SESSION_BUS_ADDRESS from the process environment and keeps one
// connection per process, so the test process itself must point at this bus:
// keyringFixture sets the variable with os.Setenv before any keyring call.
// Tests that need another bus (none, one without a Secret Service, one that
// dies) run in child processes.
var sharedKeyring struct {
	sync.Mutex
	k   *testenv.Keyring
	err error
}

func keyringFixture(t *testing.T) *testenv.Keyring {
	t.Helper()
	testenv.RequireProgram(t, "dbus-daemon")
	testenv.RequireProgram(t, "gnome-keyring-daemon")
	sharedKeyring.Lock()
	defer sharedKeyring.Unlock()
	if sharedKeyring.k == nil && sharedKeyring.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sharedKeyring.k, sharedKeyring.err = testenv.StartKeyring(ctx, testenv.KeyringOptions{})
		if sharedKeyring.err == nil {
			os.Setenv("DBUS_SESSION_BUS_ADDRESS", sharedKeyring.k.Address)
		}
	}
	if sharedKeyring.err != nil {
		t.Fatal(sharedKeyring.err)
	}
	return sharedKeyring.k
}

func stopSharedKeyring() {
	if sharedKeyring.k != nil {
		sharedKeyring.k.Stop()
	}
}

// keyringOptions returns options for the os backend on the shared keyring.
func keyringOptions(t *testing.T) keystore.Options {
	k := keyringFixture(t)
	return keystore.Options{Backend: keystore.BackendOS, DataDir: filepath.Join(t.TempDir(), "data"), Env: k.Env()}
}

// openKeyringStore opens the os backend under a private service name and
// removes its items when the test ends.
func openKeyringStore(t *testing.T) keystore.Store {
	t.Helper()
	service := uniqueName("regkey-test")
	s, err := keystore.OpenNamed(keyringOptions(t), service)
	if err != nil {
		t.Fatalf("opening the os backend: %v", err)
	}
	t.Cleanup(func() { keystore.DeleteKeyringService(service) })
	return s
}

func TestKeyringConformance(t *testing.T) {
	t.Parallel()
	keystoretest.Run(t, openKeyringStore)
}

func TestKeyringOpenInfo(t *testing.T) {
	t.Parallel()
	o := keyringOptions(t)
	_, info, err := keystore.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if info.Backend != "os" || !strings.Contains(info.Location, o.Env["DBUS_SESSION_BUS_ADDRESS"]) || !strings.Contains(info.Location, `"regkey"`) {
		t.Errorf("Info = %+v", info)
	}
}

// TestKeyringIndexRepairsStaleEntry: an item removed behind regkey's back is
// listed until Delete reports it missing, which also drops it from the index.
func TestKeyringIndexRepairsStaleEntry(t *testing.T) {
	t.Parallel()
	service := uniqueName("regkey-test")
	s, err := keystore.OpenNamed(keyringOptions(t), service)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Set(ctx, "stale.example.com", auth.Credential{Username: "u", Secret: "p"}); err != nil {
		t.Fatal(err)
	}
	if err := keystore.DeleteKeyringService(service); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.List(ctx); m["stale.example.com"] != "u" {
		t.Fatalf("List = %v, want the stale entry still indexed", m)
	}
	if _, err := s.Get(ctx, "stale.example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "stale.example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Delete = %v, want ErrNotFound", err)
	}
	if m, _ := s.List(ctx); len(m) != 0 {
		t.Fatalf("List after Delete = %v, want empty", m)
	}
}

func TestKeyringThirtyProcesses(t *testing.T) {
	t.Parallel()
	o := keyringOptions(t)
	service := uniqueName("regkey-procs")
	t.Cleanup(func() { keystore.DeleteKeyringService(service) })
	verify, err := keystore.OpenNamed(o, service)
	if err != nil {
		t.Fatal(err)
	}
	storeFromProcesses(t, childSpec{backend: "os", name: service, dataDir: o.DataDir, env: o.Env}, verify)
}

// TestKeyringCorruptIndex: a damaged index is reported, never rewritten, and
// no keyring item is created while it is damaged.
func TestKeyringCorruptIndex(t *testing.T) {
	t.Parallel()
	o := keyringOptions(t)
	service := uniqueName("regkey-test")
	t.Cleanup(func() { keystore.DeleteKeyringService(service) })
	s, err := keystore.OpenNamed(o, service)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(o.DataDir, "keyring-index.json")
	if err := os.WriteFile(index, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.List(ctx); !errors.Is(err, keystore.ErrCorrupt) || !strings.Contains(err.Error(), index) {
		t.Errorf("List = %v, want ErrCorrupt naming %s", err, index)
	}
	if err := s.Set(ctx, "x.example.com", auth.Credential{Username: "u", Secret: "p"}); !errors.Is(err, keystore.ErrCorrupt) {
		t.Errorf("Set = %v, want ErrCorrupt", err)
	}
	if _, err := s.Get(ctx, "x.example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Get after the refused Set = %v, want ErrNotFound", err)
	}
	if b, _ := os.ReadFile(index); string(b) != "{not json" {
		t.Errorf("index was rewritten: %q", b)
	}
}
