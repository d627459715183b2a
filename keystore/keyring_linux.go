package keystore

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"
)

const (
	keyringSizeHint = "the Secret Service accepts it but slows down on large items"
	keyringHungHint = "the Secret Service (gnome-keyring, KeePassXC) is hung or waiting for an unlock prompt; " +
		"unlock the keyring or restart its daemon, or use another keystore (REGKEY_KEYSTORE=file)"
	keyringOtherHint = "use another keystore with REGKEY_KEYSTORE=file or pass"
)

// keyringName names the backend for Info.
func keyringName(env map[string]string) string {
	return "Secret Service on D-Bus " + sessionBusAddress(env)
}

// sessionBusAddress is the bus godbus will use, as far as env says.
func sessionBusAddress(env map[string]string) string {
	if a := env["DBUS_SESSION_BUS_ADDRESS"]; a != "" && a != "autolaunch:" {
		return a
	}
	return "unix:path=" + userRuntimeDir() + "/bus"
}

// prepareKeyring checks, without a round trip, that a session bus exists,
// and hands env's bus address to godbus, which reads only the process
// environment. It never lets godbus fall back to running dbus-launch (which
// starts and leaks a new bus on every call when no session exists).
func prepareKeyring(env map[string]string) error {
	addr := env["DBUS_SESSION_BUS_ADDRESS"]
	if addr == "" || addr == "autolaunch:" {
		runBus := userRuntimeDir() + "/bus"
		if _, err := os.Stat(runBus); err != nil {
			return unavailable("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and "+runBus+
				" does not exist, so there is no Secret Service to ask; run inside a desktop session or "+
				"`dbus-run-session` with an unlocked keyring, or use the file keystore (REGKEY_KEYSTORE=file)", nil)
		}
		if cur := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); cur != "" && cur != "autolaunch:" && cur != "unix:path="+runBus {
			return unavailable("this process is on the session bus "+cur+" but the environment handed to regkey names none; "+
				"go-keyring can only use the process's bus", nil)
		}
		return nil // godbus finds /run/user/$UID/bus by itself
	}
	if sock, ok := strings.CutPrefix(addr, "unix:path="); ok && !strings.ContainsAny(sock, ",;%") {
		if _, err := os.Stat(sock); err != nil {
			return unavailable("the D-Bus session bus socket "+sock+" named by DBUS_SESSION_BUS_ADDRESS does not exist "+
				"(has the session ended?); log in again, or use the file keystore (REGKEY_KEYSTORE=file)", nil)
		}
	}
	switch cur := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); cur {
	case addr:
	case "", "autolaunch:":
		if err := os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr); err != nil {
			return fmt.Errorf("setting DBUS_SESSION_BUS_ADDRESS: %w", err)
		}
	default:
		return unavailable("the environment handed to regkey names the session bus "+addr+
			" but this process is on "+cur+"; go-keyring can only use the process's bus", nil)
	}
	return nil
}

// keyringUnavailable explains a go-keyring failure on Linux and what to do.
func keyringUnavailable(err error) error {
	var name string
	var de dbus.Error
	var dep *dbus.Error
	switch {
	case errors.As(err, &de):
		name = de.Name
	case errors.As(err, &dep):
		name = dep.Name
	}
	var opErr *net.OpError
	switch {
	case name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner":
		return unavailable("no Secret Service on the D-Bus session bus (nothing provides org.freedesktop.secrets); "+
			"start gnome-keyring-daemon or KeePassXC's Secret Service, or use another keystore (REGKEY_KEYSTORE=file)", err)
	case name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Timeout":
		return unavailable("the Secret Service did not reply; "+keyringHungHint, err)
	case strings.Contains(err.Error(), "failed to unlock") || name == "org.freedesktop.Secret.Error.IsLocked":
		return unavailable("the Secret Service keyring is locked and could not be unlocked; unlock it (log in to the "+
			"desktop, or `gnome-keyring-daemon --unlock` in a headless session), or use another keystore (REGKEY_KEYSTORE=file)", err)
	case errors.As(err, &opErr) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "dbus: "):
		return unavailable("cannot talk to the D-Bus session bus (has the session ended?); log in again, "+
			"or use another keystore (REGKEY_KEYSTORE=file)", err)
	case name != "":
		return unavailable("the Secret Service failed; "+keyringOtherHint, err)
	}
	return unavailable("the OS keyring failed; "+keyringOtherHint, err)
}
