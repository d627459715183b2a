package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// TestDispatchOnArgv0: the one binary speaks the helper protocol under any
// docker-credential-* name however it was installed (hardlink, a copy named
// .exe as on Windows) and is the CLI under any other name.
func TestDispatchOnArgv0(t *testing.T) {
	t.Parallel()
	bin := testenv.BuildRegkey(t)
	real, err := filepath.EvalSymlinks(bin.Regkey)
	if err != nil {
		t.Fatal(err)
	}
	c := testenv.NewClient(t, bin)
	c.UseFileKeystore(t)
	dir := t.TempDir()
	hard := filepath.Join(dir, "docker-credential-regkey")
	if err := os.Link(real, hard); err != nil {
		t.Fatalf("hardlinking the binary: %v", err)
	}
	exe := filepath.Join(dir, "docker-credential-regkey.exe")
	copyFile(t, real, exe)
	other := filepath.Join(dir, "regkey-renamed")
	copyFile(t, real, other)

	res := c.Run(t, nil, hard)
	if res.ExitCode != 1 || res.Stdout != "Usage: docker-credential-regkey <store|get|erase|list|version>\n" {
		t.Errorf("hardlink with no verb: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
	c.MustRun(t, []byte(`{"ServerURL":"hard.example.test","Username":"u","Secret":"s"}`+"\n"), hard, "store")
	res = c.MustRun(t, []byte("hard.example.test"), exe, "get")
	if res.Stdout != `{"ServerURL":"hard.example.test","Username":"u","Secret":"s"}`+"\n" {
		t.Errorf(".exe copy get: stdout %q", res.Stdout)
	}
	res = c.MustRun(t, nil, exe, "version")
	if !strings.HasPrefix(res.Stdout, "docker-credential-regkey (github.com/regkey/regkey) ") {
		t.Errorf(".exe copy version = %q, want the helper's name without .exe", res.Stdout)
	}
	res = c.Run(t, nil, exe, "frob")
	if res.ExitCode != 1 || res.Stdout != "docker-credential-regkey: unknown action: frob\n" {
		t.Errorf(".exe copy unknown verb: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
	res = c.MustRun(t, nil, other, "version")
	if !strings.HasPrefix(res.Stdout, "regkey ") {
		t.Errorf("renamed CLI version = %q, want the CLI's line", res.Stdout)
	}
	res = c.MustRun(t, nil, other, "list")
	if !strings.Contains(res.Stdout, "hard.example.test") {
		t.Errorf("renamed CLI list = %q", res.Stdout)
	}
}

// copyFile copies the executable from to a new file to.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteExecutable(t, to, b)
}

// fakeDBusLaunch is a dbus-launch that records being run. godbus runs
// dbus-launch when DBUS_SESSION_BUS_ADDRESS is unset and it finds no
// /run/user/$UID/bus; the real one (dbus-x11) starts a session bus that is
// never stopped, one per call.
const fakeDBusLaunch = `#!/bin/sh
echo "dbus-launch $*" >> '@LOG@'
echo 'DBUS_SESSION_BUS_ADDRESS=unix:path=@DIR@/no-such-bus'
echo 'DBUS_SESSION_BUS_PID=1'
`

// TestNoDBusLaunchWithoutBus: with DBUS_SESSION_BUS_ADDRESS unset, no
// command regkey runs (helper verbs on the auto and os keystores, list,
// status, doctor) starts dbus-launch, and the os keystore says at once that
// there is no session bus.
func TestNoDBusLaunchWithoutBus(t *testing.T) {
	t.Parallel()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	log := filepath.Join(c.Dir, "dbus-launch.log")
	script := strings.NewReplacer("@LOG@", log, "@DIR@", c.Dir).Replace(fakeDBusLaunch)
	testenv.WriteExecutable(t, filepath.Join(c.BinDir, "dbus-launch"), []byte(script))
	c.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
	// Where a desktop session exists godbus uses /run/user/$UID/bus, which
	// is no leak either; but then a store would write to that keyring.
	userBus := fileExists(fmt.Sprintf("/run/user/%d/bus", os.Getuid()))

	for _, ks := range []string{"auto", "os"} {
		c.Setenv("REGKEY_KEYSTORE", ks)
		res := c.Run(t, []byte("nobus.example.test"), testenv.HelperName, "get")
		if res.ExitCode != 1 || res.Stdout != notFound+"\n" {
			t.Errorf("%s: get: exit %d, stdout %q, stderr %q", ks, res.ExitCode, res.Stdout, res.Stderr)
		}
		if strings.Contains(res.Stderr, "did not answer") {
			t.Errorf("%s: get stderr %q: a missing bus was found by a call that timed out, not by looking", ks, res.Stderr)
		}
		c.Run(t, []byte("unused"), testenv.HelperName, "list")
		c.Run(t, []byte("nobus.example.test"), testenv.HelperName, "erase")
		c.Run(t, nil, "regkey", "list")
		c.Run(t, nil, "regkey", "status")
		c.Run(t, nil, "regkey", "doctor", "--offline")
		if ks == "os" && !userBus {
			if !strings.Contains(res.Stderr, "no D-Bus session bus") {
				t.Errorf("os: get stderr %q does not say there is no session bus", res.Stderr)
			}
			res = c.Run(t, []byte(`{"ServerURL":"nobus.example.test","Username":"u","Secret":"s"}`), testenv.HelperName, "store")
			if res.ExitCode != 1 || !strings.Contains(res.Stdout, "no D-Bus session bus") || !strings.Contains(res.Stdout, "REGKEY_KEYSTORE=file") {
				t.Errorf("os: store: exit %d, stdout %q", res.ExitCode, res.Stdout)
			}
		}
		if ks == "auto" && !userBus {
			c.MustRun(t, []byte(`{"ServerURL":"nobus.example.test","Username":"u","Secret":"s"}`), testenv.HelperName, "store")
			if got, ok := helperGet(t, c, "nobus.example.test"); !ok || got.Secret != "s" {
				t.Errorf("auto: get after store = %+v, %v (want the file store's answer)", got, ok)
			}
		}
	}
	if b, err := os.ReadFile(log); err == nil {
		t.Errorf("regkey ran dbus-launch:\n%s", b)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestConcurrentOneKeyThroughBinary: helper processes storing one key over
// and over while others get it: every get answers a whole credential some
// store wrote (username and secret of the same store), or not found before
// the first store; never a torn, mixed or failed answer.
func TestConcurrentOneKeyThroughBinary(t *testing.T) {
	t.Parallel()
	const (
		key     = "race.example.test:5000"
		writers = 3
		stores  = 6
		readers = 4
	)
	secretOf := func(user string) string { return "secret-of-" + user + "-" + strings.Repeat("x", len(user)*13) }
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		var writeWG, readWG sync.WaitGroup
		done := make(chan struct{})
		errs := make(chan string, 1000)
		for w := range writers {
			writeWG.Go(func() {
				for i := range stores {
					user := fmt.Sprintf("user-%d-%d", w, i)
					in, _ := json.Marshal(cred{key, user, secretOf(user)})
					if res := c.Run(t, append(in, '\n'), testenv.HelperName, "store"); res.ExitCode != 0 {
						errs <- fmt.Sprintf("store %s: exit %d, %q %q", user, res.ExitCode, res.Stdout, res.Stderr)
					}
				}
			})
		}
		reads := make([]int, readers)
		for r := range readers {
			readWG.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					res := c.Run(t, []byte(key), testenv.HelperName, "get")
					reads[r]++
					if res.ExitCode == 1 && res.Stdout == notFound+"\n" {
						continue
					}
					var got cred
					if res.ExitCode != 0 || json.Unmarshal([]byte(res.Stdout), &got) != nil {
						errs <- fmt.Sprintf("get: exit %d, stdout %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
						continue
					}
					if got.Secret != secretOf(got.Username) || got.ServerURL != key {
						errs <- fmt.Sprintf("get: a mixed or torn credential: username %q with a %d-byte secret", got.Username, len(got.Secret))
					}
				}
			})
		}
		writeWG.Wait()
		close(done)
		readWG.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		got, ok := helperGet(t, c, key)
		if !ok || got.Secret != secretOf(got.Username) || !strings.HasSuffix(got.Username, fmt.Sprintf("-%d", stores-1)) {
			t.Errorf("final credential %q (found %v), want one writer's last store", got.Username, ok)
		}
		if list := helperList(t, c); len(list) != 1 || list[key] != got.Username {
			t.Errorf("list = %v, want only %s with the username get answers (%s)", list, key, got.Username)
		}
		t.Logf("gets per reader: %v", reads)
	})
}
