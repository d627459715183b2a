// Package cli is regkey's command line: the cobra tree for people and scripts,
// and the docker credential-helper protocol when the binary is invoked as
// docker-credential-regkey. It is the only package that reads os.Args, the
// process environment and the standard streams, and the only one that maps
// errors to exit codes.
package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/regkey/regkey/config"
)

// HelperPrefix is the prefix of the names docker and podman run helpers by.
const HelperPrefix = "docker-credential-"

// IOStreams are the standard streams a command uses.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// IsTerminal reports whether In and Out are a terminal (prompts, colours,
	// refusing to print secrets).
	InTTY, OutTTY bool
}

// Main runs regkey with the process's arguments, environment and streams and
// returns the exit code.
func Main() int {
	tuneHelperGC(os.Args)
	ios := IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: isTerminal(os.Stdin), OutTTY: isTerminal(os.Stdout)}
	return Run(context.Background(), os.Args, ios, config.EnvFromList(os.Environ()))
}

// Run dispatches on the base name of args[0]: under a docker-credential-*
// name it speaks the helper protocol, otherwise it runs the cobra tree.
func Run(ctx context.Context, args []string, ios IOStreams, env config.Env) int {
	f := NewFactory(ios, env)
	name := "regkey"
	if len(args) > 0 {
		name = strings.TrimSuffix(filepath.Base(args[0]), ".exe")
	}
	if strings.HasPrefix(name, HelperPrefix) {
		return runProtocol(ctx, f, name, args[1:])
	}
	var rest []string
	if len(args) > 1 {
		rest = args[1:]
	}
	return runCLI(ctx, f, rest)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
