//go:build linux

package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// KeyringPassword is the password of the login keyring a Keyring creates.
const KeyringPassword = "regkey-test-keyring"

// secretsName is the D-Bus name a Secret Service provider owns.
const secretsName = "org.freedesktop.secrets"

// KeyringOptions chooses what runs on a private session bus.
type KeyringOptions struct {
	// NoSecretService starts the bus alone: nothing owns
	// org.freedesktop.secrets and the bus cannot activate anything, so
	// clients get org.freedesktop.DBus.Error.ServiceUnknown.
	NoSecretService bool
	// Locked starts gnome-keyring-daemon without --unlock: the service is
	// there but has no unlocked collection, as after a login without PAM.
	Locked bool
}

// Keyring is a private D-Bus session bus, by default with an unlocked
// gnome-keyring providing the Secret Service on it. Its bus accepts no
// activation, so nothing else (no gcr-prompter, no second keyring) starts.
//
// Child processes find it through Env. go-keyring in the test process itself
// does not: godbus reads DBUS_SESSION_BUS_ADDRESS from the process
// environment and keeps one connection per process, so a test binary that
// calls go-keyring must os.Setenv that variable to Address once, before its
// first keyring call, and share one Keyring between its tests (start it
// lazily and Stop it from TestMain). Scenarios that need a different bus run
// in child processes.
type Keyring struct {
	// Dir holds the socket, the keyring files and the daemons' logs.
	Dir string
	// Address is the bus address, for DBUS_SESSION_BUS_ADDRESS.
	Address string

	bus, gkd *krProc
}

// NewKeyring starts a Keyring for one test and stops it in t.Cleanup. When
// dbus-daemon or gnome-keyring-daemon is missing, the test fails in CI and is
// skipped elsewhere.
func NewKeyring(t testing.TB, o KeyringOptions) *Keyring {
	t.Helper()
	RequireProgram(t, "dbus-daemon")
	if !o.NoSecretService {
		RequireProgram(t, "gnome-keyring-daemon")
	}
	ctx, cancel := withTestDeadline(t)
	defer cancel()
	k, err := StartKeyring(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Stop() })
	return k
}

// StartKeyring starts a Keyring in a new directory under os.TempDir (short,
// because a unix socket path must fit in 108 bytes) and waits until the bus
// answers and, unless o.NoSecretService, org.freedesktop.secrets is owned.
// The caller must Stop it. It needs no testing.TB, so a TestMain can share
// one Keyring between tests.
func StartKeyring(ctx context.Context, o KeyringOptions) (k *Keyring, err error) {
	dir, err := os.MkdirTemp("", "rk-kr-")
	if err != nil {
		return nil, fmt.Errorf("starting keyring: %w", err)
	}
	k = &Keyring{Dir: dir}
	defer func() {
		if err != nil {
			_ = k.Stop()
		}
	}()
	for _, d := range []string{"run", "data", "cache", "config", "home"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("starting keyring: %w", err)
		}
	}
	sock := filepath.Join(dir, "run", "bus")
	k.Address = "unix:path=" + sock
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(strings.ReplaceAll(busConfig, "SOCKET", sock)), 0o600); err != nil {
		return nil, fmt.Errorf("starting keyring: %w", err)
	}
	bus := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile")
	bus.Env = []string{"PATH=" + SystemPath(), "HOME=" + filepath.Join(dir, "home")}
	if k.bus, err = startKrProc("dbus-daemon", bus, filepath.Join(dir, "dbus.log"), ""); err != nil {
		return nil, err
	}
	if err := k.waitFor(ctx, "org.freedesktop.DBus", k.bus); err != nil {
		return nil, err
	}
	if o.NoSecretService {
		return k, nil
	}
	args := []string{"--foreground", "--components=secrets"}
	stdin := ""
	if !o.Locked {
		args = append(args, "--unlock")
		stdin = KeyringPassword
	}
	gkd := exec.Command("gnome-keyring-daemon", args...)
	gkd.Env = append(k.env(), "PATH="+SystemPath(), "LANG=C")
	if k.gkd, err = startKrProc("gnome-keyring-daemon", gkd, filepath.Join(dir, "gnome-keyring.log"), stdin); err != nil {
		return nil, err
	}
	if err := k.waitFor(ctx, secretsName, k.gkd); err != nil {
		return nil, err
	}
	return k, nil
}

// busConfig is a session bus that listens on SOCKET, lets anyone own any
// name and has no service directories (so nothing is ever activated).
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=SOCKET</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Env returns the variables a client of this keyring needs:
// DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR (which holds the socket, as
// /run/user/$UID does on a desktop).
func (k *Keyring) Env() map[string]string {
	return map[string]string{
		"DBUS_SESSION_BUS_ADDRESS": k.Address,
		"XDG_RUNTIME_DIR":          filepath.Join(k.Dir, "run"),
	}
}

// env is what gnome-keyring-daemon runs with: the client variables plus
// private XDG and HOME directories, so the login keyring lives in Dir.
func (k *Keyring) env() []string {
	out := []string{
		"XDG_DATA_HOME=" + filepath.Join(k.Dir, "data"),
		"XDG_CACHE_HOME=" + filepath.Join(k.Dir, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(k.Dir, "config"),
		"HOME=" + filepath.Join(k.Dir, "home"),
	}
	for n, v := range k.Env() {
		out = append(out, n+"="+v)
	}
	return out
}

// waitFor polls the bus until name has an owner, p exits, or ctx ends.
func (k *Keyring) waitFor(ctx context.Context, name string, p *krProc) error {
	var last error
	for {
		if p.exited() {
			return fmt.Errorf("%s exited before %s appeared on %s: %v\n%s", p.name, name, k.Address, p.err, p.logTail())
		}
		owned, err := k.hasOwner(name)
		if owned {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s on %s: %w (last error: %v)\n%s", name, k.Address, ctx.Err(), last, p.logTail())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// hasOwner asks the bus, over a private connection, whether name is owned.
func (k *Keyring) hasOwner(name string) (bool, error) {
	conn, err := dbus.Connect(k.Address)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if name == "org.freedesktop.DBus" {
		return true, nil
	}
	var owned bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned)
	return owned, err
}

// Kill makes the keyring go away as a crash would: SIGKILL to
// gnome-keyring-daemon and the bus. The socket file stays behind, so clients
// get "connection refused". Stop still cleans up.
func (k *Keyring) Kill() {
	for _, p := range []*krProc{k.gkd, k.bus} {
		p.kill()
	}
}

// Freeze stops gnome-keyring-daemon with SIGSTOP: the bus still accepts
// calls, but the Secret Service never answers, as a hung keyring does.
// Thaw undoes it.
func (k *Keyring) Freeze() error { return k.gkd.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen gnome-keyring-daemon.
func (k *Keyring) Thaw() error { return k.gkd.signal(syscall.SIGCONT) }

// Stop ends the daemons and removes Dir.
func (k *Keyring) Stop() error {
	_ = k.Thaw()
	k.gkd.stop()
	k.bus.stop()
	return os.RemoveAll(k.Dir)
}

// Logs returns the end of the daemons' logs, for failure messages.
func (k *Keyring) Logs() string {
	return "dbus-daemon:\n" + k.bus.logTail() + "\ngnome-keyring-daemon:\n" + k.gkd.logTail()
}

// krProc is one daemon of a Keyring. Its methods are no-ops on a nil
// *krProc, which stands for "not started".
type krProc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error // Wait's result, valid once done is closed
}

// startKrProc starts cmd with stdin (if any) written to it, output appended
// to logPath, its own process group, and SIGKILL if the test process dies.
func startKrProc(name string, cmd *exec.Cmd, logPath, stdin string) (*krProc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	p := &krProc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	if err := startPinned(cmd, func(err error) { p.err = err; close(p.done) }); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	return p, nil
}

func (p *krProc) exited() bool {
	if p == nil {
		return true
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *krProc) signal(sig syscall.Signal) error {
	if p.exited() {
		return fmt.Errorf("signalling %s: not running", p.nameOr())
	}
	return p.cmd.Process.Signal(sig)
}

// kill sends SIGKILL and waits for the process.
func (p *krProc) kill() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop sends SIGTERM, then SIGKILL after two seconds, and waits.
func (p *krProc) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
		p.kill()
	}
}

func (p *krProc) nameOr() string {
	if p == nil {
		return "daemon"
	}
	return p.name
}

func (p *krProc) logTail() string {
	if p == nil {
		return "(not started)"
	}
	b, err := os.ReadFile(p.log)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
