// Package refresh is the `regkey refresh` command: its flags, help text and
// checks. The refresh itself is internal/refresh's.
package refresh

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/refresh"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// Refresh defaults.
const (
	// RefreshJobs is how many registries refresh at once by default.
	RefreshJobs = refresh.DefaultJobs
	// RefreshTimeout bounds one registry's refresh by default.
	RefreshTimeout = refresh.DefaultTimeout
)

// RefreshOptions are the inputs of `regkey refresh`: the engine's, with
// its streams, clock, setup and discovery wired from the cmdutil.Factory and
// the rest set from the arguments and flags.
type RefreshOptions struct {
	refresh.Options
}

// NewCmdRefresh builds `regkey refresh`. runF replaces refreshRun in tests.
func NewCmdRefresh(f *cmdutil.Factory, runF func(*RefreshOptions) error) *cobra.Command {
	opts := &RefreshOptions{Options: refresh.Options{
		Out: f.IO.Out, ErrOut: f.IO.ErrOut, ErrTTY: f.IO.ErrTTY,
		Now:   f.Now,
		Setup: func() (*providers.Router, *tokencache.Cache, error) { return f.ProviderParts() },
		Discover: func(c *tokencache.Cache) []inventory.Known {
			return f.DiscoverHosts(c, func(format string, a ...any) {
				fmt.Fprintf(f.IO.ErrOut, "regkey: warning: "+format+"\n", a...)
			})
		},
	}}
	cmd := &cobra.Command{
		Use:   "refresh [HOST...]",
		Short: "Renew the cached tokens of ECR, ACR, Google and other provider-served registries",
		Long: `refresh asks each registry's provider for a new token and stores it in regkey's
token cache, so that later pulls (docker, podman, the kubelet) never wait for a
cloud. Registries refresh concurrently (--jobs), each within --timeout.

With no HOST, refresh renews every registry that a provider serves and regkey
knows of: the exact (non-glob) "match" of each provider rule in the settings
file, the hosts of tokens already in the cache, and the registries named in
docker's config.json and podman's auth files. Registries served by the keystore
have no token to renew and are left out. A provider with no credentials at all
for a registry found only in the cache or a client's config is reported as
skipped; for a registry named on the command line or by a rule it is a failure.

Tokens that serve several registries (one Google access token serves every
Google registry) are renewed once. --if-expiring-within renews only tokens
that expire within that time, or are not cached: the mode for cron jobs,
systemd timers and CI pre-steps.

The summary table goes to stdout (--json for scripts), progress to stderr on a
terminal. The exit status is 0 when every registry refreshed or was skipped,
and 3 when any failed; the error names each one.`,
		Example: `  regkey refresh
  regkey refresh 123456789012.dkr.ecr.eu-west-1.amazonaws.com myregistry.azurecr.io
  regkey refresh --if-expiring-within 2h        # systemd timer, cron, CI pre-step
  regkey refresh --json | jq -r '.registries[] | select(.status == "failed") | .host'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Hosts = args
			if err := cmdutil.CheckHostArgs(args); err != nil {
				return err
			}
			if opts.IfExpiringWithin < 0 {
				return cmderr.Usagef("--if-expiring-within %v: want a positive duration", opts.IfExpiringWithin)
			}
			if opts.Jobs < 1 || opts.Jobs > 64 {
				return cmderr.Usagef("--jobs %d: want 1 to 64", opts.Jobs)
			}
			if opts.Timeout <= 0 {
				return cmderr.Usagef("--timeout %v: want a positive duration", opts.Timeout)
			}
			if runF != nil {
				return runF(opts)
			}
			return refreshRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.IfExpiringWithin, "if-expiring-within", 0, "renew only tokens that expire within `DURATION` (or are not cached)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().IntVarP(&opts.Jobs, "jobs", "j", RefreshJobs, "refresh at most `N` registries at once")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", RefreshTimeout, "give up on one registry after `DURATION`")
	return cmd
}

// refreshRun runs the refresh engine with opts.
func refreshRun(ctx context.Context, opts *RefreshOptions) error {
	return refresh.Run(ctx, &opts.Options)
}
