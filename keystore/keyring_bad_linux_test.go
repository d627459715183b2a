package keystore_test

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
	"github.com/regkey/regkey/keystore"
)

// hungText is how the os backend words a call that reached its timeout.
const hungText = "did not answer within"

// patient is the call timeout of children whose test is about what a broken
// keyring says rather than how long it takes: long enough for any machine,
// so that the timeout's message appears only when the keyring hangs.
const patient = 2 * time.Minute

// wantUnavailable checks a child's answer: ErrUnavailable, saying what is
// wrong (mention) and what to do. A broken keyring that can say what is
// wrong must say it at once, not after the call timeout: unless mention is
// the timeout's own text, the error must not be the timeout's.
func wantUnavailable(t *testing.T, op string, r childResult, mention string) {
	t.Helper()
	t.Logf("%s: %s", op, r.Err)
	switch {
	case !r.Unavailable || r.NotFound:
		t.Errorf("%s = %+v, want ErrUnavailable (and not ErrNotFound)", op, r)
	case !strings.Contains(r.Err, mention):
		t.Errorf("%s error %q does not say %q", op, r.Err, mention)
	case !strings.Contains(mention, hungText) && strings.Contains(r.Err, hungText):
		t.Errorf("%s error %q came from the call timeout, not at once", op, r.Err)
	case !strings.Contains(r.Err, "REGKEY_KEYSTORE=file") && !strings.Contains(r.Err, "unlock"):
		t.Errorf("%s error %q gives no hint what to do", op, r.Err)
	}
}

func TestKeyringNoBus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, env := range map[string]map[string]string{
		"Unset":      {"HOME": dir},
		"Autolaunch": {"HOME": dir, "DBUS_SESSION_BUS_ADDRESS": "autolaunch:"},
		"DeadSocket": {"HOME": dir, "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + filepath.Join(dir, "gone", "bus")},
	} {
		t.Run(name, func(t *testing.T) {
			// Opening makes no round trip: no bus is found by looking, not
			// by a call that fails or times out.
			_, _, err := keystore.Open(context.Background(), keystore.Options{Backend: "os", Env: env})
			var r childResult
			if err != nil {
				r.Err, r.Unavailable = err.Error(), errors.Is(err, auth.ErrUnavailable)
			}
			wantUnavailable(t, "Open", r, "bus")

			s, info, err := keystore.Open(context.Background(), keystore.Options{Env: env})
			if err != nil || info.Backend != "file" || !strings.Contains(info.Reason, "bus") {
				t.Fatalf("auto without a bus = %T %+v %v, want the file store and the reason", s, info, err)
			}
		})
	}
}

// keyringChild starts a patient child on the os backend of k.
func keyringChild(t *testing.T, k *testenv.Keyring) *child {
	return startChild(t, childSpec{backend: "os", name: uniqueName("regkey-bad"), dataDir: t.TempDir(), timeout: patient, env: k.Env()})
}

func TestKeyringNoSecretService(t *testing.T) {
	t.Parallel()
	k := testenv.NewKeyring(t, testenv.KeyringOptions{NoSecretService: true})
	c := keyringChild(t, k)
	wantUnavailable(t, "Get", c.do("get x.example.com"), "no Secret Service")
	wantUnavailable(t, "Set", c.do("set x.example.com u p"), "no Secret Service")
	if r := c.do("open"); r.Err != "" || r.Backend != "os" {
		t.Errorf("explicit os backend: Open = %+v, want it to open (opening makes no round trip)", r)
	}
	auto := startChild(t, childSpec{dataDir: t.TempDir(), configDir: t.TempDir(), env: k.Env()})
	if r := auto.do("open"); r.Err != "" || r.Backend != "file" || !strings.Contains(r.Reason, "no Secret Service") {
		t.Errorf("auto on a bus without a Secret Service = %+v, want the file store and why", r)
	}
}

func TestKeyringLocked(t *testing.T) {
	t.Parallel()
	k := testenv.NewKeyring(t, testenv.KeyringOptions{Locked: true})
	c := keyringChild(t, k)
	wantUnavailable(t, "Get", c.do("get x.example.com"), "locked")
	wantUnavailable(t, "Set", c.do("set x.example.com u p"), "locked")
}

// TestKeyringKilledMidUse: the keyring and its bus die while a process is
// using them; the next calls fail within seconds with a clear message.
func TestKeyringKilledMidUse(t *testing.T) {
	t.Parallel()
	k := testenv.NewKeyring(t, testenv.KeyringOptions{})
	c := keyringChild(t, k)
	if r := c.do("set x.example.com u p"); r.Err != "" {
		t.Fatalf("Set before the kill: %s\n%s", r.Err, k.Logs())
	}
	if r := c.do("get x.example.com"); r.Err != "" || r.Secret != "p" {
		t.Fatalf("Get before the kill = %+v", r)
	}
	k.Kill()
	wantUnavailable(t, "Get", c.do("get x.example.com"), "D-Bus session bus")
	wantUnavailable(t, "Set", c.do("set x.example.com u p2"), "D-Bus session bus")
	wantUnavailable(t, "Delete", c.do("delete x.example.com"), "D-Bus session bus")
}

// TestKeyringHung: the Secret Service stops answering (SIGSTOP); calls give
// up at the timeout with a clear message, and work again once it resumes.
// One child has a one-second timeout for the calls that hang; the calls that
// must succeed go through a patient one on the same items, since on a busy
// machine a working keyring may take longer than a second.
func TestKeyringHung(t *testing.T) {
	t.Parallel()
	k := testenv.NewKeyring(t, testenv.KeyringOptions{})
	spec := childSpec{backend: "os", name: uniqueName("regkey-bad"), dataDir: t.TempDir(), timeout: patient, env: k.Env()}
	c := startChild(t, spec)
	spec.timeout = time.Second
	hung := startChild(t, spec)
	if r := c.do("set x.example.com u p"); r.Err != "" {
		t.Fatalf("Set before the freeze: %s", r.Err)
	}
	if err := k.Freeze(); err != nil {
		t.Fatal(err)
	}
	wantUnavailable(t, "Get", hung.do("get x.example.com"), "did not answer within 1s")
	wantUnavailable(t, "Set", hung.do("set y.example.com u p"), "did not answer within 1s")
	if err := k.Thaw(); err != nil {
		t.Fatal(err)
	}
	if r := c.do("get x.example.com"); r.Err != "" || r.Secret != "p" {
		t.Errorf("Get after the keyring resumed = %+v", r)
	}
}

func TestAutoPicksKeyring(t *testing.T) {
	t.Parallel()
	o := keyringOptions(t)
	o.Backend = ""
	// The reason proves the probe answered: a probe that ran out of its
	// two seconds would have chosen the file store.
	_, info, err := keystore.Open(context.Background(), o)
	if err != nil || info.Backend != "os" || !strings.Contains(info.Reason, "answered") {
		t.Fatalf("auto with a working keyring = %+v, %v", info, err)
	}
}

// TestAutoSticksToFileStore: once the file store holds credentials (and the
// keyring was never used), auto keeps using it even with a keyring around.
func TestAutoSticksToFileStore(t *testing.T) {
	t.Parallel()
	o := keyringOptions(t)
	o.Backend, o.ConfigDir = keystore.BackendFile, t.TempDir()
	if err := openStore(t, o).Set(context.Background(), "x.example.com", auth.Credential{Username: "u", Secret: "p"}); err != nil {
		t.Fatal(err)
	}
	o.Backend = keystore.BackendAuto
	_, info, err := keystore.Open(context.Background(), o)
	if err != nil || info.Backend != "file" || !strings.Contains(info.Reason, "already holds") {
		t.Fatalf("auto with an existing file store = %+v, %v", info, err)
	}
}

// TestAutoWarnsOfUnreachableKeyringCredentials: the keyring index lists
// credentials but there is no bus; auto falls back to the file store and
// says that those credentials are out of reach.
func TestAutoWarnsOfUnreachableKeyringCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keyring-index.json"), []byte(`{"version":1,"keys":{"a":"u","b":"v"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, info, err := keystore.Open(context.Background(), keystore.Options{DataDir: dir, ConfigDir: t.TempDir(), Env: map[string]string{}})
	if err != nil || info.Backend != "file" || !strings.Contains(info.Reason, "2 credentials") {
		t.Fatalf("auto = %+v, %v; want the file store and a warning about 2 credentials", info, err)
	}
}
