package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
)

// DefaultSecretName is the Secret's name when --name is not given.
const DefaultSecretName = "regkey-registry-credentials"

// OriginKeystore marks a registry listed by the keystore, as
// inventory.Origin* mark the others.
const OriginKeystore = "keystore"

// Timeout bounds one export: every lookup, the keystore included.
const Timeout = 2 * time.Minute

// Source answers what the helper's get would answer for a key (see
// resolve.Lookup), with the credential's expiry.
type Source interface {
	Credential(ctx context.Context, serverURL string) (auth.Credential, time.Time, error)
}

// Options are the inputs of one
type Options struct {
	// Out receives the credentials unless Output names a file; ErrOut
	// notes and warnings. OutTTY means Out is a terminal.
	Out, ErrOut io.Writer
	OutTTY      bool
	// Hosts are the registries named on the command line; none means every
	// registry regkey holds or serves a credential for.
	Hosts []string
	// Format is one of Formats; Name and Namespace name the Secret of
	// FormatK8sSecret.
	Format    string
	Name      string
	Namespace string
	// Output is the file to write; "" or "-" means Out.
	Output string
	// Force allows writing secrets to a terminal.
	Force bool

	// Lookup returns the credential source; it is called once.
	Lookup func() Source
	// Known lists the registries to export when none are named: keystore
	// keys and provider-served hosts.
	Known func(ctx context.Context) ([]inventory.Known, error)
}

// Run looks up the credential of every named registry (or every known one)
// and writes them in opts.Format, all or nothing: when a named registry has
// none, or its source fails, nothing is written and the error is a
// *cmderr.Partial naming those registries.
func Run(ctx context.Context, opts *Options) error {
	toStdout := opts.Output == "" || opts.Output == "-"
	if toStdout && opts.OutTTY && !opts.Force {
		return cmderr.WithHint(cmderr.Usagef("refusing to print registry credentials on a terminal"),
			"pipe or redirect the output, write it with --output FILE, or add --force")
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
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
	entries, failed := collect(ctx, opts, hosts)
	if len(failed) > 0 {
		return fmt.Errorf("no credentials for %s; nothing was written: %w", strings.Join(failed, ", "), &cmderr.Partial{Failed: failed})
	}
	if len(entries) == 0 {
		return errors.New("no credentials to export: regkey holds none and no provider serves a known registry")
	}
	data, err := render(opts, entries)
	if err != nil {
		return err
	}
	if toStdout {
		_, err := opts.Out.Write(data)
		return err
	}
	if err := writeSecretFile(opts.Output, data); err != nil {
		return err
	}
	fmt.Fprintf(opts.ErrOut, "Wrote %d registr%s (%s) to %s\n", len(entries), cmderr.Plural(len(entries), "y", "ies"), opts.Format, opts.Output)
	return nil
}

// collect looks up each host once. A named host without a credential,
// and any host whose source fails, is reported on stderr and returned in
// failed; a discovered host without one is only noted.
func collect(ctx context.Context, opts *Options, hosts []inventory.Known) (entries []Entry, failed []string) {
	lookup := opts.Lookup()
	seen := map[string]bool{}
	for _, h := range hosts {
		k, err := auth.ParseKey(h.Host)
		if err == nil && k.Opaque {
			continue // Docker Hub's access-token and refresh-token entries
		}
		if err != nil {
			fmt.Fprintf(opts.ErrOut, "regkey: %s: %v\n", h.Host, err)
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
			fmt.Fprintf(opts.ErrOut, "regkey: skipping %s (%s): no credential\n", k.Host, h.Origin)
			continue
		case errors.Is(err, auth.ErrNotFound):
			fmt.Fprintf(opts.ErrOut, "regkey: %s: no credential (regkey login %s, or configure its provider)\n", h.Host, k.Host)
			failed = append(failed, h.Host)
			continue
		case err != nil:
			fmt.Fprintf(opts.ErrOut, "regkey: %s: %s\n", h.Host, cmderr.OneLine(err))
			failed = append(failed, h.Host)
			continue
		case c.Empty():
			continue
		}
		if c.IsIdentityToken() && opts.Format == FormatK8sSecret {
			fmt.Fprintf(opts.ErrOut, "regkey: warning: %s holds an identity token, which the kubelet ignores\n", k.Host)
		}
		entries = append(entries, Entry{Key: k, Credential: c})
	}
	return entries, failed
}

// render encodes entries in the chosen format.
func render(opts *Options, entries []Entry) ([]byte, error) {
	switch opts.Format {
	case FormatDockerConfigJSON:
		return DockerConfigJSON(entries)
	case FormatK8sSecret:
		return KubernetesSecret(opts.Name, opts.Namespace, entries)
	default:
		return Env(entries)
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
