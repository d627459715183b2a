package cmdutil

import (
	"fmt"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/spf13/cobra"
)

// NoArgs is cobra.NoArgs for a command without subcommands: a stray
// argument is an argument, not the unknown command cobra calls it.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s takes no arguments; %q is one too many (`%s --help` shows its flags)", cmd.CommandPath(), args[0], cmd.CommandPath())
	}
	return nil
}

// CheckHostArgs rejects a command-line argument that names no registry
// (empty, white space, Docker Hub's token keys) as a usage error.
func CheckHostArgs(args []string) error {
	for _, a := range args {
		k, err := auth.ParseKey(a)
		switch {
		case err != nil:
			return cmderr.Usagef("%q is not a registry host: %v", a, err)
		case k.Opaque || k.Host == "":
			return cmderr.Usagef("%q is not a registry host", a)
		}
	}
	return nil
}
