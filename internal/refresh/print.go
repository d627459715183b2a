package refresh

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"
)

// refreshJSON is the shape of `regkey refresh --json`.
type refreshJSON struct {
	Registries []Result `json:"registries"`
	// Failed names the registries that failed, as the exit status 3 does.
	Failed []string `json:"failed"`
}

// Print writes the summary of results on opts.Out: a table, or JSON; with
// nothing to show, the table's place takes a note on opts.ErrOut.
func Print(opts *Options, results []Result) error {
	if opts.JSON {
		out := refreshJSON{Registries: results, Failed: []string{}}
		if out.Registries == nil {
			out.Registries = []Result{}
		}
		for _, r := range results {
			if r.Status == StatusFailed {
				out.Failed = append(out.Failed, r.Host)
			}
		}
		enc := json.NewEncoder(opts.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(results) == 0 {
		fmt.Fprintln(opts.ErrOut, "No provider-served registries to refresh: name one, or add a rule to regkey's settings file.")
		return nil
	}
	now := opts.Now()
	tw := tabwriter.NewWriter(opts.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REGISTRY\tPROVIDER\tSTATUS\tEXPIRES\tDETAIL")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Host, dash(r.Provider), r.Status, expiresIn(r.Expires, now), r.Detail)
	}
	return tw.Flush()
}

// expiresIn is an expiry for the table: "in 11h59m", "expired", or "-".
func expiresIn(t *time.Time, now time.Time) string {
	if t == nil {
		return "-"
	}
	d := t.Sub(now)
	if d <= 0 {
		return "expired"
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case d < time.Minute:
		return "in <1m"
	case h == 0:
		return fmt.Sprintf("in %dm", m)
	case m == 0:
		return fmt.Sprintf("in %dh", h)
	}
	return fmt.Sprintf("in %dh%dm", h, m)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
