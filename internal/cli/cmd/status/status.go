// Package status is `regkey status`: its flags, help and output; the rows
// and checks come from internal/status over an internal/inventory snapshot.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/netenv"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/internal/status"
	"github.com/regkey/regkey/internal/version"
)

// StatusOptions are the inputs of `regkey status`.
type StatusOptions struct {
	IO   cmdutil.IOStreams
	Deps inventory.Deps
	// Verify checks a credential with its registry (--check).
	Verify        func(context.Context, string, auth.Credential, regauth.Options) (regauth.Result, error)
	VerifyOptions regauth.Options
	// CheckTimeout bounds the check of one registry.
	CheckTimeout time.Duration

	JSON  bool
	Check bool
}

type statusJSON struct {
	Keystore   cmdutil.KeystoreJSON `json:"keystore"`
	Registries []status.Row         `json:"registries"`
	Problems   []string             `json:"problems,omitempty"`
}

// NewCmdStatus builds `regkey status`. runF replaces statusRun in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{
		IO: f.IO, Deps: f.InventoryDeps(), Verify: regauth.Verify, CheckTimeout: 20 * time.Second,
		VerifyOptions: regauth.Options{CertDirs: f.Paths.DockerCertDirs(), Proxy: netenv.ProxyFunc(f.Env), UserAgent: "regkey/" + version.Version},
	}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each registry regkey knows, its provider and where its credential comes from",
		Long: `status lists every registry regkey knows: keystore entries, hosts named by
the rules in regkey's settings, and hosts in docker's and podman's config files.
For each it shows the provider that serves it (or the keystore) and why, where
the credential comes from, the user name, for provider tokens the expiry and
the last refresh, and whether docker and podman ask regkey for it. No secret
is ever shown.

status reads files and the keystore only; it never uses the network unless
--check is given, which verifies each credential with its registry
(concurrently, at most 20 seconds per registry) and exits 3 if any fails.
A check that could not happen fails too: when the keystore, regkey's
settings or a docker or podman file cannot be read, --check exits 1 (2 for
a REGKEY_KEYSTORE it does not know), where plain status only warns.`,
		Example: `  regkey status
  regkey status --check
  regkey status --json | jq '.registries[] | select(.docker != "docker-credential-regkey")'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "verify each credential with its registry (uses the network)")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	inv := inventory.Gather(ctx, opts.Deps)
	rows := status.Rows(inv, opts.Deps.Now)
	if opts.Check {
		status.Checker{Verify: opts.Verify, Options: opts.VerifyOptions, Timeout: opts.CheckTimeout}.CheckRows(ctx, inv, rows)
	}
	problems := inv.Problems()
	// With --check, what could not be read is what could not be checked:
	// the first such problem is the command's error (exit 1, or 2 for a
	// bad REGKEY_KEYSTORE), never a warning beside exit 0.
	var uncheckable error
	if opts.Check && len(problems) > 0 {
		uncheckable = fmt.Errorf("status --check could not check every registry: %w", problems[0])
	}
	if opts.JSON {
		out := statusJSON{Keystore: cmdutil.KeystoreJSON{Backend: inv.StoreInfo.Backend, Location: inv.StoreInfo.Location}, Registries: rows}
		for _, p := range problems {
			out.Problems = append(out.Problems, cmderr.OneLine(p))
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		warn := problems
		if uncheckable != nil {
			warn = problems[1:] // the first is the error exitCode prints
		}
		printStatus(opts, inv, rows, warn)
	}
	if uncheckable != nil {
		return uncheckable
	}
	var failed []string
	for _, r := range rows {
		if r.Check != nil && !r.Check.OK {
			failed = append(failed, r.Registry)
		}
	}
	if len(failed) > 0 {
		return &cmderr.Partial{Failed: failed}
	}
	return nil
}

func printStatus(opts *StatusOptions, inv *inventory.Snapshot, rows []status.Row, problems []error) {
	out := opts.IO.Out
	if inv.StoreErr == nil {
		fmt.Fprintf(opts.IO.ErrOut, "keystore: %s%s\n", inv.StoreInfo.Backend, inv.StoreInfo.WhereSuffix())
	}
	if len(rows) == 0 {
		fmt.Fprintln(out, "regkey knows no registry yet: `regkey login HOST`, or `regkey setup` to adopt docker's logins.")
	} else {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		header := "REGISTRY\tPROVIDER\tSOURCE\tUSERNAME\tEXPIRES\tREFRESHED\tDOCKER\tPODMAN"
		if opts.Check {
			header += "\tCHECK"
		}
		fmt.Fprintln(tw, header)
		for _, r := range rows {
			line := strings.Join([]string{r.Registry, r.Provider, r.Source, dash(r.Username), when(r.Expires), when(r.Refreshed), short(r.Docker), short(r.Podman)}, "\t")
			if opts.Check {
				line += "\t" + checkText(r.Check)
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
	}
	for _, p := range problems {
		fmt.Fprintf(opts.IO.ErrOut, "WARNING: %s\n", cmderr.OneLine(p))
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// short abbreviates a client route for the table.
func short(s string) string {
	if s == "docker-credential-regkey" {
		return "regkey"
	}
	return strings.TrimPrefix(s, "docker-credential-")
}

func checkText(c *status.Check) string {
	if c == nil {
		return "-"
	}
	if c.OK {
		return "ok: " + c.Message
	}
	return "FAILED: " + c.Message
}
