package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
)

// TestEveryArgumentCompletes: every command's positional arguments and
// every flag that takes a value have a completion, so that no new flag
// falls back to the shell's file names unless it names a file.
func TestEveryArgumentCompletes(t *testing.T) {
	t.Parallel()
	f := cmdutil.NewFactory(cmdutil.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, config.Env{"HOME": t.TempDir()})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			t.Errorf("%s: no completion for its arguments", c.CommandPath())
		}
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			_, ok := c.GetFlagCompletionFunc(fl.Name)
			if fl.Value.Type() != "bool" && !ok && !fileFlags[c.Name()+" --"+fl.Name] {
				t.Errorf("%s --%s: no completion", c.CommandPath(), fl.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCmd(f))
}
