// Package cmdtest holds what the tests of regkey's commands share:
// captured streams, a Factory over private directories, flag parsing.
// Only tests import it.
package cmdtest

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// IO returns streams over stdin with captured stdout and stderr; tty sets
// all three terminal flags.
func IO(stdin string, tty bool) (cmdutil.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, InTTY: tty, OutTTY: tty, ErrTTY: tty}, &out, &errOut
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
