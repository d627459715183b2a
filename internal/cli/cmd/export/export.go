// Package export is the `regkey export` command: its flags, help text and
// checks, and the list of registries it exports by default. Looking up,
// encoding and writing the credentials is internal/export's.
package export

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/export"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/resolve"
)

// DefaultSecretName is the Secret's name when --name is not given.
const DefaultSecretName = export.DefaultSecretName

// ExportTimeout bounds one export: every lookup, the keystore included.
const ExportTimeout = export.Timeout

// ExportOptions are the inputs of `regkey export`: the engine's, with its
// streams, credential lookup and list of known registries wired from the
// cmdutil.Factory and the rest set from the arguments and flags.
type ExportOptions struct {
	export.Options
}

// NewCmdExport builds `regkey export`. runF replaces exportRun in tests.
func NewCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{Options: export.Options{Out: f.IO.Out, ErrOut: f.IO.ErrOut, OutTTY: f.IO.OutTTY}}
	var lookup *resolve.Lookup
	opts.Lookup = func() export.Source {
		if lookup == nil {
			lookup = f.CredentialLookup()
		}
		return lookup
	}
	opts.Known = func(ctx context.Context) ([]inventory.Known, error) {
		l := opts.Lookup().(*resolve.Lookup)
		return knownForExport(ctx, f, l)
	}
	cmd := &cobra.Command{
		Use:   "export [HOST...] --format dockerconfigjson|k8s-secret|env",
		Short: "Write current registry credentials for tools that cannot run a credential helper",
		Long: `export writes the credentials docker-credential-regkey would give for the named
registries (or for every registry in the keystore and every provider-served
registry regkey knows of) in a form that tools without a credential helper read:

    dockerconfigjson  a docker config.json: {"auths": {HOST: {"auth": ...}}},
                      for kaniko, buildkit in a pod, or DOCKER_CONFIG
    k8s-secret        a Kubernetes Secret of type kubernetes.io/dockerconfigjson
                      (--name, --namespace), for imagePullSecrets
    env               shell exports: REGKEY_AUTH_<HOST>='user:secret' (read by
                      another regkey) and DOCKER_AUTH_CONFIG (GitLab runners);
                      a host whose variable would also name another host
                      (reg.example.5000 reads like reg.example:5000) is
                      refused: export it as dockerconfigjson

Provider tokens expire (ECR 12 h, ACR 3 h, Google 1 h): re-export on a timer.
The output holds secrets. It goes to stdout, or with --output to a file written
atomically with mode 0600; it is never printed on a terminal without --force.
If any named registry has no credential, nothing is written and the exit status
is 3. Identity tokens are written as "identitytoken" in dockerconfigjson, which
docker and buildkit use but the kubelet ignores.`,
		Example: `  regkey export 123456789012.dkr.ecr.eu-west-1.amazonaws.com --format k8s-secret \
    --name ecr-pull --namespace ci | kubectl apply -f -
  regkey export ghcr.io --format dockerconfigjson --output /kaniko/.docker/config.json
  eval "$(regkey export registry.gitlab.com --format env)"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Hosts = args
			if err := cmdutil.CheckHostArgs(args); err != nil {
				return err
			}
			if opts.Format == "" {
				return cmderr.Usagef("--format is required: %s", strings.Join(export.Formats, ", "))
			}
			if !slices.Contains(export.Formats, opts.Format) {
				return cmderr.Usagef("--format %q: want %s", opts.Format, strings.Join(export.Formats, ", "))
			}
			if opts.Format != export.FormatK8sSecret && (cmd.Flags().Changed("name") || cmd.Flags().Changed("namespace")) {
				return cmderr.Usagef("--name and --namespace apply only to --format %s", export.FormatK8sSecret)
			}
			if opts.Format == export.FormatK8sSecret {
				if err := export.ValidateSecretName(opts.Name, opts.Namespace); err != nil {
					return cmderr.Usage(err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "output format (required): "+strings.Join(export.Formats, ", "))
	cmd.Flags().StringVar(&opts.Name, "name", DefaultSecretName, "the Secret's `NAME` (k8s-secret)")
	cmd.Flags().StringVar(&opts.Namespace, "namespace", "", "the Secret's `NAMESPACE` (k8s-secret; none by default)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write to `FILE` (0600, atomic) instead of stdout")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "print secrets even when stdout is a terminal")
	return cmd
}

// knownForExport lists the keystore's keys and the provider-served hosts
// regkey knows of (see cmdutil.Factory.DiscoverHosts), each registry once.
func knownForExport(ctx context.Context, f *cmdutil.Factory, l *resolve.Lookup) ([]inventory.Known, error) {
	var out []inventory.Known
	store, info, err := f.Keystore(ctx)
	if err != nil {
		return nil, cmdutil.HintUnavailable(err)
	}
	keys, err := store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the %s keystore: %w", info.Backend, cmdutil.HintUnavailable(err))
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		out = append(out, inventory.Known{Host: k, Origin: export.OriginKeystore})
	}
	if l.Router == nil {
		return out, nil
	}
	warn := func(format string, a ...any) { fmt.Fprintf(f.IO.ErrOut, "regkey: warning: "+format+"\n", a...) }
	for _, h := range f.DiscoverHosts(l.Cache, warn) {
		k, err := auth.ParseKey(h.Host)
		if err != nil {
			continue
		}
		if route, err := l.Router.Route(k); err == nil && !route.Static() {
			out = append(out, h)
		}
	}
	return out, nil
}

// exportRun runs the export engine with opts.
func exportRun(ctx context.Context, opts *ExportOptions) error {
	return export.Run(ctx, &opts.Options)
}
