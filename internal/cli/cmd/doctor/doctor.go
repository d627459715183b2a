// Package doctor is `regkey doctor`: its flags, help and output; the
// checks are internal/doctor's.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/doctor"
	"github.com/regkey/regkey/internal/inventory"
)

// DoctorOptions are the inputs of `regkey doctor`.
type DoctorOptions struct {
	IO   cmdutil.IOStreams
	Deps inventory.Deps
	// HTTP is the client for the clock check; nil means none is made.
	HTTP *http.Client
	// ProviderTimeout bounds asking one provider for a token.
	ProviderTimeout time.Duration

	JSON    bool
	Offline bool
}

type doctorJSON struct {
	OK     bool           `json:"ok"`
	Checks []doctor.Check `json:"checks"`
}

// NewCmdDoctor builds `regkey doctor`. runF replaces doctorRun in tests.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{
		IO: f.IO, Deps: f.InventoryDeps(), ProviderTimeout: 20 * time.Second,
		HTTP: doctor.ClockClient(f.Env),
	}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Find what keeps docker, podman or regkey from getting registry credentials, and say how to fix it",
		Long: `doctor checks, and for each problem prints the fix:

  - the keystore can be opened and a credential read from it (not locked,
    not unreachable, not hung, not a file another user owns);
  - docker-credential-regkey is on PATH, under the name docker and podman run;
  - every credential helper named by credsStore, credHelpers or podman's
    credential-helpers is on PATH, regkey included (docker fails every login
    otherwise);
  - docker's and podman's files parse (docker ignores a config.json it
    cannot parse, podman refuses to run);
  - no plaintext secret is left in docker's or podman's files, in the
    backups setup kept of them, or in the legacy ~/.dockercfg;
  - docker and podman ask regkey for the registries it holds;
  - every provider serving a configured registry has credentials;
  - no cached provider token is about to expire;
  - the clock agrees with each registry's (tokens fail on skewed clocks).

The provider and clock checks use the network (each bounded); --offline
skips them. A check that cannot reach what it checks says so and does not
pass. doctor exits 0 only when all is well, 1 otherwise.`,
		Example: `  regkey doctor
  regkey doctor --offline --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "skip the checks that use the network (providers, clock)")
	return cmd
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	checks := doctor.Run(ctx, opts.Deps, doctor.Options{HTTP: opts.HTTP, ProviderTimeout: opts.ProviderTimeout, Offline: opts.Offline})
	ok := doctor.OK(checks)
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doctorJSON{OK: ok, Checks: checks}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
		for _, c := range checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Status, c.Check, c.Message)
			if c.Fix != "" {
				fmt.Fprintf(tw, "\t\tfix: %s\n", c.Fix)
			}
		}
		tw.Flush()
		if ok {
			fmt.Fprintln(opts.IO.Out, "All is well.")
		}
	}
	if !ok {
		return &cmderr.Silent{Code: cmderr.ExitError}
	}
	return nil
}
