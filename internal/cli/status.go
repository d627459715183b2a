package cli

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
	"github.com/regkey/regkey/internal/netenv"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/internal/version"
	"github.com/regkey/regkey/providers"
)

// StatusOptions are the inputs of `regkey status`.
type StatusOptions struct {
	IO   cmdutil.IOStreams
	Deps inventoryDeps
	// Verify checks a credential with its registry (--check).
	Verify        func(context.Context, string, auth.Credential, regauth.Options) (regauth.Result, error)
	VerifyOptions regauth.Options
	// CheckTimeout bounds the check of one registry.
	CheckTimeout time.Duration

	JSON  bool
	Check bool
}

// statusRow is one registry in `regkey status`.
type statusRow struct {
	// Registry is the host ("docker.io" for Docker Hub), or a rule's glob.
	Registry string `json:"registry"`
	// Provider is the provider that serves it, or "keystore".
	Provider string `json:"provider"`
	// Why says why that provider was chosen.
	Why string `json:"why"`
	// Source says where regkey's credential comes from.
	Source string `json:"source"`
	// Keys are the keystore keys that hold a credential for it.
	Keys []string `json:"keys,omitempty"`
	// Username is the stored or cached user name ("<token>" for an
	// identity token); never a secret.
	Username string `json:"username,omitempty"`
	// Expires and Refreshed describe a cached provider token.
	Expires   *time.Time `json:"expires,omitempty"`
	Refreshed *time.Time `json:"refreshed,omitempty"`
	// Docker and Podman say where those clients get its credential from
	// ("docker-credential-regkey", another helper, plaintext, "none").
	Docker string `json:"docker"`
	Podman string `json:"podman"`
	// Check is the result of --check.
	Check *statusCheck `json:"check,omitempty"`

	route providers.Route
}

// statusCheck is the outcome of verifying one credential.
type statusCheck struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	Millis  int64  `json:"ms"`
}

type statusJSON struct {
	Keystore   listKeystore `json:"keystore"`
	Registries []statusRow  `json:"registries"`
	Problems   []string     `json:"problems,omitempty"`
}

// NewCmdStatus builds `regkey status`. runF replaces statusRun in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{
		IO: f.IO, Deps: depsFromFactory(f), Verify: regauth.Verify, CheckTimeout: 20 * time.Second,
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
	inv := gatherInventory(ctx, opts.Deps)
	rows := statusRows(inv, opts.Deps.Now)
	if opts.Check {
		checkRows(ctx, opts, inv, rows)
	}
	problems := inventoryProblems(inv)
	// With --check, what could not be read is what could not be checked:
	// the first such problem is the command's error (exit 1, or 2 for a
	// bad REGKEY_KEYSTORE), never a warning beside exit 0.
	var uncheckable error
	if opts.Check && len(problems) > 0 {
		uncheckable = fmt.Errorf("status --check could not check every registry: %w", problems[0])
	}
	if opts.JSON {
		out := statusJSON{Keystore: listKeystore{Backend: inv.storeInfo.Backend, Location: inv.storeInfo.Location}, Registries: rows}
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

// statusRows builds one row per known registry, then one per glob rule.
func statusRows(inv *snapshot, now func() time.Time) []statusRow {
	var rows []statusRow
	for _, h := range inv.hosts() {
		r := statusRow{Registry: h, Keys: inv.hostKeys(h)}
		r.Docker, r.Podman = inv.dockerRoute(h).String(), inv.podmanRoute(h).String()
		if len(r.Keys) > 0 {
			r.Username = inv.stored[r.Keys[0]]
		}
		route, err := inv.route(h)
		switch {
		case err != nil:
			r.Provider, r.Source = "?", "cannot route: "+cmderr.OneLine(err)
		case route.Static():
			r.route = route
			r.Provider, r.Why = providers.Keystore, route.Reason()
			r.Source = keystoreSource(inv, r)
		default:
			r.route = route
			r.Provider, r.Why = route.Name, route.Reason()
			r.Source = "provider " + route.Name
			k, _ := auth.ParseKey(h)
			if route.Provider.CacheKey(k) == "" {
				r.Source += " (read on every get, never cached)"
			} else if e, ok := inv.cacheLookup(route.Provider, k); ok {
				exp, got := e.Expires, e.Obtained
				r.Expires, r.Refreshed, r.Username = &exp, &got, e.Username
				if now != nil && !e.Usable(now()) {
					r.Source += " (cached token expired)"
				} else {
					r.Source += " (token cached)"
				}
			} else {
				r.Source += " (no token cached yet)"
			}
			if len(r.Keys) > 0 {
				r.Source += "; keystore fallback"
			}
		}
		rows = append(rows, r)
	}
	for _, ru := range inv.settings.Registries {
		if strings.Contains(ru.Match, "*") {
			rows = append(rows, statusRow{Registry: ru.Match, Provider: ru.Provider, Why: "rule", Source: "provider " + ru.Provider + " for every matching host", Docker: "-", Podman: "-"})
		}
	}
	return rows
}

func keystoreSource(inv *snapshot, r statusRow) string {
	if len(r.Keys) > 0 {
		return "keystore (" + inv.storeInfo.Backend + ")"
	}
	if d := inv.dockerRoute(r.Registry); !d.Regkey() && d.String() != "none" {
		return "not in regkey; docker uses " + d.String()
	}
	if p := inv.podmanRoute(r.Registry); !p.Regkey() && p.String() != "none" {
		return "not in regkey; podman uses " + p.String()
	}
	return "none (anonymous)"
}

func printStatus(opts *StatusOptions, inv *snapshot, rows []statusRow, problems []error) {
	out := opts.IO.Out
	if inv.storeErr == nil {
		fmt.Fprintf(opts.IO.ErrOut, "keystore: %s%s\n", inv.storeInfo.Backend, inv.storeInfo.WhereSuffix())
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

func checkText(c *statusCheck) string {
	if c == nil {
		return "-"
	}
	if c.OK {
		return "ok: " + c.Message
	}
	return "FAILED: " + c.Message
}

// inventoryProblems are what status could not read: the keystore, regkey's
// settings, docker's and podman's files.
func inventoryProblems(inv *snapshot) []error {
	var out []error
	for _, err := range append([]error{inv.storeErr, inv.settingsErr, inv.routerErr, inv.dockerErr, inv.rcErr, inv.legacyErr}, inv.podErrs...) {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}
