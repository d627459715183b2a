package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/export"
	"github.com/regkey/regkey/internal/inventory"
)

func exportRun(ctx context.Context, opts *ExportOptions) error {
	toStdout := opts.Output == "" || opts.Output == "-"
	if toStdout && opts.IO.OutTTY && !opts.Force {
		return cmderr.WithHint(cmderr.Usagef("refusing to print registry credentials on a terminal"),
			"pipe or redirect the output, write it with --output FILE, or add --force")
	}
	ctx, cancel := context.WithTimeout(ctx, ExportTimeout)
	defer cancel()
	hosts := make([]inventory.Known, 0, len(opts.Hosts))
	for _, h := range opts.Hosts {
		hosts = append(hosts, inventory.Known{Host: h, Origin: inventory.OriginArgument})
	}
	if len(hosts) == 0 {
		var err error
		if hosts, err = opts.Known(ctx); err != nil {
			return err
		}
	}
	entries, failed := collectExport(ctx, opts, hosts)
	if len(failed) > 0 {
		return fmt.Errorf("no credentials for %s; nothing was written: %w", strings.Join(failed, ", "), &cmderr.Partial{Failed: failed})
	}
	if len(entries) == 0 {
		return errors.New("no credentials to export: regkey holds none and no provider serves a known registry")
	}
	data, err := renderExport(opts, entries)
	if err != nil {
		return err
	}
	if toStdout {
		_, err := opts.IO.Out.Write(data)
		return err
	}
	if err := writeSecretFile(opts.Output, data); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Wrote %d registr%s (%s) to %s\n", len(entries), cmderr.Plural(len(entries), "y", "ies"), opts.Format, opts.Output)
	return nil
}

// collectExport looks up each host once. A named host without a credential,
// and any host whose source fails, is reported on stderr and returned in
// failed; a discovered host without one is only noted.
func collectExport(ctx context.Context, opts *ExportOptions, hosts []inventory.Known) (entries []export.Entry, failed []string) {
	lookup := opts.Lookup()
	seen := map[string]bool{}
	for _, h := range hosts {
		k, err := auth.ParseKey(h.Host)
		if err == nil && k.Opaque {
			continue // Docker Hub's access-token and refresh-token entries
		}
		if err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "regkey: %s: %v\n", h.Host, err)
			failed = append(failed, h.Host)
			continue
		}
		id := k.Host + "/" + k.Path
		if seen[id] {
			continue
		}
		seen[id] = true
		c, _, err := lookup.Credential(ctx, h.Host)
		switch {
		case errors.Is(err, auth.ErrNotFound) && h.Origin != inventory.OriginArgument:
			fmt.Fprintf(opts.IO.ErrOut, "regkey: skipping %s (%s): no credential\n", k.Host, h.Origin)
			continue
		case errors.Is(err, auth.ErrNotFound):
			fmt.Fprintf(opts.IO.ErrOut, "regkey: %s: no credential (regkey login %s, or configure its provider)\n", h.Host, k.Host)
			failed = append(failed, h.Host)
			continue
		case err != nil:
			fmt.Fprintf(opts.IO.ErrOut, "regkey: %s: %s\n", h.Host, cmderr.OneLine(err))
			failed = append(failed, h.Host)
			continue
		case c.Empty():
			continue
		}
		if c.IsIdentityToken() && opts.Format == export.FormatK8sSecret {
			fmt.Fprintf(opts.IO.ErrOut, "regkey: warning: %s holds an identity token, which the kubelet ignores\n", k.Host)
		}
		entries = append(entries, export.Entry{Key: k, Credential: c})
	}
	return entries, failed
}

// renderExport encodes entries in the chosen format.
func renderExport(opts *ExportOptions, entries []export.Entry) ([]byte, error) {
	switch opts.Format {
	case export.FormatDockerConfigJSON:
		return export.DockerConfigJSON(entries)
	case export.FormatK8sSecret:
		return export.KubernetesSecret(opts.Name, opts.Namespace, entries)
	default:
		return export.Env(entries)
	}
}

// writeSecretFile replaces path with data atomically, mode 0600. An
// existing file that others could read is narrowed to 0600 first, because
// the atomic write keeps the mode of the file it replaces.
func writeSecretFile(path string, data []byte) error {
	target, err := config.ResolveSymlinks(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(target, 0o600); err != nil {
			return fmt.Errorf("writing %s: narrowing its mode to 0600: %w", path, err)
		}
	}
	return config.WriteFileAtomic(path, data, 0o600)
}
