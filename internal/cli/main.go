// Package cli is regkey's command line: the cobra tree for people and scripts,
// and the docker credential-helper protocol when the binary is invoked as
// docker-credential-regkey. It is the only package that reads os.Args, the
// process environment and the standard streams, and the only one that maps
// errors to exit codes.
package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/term"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
)

// Main runs regkey with the process's arguments, environment and streams and
// returns the exit code.
func Main() int {
	tuneHelperGC(os.Args)
	ios := cmdutil.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: isTerminal(os.Stdin), OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr)}
	return Run(context.Background(), os.Args, ios, config.EnvFromList(os.Environ()))
}

// Run dispatches on the base name of args[0]: under a docker-credential-*
// name it speaks the helper protocol, otherwise it runs the cobra tree.
func Run(ctx context.Context, args []string, ios cmdutil.IOStreams, env config.Env) int {
	f := cmdutil.NewFactory(ios, env)
	name := "regkey"
	if len(args) > 0 {
		name = programName(args[0])
	}
	if isHelperName(name) {
		return runProtocol(ctx, f, name, args[1:])
	}
	var rest []string
	if len(args) > 1 {
		rest = args[1:]
	}
	return runCLI(ctx, f, rest)
}

// programName is the base name of argv0 without a Windows ".exe" suffix
// (in any case: Windows file names are case-insensitive), whether the
// binary was reached through a symlink, a hardlink or a copy.
func programName(argv0 string) string {
	name := filepath.Base(argv0)
	if ext := filepath.Ext(name); strings.EqualFold(ext, ".exe") {
		name = strings.TrimSuffix(name, ext)
	}
	return name
}

// isHelperName reports whether name is a docker-credential-* name, in any
// case on Windows, where "DOCKER-CREDENTIAL-REGKEY.EXE" is the same file.
func isHelperName(name string) bool {
	if runtime.GOOS == "windows" {
		return len(name) >= len(config.HelperPrefix) && strings.EqualFold(name[:len(config.HelperPrefix)], config.HelperPrefix)
	}
	return strings.HasPrefix(name, config.HelperPrefix)
}

// isTerminal reports whether f is a terminal. A character device is not
// enough: /dev/null is one, and `regkey login HOST </dev/null` must not
// prompt.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
