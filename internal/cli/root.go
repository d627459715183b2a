package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	apicmd "github.com/regkey/regkey/internal/cli/cmd/api"
	doctorcmd "github.com/regkey/regkey/internal/cli/cmd/doctor"
	exportcmd "github.com/regkey/regkey/internal/cli/cmd/export"
	kubeletcmd "github.com/regkey/regkey/internal/cli/cmd/kubelet"
	listcmd "github.com/regkey/regkey/internal/cli/cmd/list"
	logincmd "github.com/regkey/regkey/internal/cli/cmd/login"
	logoutcmd "github.com/regkey/regkey/internal/cli/cmd/logout"
	refreshcmd "github.com/regkey/regkey/internal/cli/cmd/refresh"
	setupcmd "github.com/regkey/regkey/internal/cli/cmd/setup"
	statuscmd "github.com/regkey/regkey/internal/cli/cmd/status"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/version"
)

// runCLI runs the cobra tree and maps its error to an exit code.
func runCLI(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	return exitCode(root.ExecuteContext(ctx), f.IO.ErrOut)
}

// NewRootCmd builds a fresh command tree.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "regkey",
		Short: "Container-registry credentials for docker, podman, CI and Kubernetes",
		Long: `regkey gives docker, podman, skopeo, crane, CI runners and kubelets the
registry credentials they need. Installed as docker-credential-regkey it is a
docker credential helper; as regkey it manages logins and explains them.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Suggest commands within two edits ("stauts", "lgoin") or with
		// the typed prefix ("lo"); root.Args below asks for them.
		SuggestionsMinimumDistance: 2,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return cmderr.Usage(err)
	})
	// A root with its own Args and RunE lets cobra hand "regkey frob" to
	// the validator below (and so to exit code 2) instead of returning an
	// untyped "unknown command" error.
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		err := cmderr.Usagef("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			return cmderr.WithHint(err, "did you mean `regkey "+strings.Join(s, "` or `regkey ")+"`?")
		}
		return cmderr.WithHint(err, "`regkey --help` lists the commands")
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.AddCommand(
		setupcmd.NewCmdSetup(f, nil),
		logincmd.NewCmdLogin(f, nil),
		logoutcmd.NewCmdLogout(f, nil),
		listcmd.NewCmdList(f, nil),
		statuscmd.NewCmdStatus(f, nil),
		doctorcmd.NewCmdDoctor(f, nil),
		refreshcmd.NewCmdRefresh(f, nil),
		exportcmd.NewCmdExport(f, nil),
		kubeletcmd.NewCmdKubelet(f, nil),
		apicmd.NewCmdAPI(f, nil),
		newHelperCmd(f),
		newVersionCmd(f),
	)
	for _, c := range root.Commands() {
		usageArgs(c)
	}
	registerCompletions(f, root)
	return root
}

// usageArgs makes the positional-argument checks of c and its subcommands
// return usage errors, so that wrong arguments exit 2 like wrong flags.
func usageArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return cmderr.Usage(err)
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

func newVersionCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print regkey's version",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "regkey %s (commit %s)\n", version.Version, version.Commit)
			return err
		},
	}
}
