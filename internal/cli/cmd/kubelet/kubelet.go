// Package kubelet is the `regkey kubelet-provider` command: the kubelet's
// image credential provider plugin, served by internal/kubelet over
// resolve.Lookup.
package kubelet

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/kubelet"
)

// KubeletTimeout bounds one kubelet-provider run end to end. The kubelet
// kills a plugin after one minute; regkey answers (or fails) well before,
// and provider calls are bounded more tightly inside this.
const KubeletTimeout = 50 * time.Second

// KubeletOptions are the inputs of `regkey kubelet-provider`.
type KubeletOptions struct {
	IO cmdutil.IOStreams
	// Lookup returns the credential source; it is called once per run.
	Lookup func() kubelet.Lookup
	// Now is the clock for cacheDuration.
	Now func() time.Time
	// Timeout bounds the run; zero means KubeletTimeout.
	Timeout time.Duration
}

// NewCmdKubelet builds `regkey kubelet-provider`. runF replaces kubeletRun
// in tests.
func NewCmdKubelet(f *cmdutil.Factory, runF func(*KubeletOptions) error) *cobra.Command {
	opts := &KubeletOptions{
		IO:     f.IO,
		Lookup: func() kubelet.Lookup { return f.CredentialLookup().Kubelet() },
		Now:    f.Now,
	}
	cmd := &cobra.Command{
		Use:   "kubelet-provider",
		Short: "Serve the kubelet's image credential provider protocol (stdin to stdout)",
		Long: `kubelet-provider reads one CredentialProviderRequest (credentialprovider.kubelet.k8s.io
v1, v1beta1 or v1alpha1) on stdin and writes the CredentialProviderResponse on
stdout, in the same apiVersion. The kubelet runs it for the images its
CredentialProviderConfig sends to regkey (see packaging/kubelet/ for an example
covering ECR, ACR, GCR/Artifact Registry and GHCR).

The credential is the one docker-credential-regkey would give for the image's
registry: ECR, ACR, Google and the other providers first, then regkey's
keystore. It is keyed by the registry host with cacheKeyType "Registry", and
cacheDuration is half of the token's remaining lifetime, so the kubelet asks
again well before it expires. A credential without a known expiry leaves the
duration to defaultCacheDuration. When the keystore holds credentials for
repository paths of the registry (regkey login quay.io/org), a keystore answer
is keyed by the image itself with cacheKeyType "Image", so that each
repository gets its own credential. No credential (or an identity token, which
the kubelet cannot use) is a valid response without auth and with
cacheDuration "0s", so the kubelet asks again on the next pull.

An unknown apiVersion or kind, or a provider that fails, exits 1 with the reason
on stderr, which the kubelet logs. Every run ends within 50 seconds, inside the
kubelet's one-minute limit.`,
		Example: `  # CredentialProviderConfig (kubelet --image-credential-provider-config):
  #   providers:
  #     - name: regkey          # <--image-credential-provider-bin-dir>/regkey
  #       args: [kubelet-provider]
  #       apiVersion: credentialprovider.kubelet.k8s.io/v1
  #       matchImages: ["*.dkr.ecr.*.amazonaws.com", "*.azurecr.io", "ghcr.io"]
  #       defaultCacheDuration: 5m

  echo '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"}' |
    regkey kubelet-provider`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return kubeletRun(cmd.Context(), opts)
		},
	}
	return cmd
}

// kubeletRun serves one request of the kubelet within opts.Timeout.
func kubeletRun(ctx context.Context, opts *KubeletOptions) error {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = KubeletTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return kubelet.Serve(ctx, opts.IO.In, opts.IO.Out, kubelet.Options{
		Lookup: opts.Lookup(),
		Now:    opts.Now,
		Stderr: opts.IO.ErrOut,
	})
}
