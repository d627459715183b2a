// Package api is the `regkey api` command: its flags, help text and checks.
// Sending the request and printing the answer is internal/apicall's.
package api

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/apicall"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/netenv"
	"github.com/regkey/regkey/internal/registryapi"
	"github.com/regkey/regkey/internal/resolve"
	"github.com/regkey/regkey/internal/version"
)

// APIOptions are the inputs of `regkey api`: the engine's, with its
// streams, credential lookup, client options and jq wired from the
// cmdutil.Factory and the rest set from the target and flags, and whether
// --method was given.
type APIOptions struct {
	apicall.Options
	// MethodGiven says -X was given: --input then keeps the method.
	MethodGiven bool
}

// NewCmdAPI builds `regkey api`. runF replaces apiRun in tests.
func NewCmdAPI(f *cmdutil.Factory, runF func(*APIOptions) error) *cobra.Command {
	var lookup *resolve.Lookup
	opts := &APIOptions{Options: apicall.Options{
		In: f.IO.In, Out: f.IO.Out, ErrOut: f.IO.ErrOut, OutTTY: f.IO.OutTTY,
		Credential: func(ctx context.Context, host string) (auth.Credential, error) {
			if lookup == nil {
				lookup = f.CredentialLookup()
			}
			c, _, err := lookup.Credential(ctx, host)
			return c, err
		},
		ClientOptions: registryapi.Options{
			CertDirs:  f.Paths.DockerCertDirs(),
			Proxy:     netenv.ProxyFunc(f.Env),
			UserAgent: "regkey/" + version.Version,
		},
		NewFilter: func(expr string, pretty bool) (apicall.Filter, error) { return apicall.NewJQ(f.Env, expr, pretty) },
	}}
	cmd := &cobra.Command{
		Use:   "api [flags] TARGET",
		Short: "Make an authenticated registry API request",
		Long: `api sends one request to a registry's HTTP API (distribution's /v2/, the OCI
distribution spec) with the credentials docker-credential-regkey gives for the
registry, and prints the response body on stdout. TARGET is HOST/PATH or
https://HOST/PATH; a bare HOST means /v2/.

Authentication is docker's: the request goes out without credentials; a 401
with a Basic challenge is retried with the stored username and password, a
Bearer challenge with a token from the registry's token server for the scope
the challenge names plus the one the request implies (pull for GET and HEAD,
pull,push for PUT, POST and PATCH, delete for DELETE of a manifest or blob,
registry:catalog:* for /v2/_catalog). Tokens are reused for the rest of the
command (every page of --paginate).

The method is GET, or POST with --input, unless -X says otherwise. A manifest
request without an Accept header asks for every OCI and Docker v2 manifest
type, as docker does; a manifest PUT without Content-Type is sent with the
manifest's own mediaType.

--paginate follows the Link: <...>; rel="next" header (the catalog pages with
?n=N) and prints each page in turn; with --jq the filter runs on every page.
--jq needs the jq program (or gojq) on PATH; strings are printed raw.

Redirects are followed (blob downloads go to storage), but credentials never
go to another host or over a redirect from HTTPS to HTTP. Plain HTTP is used
only for loopback registries, or for this registry with --insecure. TLS trusts
the system roots, SSL_CERT_FILE and docker's certs.d directories.

Exit status: 0 for a 2xx answer; 1 for any other, with the registry's error
(code and message) on stderr; 2 for a usage error.`,
		Example: `  regkey api "registry.example.com/v2/_catalog?n=100" --paginate --jq '.repositories[]'
  regkey api registry.example.com/v2/myapp/tags/list --paginate --jq '.tags[]'
  regkey api -X HEAD -i registry.example.com/v2/myapp/manifests/v1
  regkey api -X DELETE registry.example.com/v2/myapp/manifests/sha256:…
  regkey api -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
      --input manifest.json registry.example.com/v2/myapp/manifests/v2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			opts.MethodGiven = cmd.Flags().Changed("method")
			opts.Method = strings.ToUpper(opts.Method)
			if !opts.MethodGiven && opts.Input != "" {
				opts.Method = "POST"
			}
			if !apicall.IsToken(opts.Method) {
				return cmderr.Usagef("--method %q is not an HTTP method", opts.Method)
			}
			if opts.Paginate && opts.Method != "GET" {
				return cmderr.Usagef("--paginate works only with GET")
			}
			if opts.Paginate && opts.Input != "" {
				return cmderr.Usagef("--paginate and --input are mutually exclusive")
			}
			if opts.Silent && opts.JQ != "" {
				return cmderr.Usagef("--silent and --jq are mutually exclusive")
			}
			if _, err := apicall.ParseHeaders(opts.Headers); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return apiRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Method, "method", "X", "GET", "the HTTP `method` (GET, HEAD, PUT, POST, PATCH, DELETE)")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "add a request header in `key:value` form (repeatable)")
	fl.StringVar(&opts.Input, "input", "", "send the `file` as the request body (- for stdin)")
	fl.BoolVarP(&opts.Include, "include", "i", false, "print the response status line and headers before the body")
	fl.BoolVar(&opts.Paginate, "paginate", false, "follow Link rel=\"next\" headers and print every page")
	fl.StringVarP(&opts.JQ, "jq", "q", "", "filter each response body with a jq `expression` (needs jq on PATH)")
	fl.BoolVar(&opts.Silent, "silent", false, "do not print the response body")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "print every request and response line and header on stderr (secrets redacted)")
	fl.BoolVar(&opts.Insecure, "insecure", false, "allow plain HTTP and skip TLS certificate verification for this registry (never for its token server)")
	return cmd
}

// apiRun runs the API call engine with opts.
func apiRun(ctx context.Context, opts *APIOptions) error {
	return apicall.Run(ctx, &opts.Options)
}
