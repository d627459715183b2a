package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
)

// parseArgs is the flag-parsing half of a command's tests: it builds the
// command with newCmd over a cmdutil.Factory with a private HOME, runs it on args
// (split on white space) with a runF that only captures the options, and
// returns them (nil when the command failed before running) and the error.
func parseArgs[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args string) (*O, error) {
	t.Helper()
	ios, _, _ := cmdtest.IO("", false)
	var got *O
	cmd := newCmd(cmdutil.NewFactory(ios, config.Env{"HOME": t.TempDir()}), func(o *O) error { got = o; return nil })
	cmd.SetArgs(strings.Fields(args))
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return got, cmd.Execute()
}
