// Package cmdtest holds what the tests of regkey's commands share:
// captured streams, a Factory over private directories, a memory keystore.
// Only tests import it.
package cmdtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/keystore"
	"github.com/spf13/cobra"
)

// IO returns streams over stdin with captured stdout and stderr; tty sets
// all three terminal flags.
func IO(stdin string, tty bool) (cmdutil.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, InTTY: tty, OutTTY: tty, ErrTTY: tty}, &out, &errOut
}

// MemKeystore returns a memory store holding creds, and a Keystore func
// over it that reports the file backend.
func MemKeystore(t testing.TB, creds map[string]auth.Credential) (*keystore.Memory, func(context.Context) (keystore.Store, keystore.Info, error)) {
	t.Helper()
	m := keystore.NewMemory()
	for k, c := range creds {
		if err := m.Set(context.Background(), k, c); err != nil {
			t.Fatal(err)
		}
	}
	info := keystore.Info{Backend: "file", Location: "/data/regkey/store"}
	return m, func(context.Context) (keystore.Store, keystore.Info, error) { return m, info, nil }
}

// Factory is a cmdutil.Factory over private directories (the returned
// root) with the file keystore, and env added.
func Factory(t testing.TB, env config.Env) (*cmdutil.Factory, string) {
	t.Helper()
	root := t.TempDir()
	e := config.Env{
		"HOME":               root,
		"XDG_CONFIG_HOME":    filepath.Join(root, "config"),
		"XDG_DATA_HOME":      filepath.Join(root, "data"),
		"XDG_CACHE_HOME":     filepath.Join(root, "cache"),
		"XDG_RUNTIME_DIR":    filepath.Join(root, "run"),
		"DOCKER_CONFIG":      filepath.Join(root, "docker"),
		"REGISTRY_AUTH_FILE": filepath.Join(root, "auth.json"),
		"REGKEY_KEYSTORE":    "file",
		"REGKEY_FILE_KEY":    "a passphrase of sixteen characters or more",
	}
	for k, v := range env {
		e[k] = v
	}
	ios, _, _ := IO("", false)
	return cmdutil.NewFactory(ios, e), root
}

// WriteFile writes content to path (mode 0600), making its directories.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ParseArgs is the flag-parsing half of a command's tests: it builds the
// command with newCmd over a cmdutil.Factory with a private HOME, runs it on args
// (split on white space) with a runF that only captures the options, and
// returns them (nil when the command failed before running) and the error.
func ParseArgs[O any](t testing.TB, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args string) (*O, error) {
	t.Helper()
	ios, _, _ := IO("", false)
	var got *O
	cmd := newCmd(cmdutil.NewFactory(ios, config.Env{"HOME": t.TempDir()}), func(o *O) error { got = o; return nil })
	cmd.SetArgs(strings.Fields(args))
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return got, cmd.Execute()
}
