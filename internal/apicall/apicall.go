// Package apicall sends one authenticated request to a registry's HTTP API
// (`regkey api`) over internal/registryapi, and prints the answer: the
// status line and headers on request, the body as it came or filtered
// through jq, every page with pagination.
package apicall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/internal/registryapi"
)

// Caps on what regkey api holds in memory.
const (
	// maxStdinBody caps a request body read from stdin (--input -), which
	// has to be kept to be sent again after a challenge or a redirect. A
	// file is read from disk each time instead.
	maxStdinBody = 64 << 20
	// maxFilteredBody caps a response body handed to --jq.
	maxFilteredBody = 256 << 20
)

// Options are the inputs of one API call.
type Options struct {
	// In is read for --input -; Out receives the answer, ErrOut the trace.
	// OutTTY means Out is a terminal (jq then indents).
	In          io.Reader
	Out, ErrOut io.Writer
	OutTTY      bool
	// Credential answers what the helper's get would answer for a host;
	// it is called only when the registry asks for credentials.
	Credential func(ctx context.Context, host string) (auth.Credential, error)
	// ClientOptions carry certs.d dirs, proxy and user agent. Credential,
	// Insecure, TryHTTP and Trace are set from the target and the flags.
	ClientOptions registryapi.Options
	// NewFilter prepares a --jq filter (NewJQ).
	NewFilter func(expr string, pretty bool) (Filter, error)

	// Target is HOST/PATH or https://HOST/PATH.
	Target string
	// Method is the HTTP method, upper case.
	Method string
	// Headers are -H values, "Name: value".
	Headers []string
	// Input is the request body's file; "-" is In, "" none.
	Input string
	// Include prints the status line and headers; Paginate follows
	// rel="next" links; JQ filters each body; Silent prints no body;
	// Verbose traces on ErrOut; Insecure allows plain HTTP and skips TLS
	// verification for the registry.
	Include  bool
	Paginate bool
	JQ       string
	Silent   bool
	Verbose  bool
	Insecure bool
}

// Run sends the request of opts and prints the answer. A non-2xx answer is
// an error (a *registryapi.HTTPError, with advice attached); a bad target
// or header is a usage error.
func Run(ctx context.Context, opts *Options) error {
	t, err := registryapi.ParseTarget(opts.Target)
	if err != nil {
		return cmderr.Usagef("%v", err)
	}
	if t.URL.Scheme == "http" && !regauth.IsLoopback(t.Endpoint) && !opts.Insecure {
		return cmderr.WithHint(cmderr.Usagef("plain HTTP to %s: allowed only for loopback registries or with --insecure", t.Endpoint),
			"use https://, or add --insecure if the registry really serves plain HTTP")
	}
	header, err := ParseHeaders(opts.Headers)
	if err != nil {
		return err
	}
	var filter Filter
	if opts.JQ != "" {
		if filter, err = opts.NewFilter(opts.JQ, opts.OutTTY); err != nil {
			return err
		}
		if err := filter.Check(ctx); err != nil {
			return err
		}
	}
	body, err := openInput(opts.Input, opts.In)
	if err != nil {
		return err
	}
	if c, ok := body.(io.Closer); ok {
		defer c.Close()
	}
	if registryapi.IsManifest(t.URL.Path) {
		if (opts.Method == http.MethodGet || opts.Method == http.MethodHead) && header.Get("Accept") == "" {
			header.Set("Accept", registryapi.ManifestAccept)
		}
		if opts.Method == http.MethodPut && body != nil && header.Get("Content-Type") == "" {
			if mt := registryapi.MediaType(body); mt != "" {
				header.Set("Content-Type", mt)
			}
		}
	}

	co := opts.ClientOptions
	co.Insecure, co.TryHTTP = opts.Insecure, !t.SchemeGiven
	if opts.Verbose {
		co.Trace = opts.ErrOut
	}
	co.Credential = func(ctx context.Context) (auth.Credential, error) {
		return opts.Credential(ctx, t.Host)
	}
	client := registryapi.New(t.Endpoint, co)
	defer client.Close()

	req := registryapi.Request{Method: opts.Method, URL: t.URL, Header: header, Body: body}
	seen := map[string]bool{}
	for page := 0; ; page++ {
		seen[req.URL.String()] = true
		resp, err := client.Do(ctx, req)
		if err != nil {
			return hint(err, t, client)
		}
		next, err := printPage(ctx, opts, client, resp, filter, page)
		if err != nil {
			return hint(err, t, client)
		}
		if !opts.Paginate || next == nil {
			return nil
		}
		if seen[next.String()] {
			return fmt.Errorf("%s: the next-page link repeats %s", t.Host, regauth.RedactURL(next.String()))
		}
		req.URL, req.Body = next, nil
	}
}

// printPage prints one response (headers with --include, then the body,
// filtered with --jq) and returns the URL of the next page, if any. A
// non-2xx answer is an *registryapi.HTTPError; its body is printed as it
// came (unless --silent or --jq) before the summary on stderr.
func printPage(ctx context.Context, opts *Options, client *registryapi.Client, resp *http.Response, filter Filter, page int) (*url.URL, error) {
	defer resp.Body.Close()
	out := opts.Out
	if opts.Include {
		if page > 0 {
			fmt.Fprintln(out)
		}
		writeHead(out, resp)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, registryapi.MaxErrorBody))
		if !opts.Silent && filter == nil {
			_, _ = out.Write(body)
		}
		return nil, client.Check(resp, body)
	}
	switch {
	case filter != nil:
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxFilteredBody+1))
		if err != nil {
			return nil, fmt.Errorf("reading the response: %w", err)
		}
		if len(body) > maxFilteredBody {
			return nil, fmt.Errorf("response body larger than %d MiB: too large for --jq (leave out --jq and pipe the output instead)", maxFilteredBody>>20)
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := filter.Run(ctx, body, out); err != nil {
				return nil, err
			}
		}
	case opts.Silent:
		_, _ = io.Copy(io.Discard, resp.Body)
	default:
		if _, err := io.Copy(out, resp.Body); err != nil {
			return nil, fmt.Errorf("copying the response to stdout: %w", err)
		}
	}
	if !opts.Paginate {
		return nil, nil
	}
	next, err := registryapi.NextPage(resp)
	if err != nil {
		return nil, fmt.Errorf("the next-page link: %w", err)
	}
	return next, nil
}

// writeHead prints the status line and the headers, sorted, one per line
// ("Name: v1, v2"), then an empty line: what -i shows, easy to read with
// awk or grep.
func writeHead(w io.Writer, resp *http.Response) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", resp.Proto, resp.Status)
	for _, name := range slices.Sorted(maps.Keys(resp.Header)) {
		fmt.Fprintf(&b, "%s: %s\n", name, strings.Join(resp.Header[name], ", "))
	}
	b.WriteString("\n")
	_, _ = io.WriteString(w, b.String())
}

// ParseHeaders parses -H values ("Accept: a/b", "X-Thing:v"); a malformed
// one is a usage error.
func ParseHeaders(values []string) (http.Header, error) {
	h := http.Header{}
	for _, v := range values {
		name, value, ok := strings.Cut(v, ":")
		name = strings.TrimSpace(name)
		if !ok || !IsToken(name) {
			return nil, cmderr.Usagef("--header %q: want key:value", v)
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, cmderr.Usagef("--header %q: the value holds a line break", name)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

// openInput opens the --input body: a regular file is read from disk for
// every attempt; stdin ("-"), a pipe or a device is read once into memory
// (up to maxStdinBody). "" means no body.
func openInput(name string, stdin io.Reader) (io.ReadSeeker, error) {
	if name == "" {
		return nil, nil
	}
	if name == "-" {
		return readCapped(stdin, "stdin")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("opening --input: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening --input: %w", err)
	}
	if fi.Mode().IsRegular() {
		return f, nil
	}
	defer f.Close()
	return readCapped(f, name)
}

func readCapped(r io.Reader, what string) (io.ReadSeeker, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxStdinBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the request body from %s: %w", what, err)
	}
	if len(b) > maxStdinBody {
		return nil, fmt.Errorf("request body from %s is larger than %d MiB: save it to a file and use --input FILE", what, maxStdinBody>>20)
	}
	return bytes.NewReader(b), nil
}

// hint adds advice to a failed API call.
func hint(err error, t registryapi.Target, client *registryapi.Client) error {
	var he *registryapi.HTTPError
	switch {
	case errors.As(err, &he) && (he.StatusCode == http.StatusUnauthorized || he.StatusCode == http.StatusForbidden):
		switch asked, found := client.CredentialFound(); {
		case asked && !found:
			return cmderr.WithHint(err, fmt.Sprintf("regkey has no credentials for %s: run `regkey login %s` (or docker login)", t.Host, t.Host))
		case found:
			return cmderr.WithHint(err, fmt.Sprintf("the registry refused the credentials regkey has for %s (see `regkey status`): run `regkey login %s` to replace them, with an account allowed to do this", t.Host, t.Host))
		default:
			return cmderr.WithHint(err, fmt.Sprintf("the registry refused the request without asking for credentials: check the account's permissions, or run `regkey login %s` to use another account", t.Host))
		}
	case errors.Is(err, regauth.ErrInvalidCredentials):
		return cmderr.WithHint(err, fmt.Sprintf("the token server refused the credentials regkey has for %s: run `regkey login %s` to replace them", t.Host, t.Host))
	case errors.Is(err, regauth.ErrCertificate):
		return cmderr.WithHint(err, fmt.Sprintf("put the registry's CA certificate in /etc/docker/certs.d/%s/ca.crt or ~/.docker/certs.d/%s/ca.crt, or add --insecure", t.Endpoint, t.Endpoint))
	case errors.Is(err, regauth.ErrPlainHTTP):
		return cmderr.WithHint(err, "plain HTTP is allowed only for loopback hosts, and with --insecure for the registry itself")
	}
	return err
}

// IsToken reports whether s is a non-empty RFC 9110 token (a method name).
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
