package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/internal/version"
)

// runCLI runs the cobra tree and maps its error to an exit code.
func runCLI(ctx context.Context, f *Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	return exitCode(root.ExecuteContext(ctx), f.IO.ErrOut)
}

// NewRootCmd builds a fresh command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "regkey",
		Short: "Container-registry credentials for docker, podman, CI and Kubernetes",
		Long: `regkey gives docker, podman, skopeo, crane, CI runners and kubelets the
registry credentials they need. Installed as docker-credential-regkey it is a
docker credential helper; as regkey it manages logins and explains them.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{err}
	})
	root.AddCommand(
		NewCmdSetup(f, nil),
		NewCmdLogin(f, nil),
		NewCmdLogout(f, nil),
		NewCmdList(f, nil),
		NewCmdStatus(f, nil),
		NewCmdDoctor(f, nil),
		NewCmdRefresh(f, nil),
		NewCmdExport(f, nil),
		NewCmdKubelet(f, nil),
		newHelperCmd(f),
		newVersionCmd(f),
	)
	return root
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print regkey's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "regkey %s (commit %s)\n", version.Version, version.Commit)
			return err
		},
	}
}
