package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/kubelet/pkg/apis/credentialprovider"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/kubelet"
	"github.com/regkey/regkey/internal/kubelet/kubelettest"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/acr"
	"github.com/regkey/regkey/providers/ecr"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
	"github.com/regkey/regkey/providers/gcr"
	"github.com/regkey/regkey/providers/ghcr"
)

// kubeletAsk sends the built regkey one CredentialProviderRequest, encoded
// by the official serializer, and decodes a successful answer as the
// kubelet does (strictly, apiVersion checked).
func kubeletAsk(t *testing.T, c *testenv.Client, version, image string) (*credentialprovider.CredentialProviderResponse, testenv.Result) {
	t.Helper()
	req, err := kubelettest.EncodeRequest(version, image)
	if err != nil {
		t.Fatal(err)
	}
	return kubeletSend(t, c, version, req)
}

func kubeletSend(t *testing.T, c *testenv.Client, version string, req []byte) (*credentialprovider.CredentialProviderResponse, testenv.Result) {
	t.Helper()
	res := c.Run(t, req, "regkey", "kubelet-provider")
	if res.ExitCode != 0 {
		return nil, res
	}
	resp, err := kubelettest.DecodeResponse([]byte(res.Stdout), version)
	if err != nil {
		t.Fatalf("the kubelet would reject %q: %v", res.Stdout, err)
	}
	if version == kubelet.APIVersionV1 {
		if _, err := kubelettest.DecodeV1Response([]byte(res.Stdout)); err != nil {
			t.Fatalf("strict v1 decode of %q: %v", res.Stdout, err)
		}
	}
	return resp, res
}

// TestKubeletProvider drives `regkey kubelet-provider` through the built
// binary: an ECR token from the loopback fake with a half-life
// cacheDuration, the token cache, a keystore credential, the empty answer,
// and the errors.
func TestKubeletProvider(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	fake.TTL = 4 * time.Hour
	t.Cleanup(fake.Close)
	c := newProviderClient(t)
	useECR(t, c, fake, "ecr-rule.example.com")
	image := ecrHost + "/team/app"
	password := ecrfake.Password(ecrKeyID, "us-east-1")

	before := time.Now()
	resp, res := kubeletAsk(t, c, kubelet.APIVersionV1, image)
	took := time.Since(before)
	if resp == nil {
		t.Fatalf("ECR image: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	want := credentialprovider.AuthConfig{Username: "AWS", Password: password}
	if len(resp.Auth) != 1 || resp.Auth[ecrHost] != want || resp.CacheKeyType != credentialprovider.RegistryPluginCacheKeyType {
		t.Errorf("ECR answer: %+v", resp)
	}
	// The token was issued and the answer made while kubeletAsk ran: half
	// of what was left then is 2 h less at most half of that time (and a
	// second of rounding), however slow the machine was.
	if d := kubelettest.Duration(resp.CacheDuration); d < 2*time.Hour-took/2-time.Second || d > 2*time.Hour {
		t.Errorf("cacheDuration %v for a 4 h token after a %v call, want half of its remaining life (about 2 h)", d, took)
	}
	for key := range resp.Auth {
		if ok, err := kubelet.MatchImage(key, image); !ok || err != nil {
			t.Errorf("auth key %q would not match the image for the kubelet (%v)", key, err)
		}
	}
	calls := ecrCalls(fake, "us-east-1")

	// The second pull is served from regkey's token cache, in v1beta1.
	resp, res = kubeletAsk(t, c, kubelet.APIVersionV1beta1, image)
	if resp == nil || resp.Auth[ecrHost] != want {
		t.Fatalf("v1beta1: %+v, exit %d, stderr %q", resp, res.ExitCode, res.Stderr)
	}
	if n := ecrCalls(fake, "us-east-1"); n != calls {
		t.Errorf("%d token calls for a cached answer, want none", n-calls)
	}

	// Nothing for this registry: a valid empty answer the kubelet does not cache.
	resp, res = kubeletAsk(t, c, kubelet.APIVersionV1, "docker.io/library/nginx")
	if resp == nil || len(resp.Auth) != 0 || kubelettest.Duration(resp.CacheDuration) != 0 {
		t.Errorf("no credential: %+v, exit %d, stderr %q", resp, res.ExitCode, res.Stderr)
	}

	// A password in the keystore has no expiry: defaultCacheDuration decides.
	helperStore(t, c, "127.0.0.1:5000", "kube", "stored-secret")
	resp, res = kubeletAsk(t, c, kubelet.APIVersionV1, "127.0.0.1:5000/team/app")
	if resp == nil || resp.Auth["127.0.0.1:5000"] != (credentialprovider.AuthConfig{Username: "kube", Password: "stored-secret"}) || resp.CacheDuration != nil {
		t.Errorf("keystore credential: %+v, exit %d, stderr %q", resp, res.ExitCode, res.Stderr)
	}

	// A credential stored for a repository path (podman login HOST/ORG):
	// answers for that registry are keyed and cached per image, so that
	// the kubelet neither gives team's credential to other repositories
	// nor the host's to team's.
	helperStore(t, c, "127.0.0.1:5000/team", "team-bot", "team-secret")
	for image, want := range map[string]credentialprovider.AuthConfig{
		"127.0.0.1:5000/team/app":  {Username: "team-bot", Password: "team-secret"},
		"127.0.0.1:5000/other/app": {Username: "kube", Password: "stored-secret"},
	} {
		resp, res = kubeletAsk(t, c, kubelet.APIVersionV1, image)
		if resp == nil || len(resp.Auth) != 1 || resp.Auth[image] != want || resp.CacheKeyType != credentialprovider.ImagePluginCacheKeyType {
			t.Errorf("%s with a path-scoped credential stored: %+v, exit %d, stderr %q; want %+v keyed by the image, cacheKeyType Image",
				image, resp, res.ExitCode, res.Stderr, want)
		}
	}

	for name, req := range map[string]string{
		"unknown apiVersion": `{"apiVersion":"credentialprovider.kubelet.k8s.io/v2","kind":"CredentialProviderRequest","image":"` + image + `"}`,
		"unknown kind":       `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"ImageReview","image":"` + image + `"}`,
		"not JSON":           "image: " + image,
	} {
		_, res := kubeletSend(t, c, kubelet.APIVersionV1, []byte(req))
		if res.ExitCode != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, "credential provider request") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 with the reason on stderr", name, res.ExitCode, res.Stdout, res.Stderr)
		}
	}
	assertNoPlaintext(t, c, "e2e-secret-access-key")
}

// TestKubeletProviderFailures: a provider that refuses, and one that never
// answers, exit 1 with the cause on stderr. The one that never answers is
// ended by regkey's own bound (inside the kubelet's minute: see
// Test_kubeletRunBounded), which stderr must report as a timeout.
func TestKubeletProviderFailures(t *testing.T) {
	t.Parallel()
	image := ecrHost + "/team/app"
	for name, setup := range map[string]func(*ecrfake.Server){
		"refused": func(f *ecrfake.Server) { f.Fail = "AccessDeniedException" },
		"hangs":   func(f *ecrfake.Server) { f.Hang = true },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := ecrfake.New()
			setup(fake)
			t.Cleanup(fake.Close)
			c := newProviderClient(t)
			useECR(t, c, fake, "ecr-rule.example.com")
			resp, res := kubeletAsk(t, c, kubelet.APIVersionV1, image)
			if resp != nil || res.ExitCode != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, ecrHost) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 naming the registry", res.ExitCode, res.Stdout, res.Stderr)
			}
			if name == "refused" && !strings.Contains(res.Stderr, "AccessDenied") {
				t.Errorf("stderr %q does not give the cause", res.Stderr)
			}
			if name == "hangs" && !strings.Contains(res.Stderr, "timed out") {
				t.Errorf("stderr %q does not say the provider timed out", res.Stderr)
			}
		})
	}
}

// TestKubeletExampleConfig decodes packaging/kubelet's
// CredentialProviderConfig strictly with the official type, and checks its
// matchImages with the kubelet's glob semantics: every registry shape
// regkey serves is sent to regkey, and nothing else is.
func TestKubeletExampleConfig(t *testing.T) {
	t.Parallel()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "packaging", "kubelet", "credential-provider-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := kubelettest.DecodeConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Providers) != 1 {
		t.Fatalf("%d providers, want 1", len(cfg.Providers))
	}
	p := cfg.Providers[0]
	if p.Name != "regkey" || p.APIVersion != kubelet.APIVersionV1 || strings.Join(p.Args, " ") != "kubelet-provider" ||
		p.DefaultCacheDuration == nil || p.DefaultCacheDuration.Duration <= 0 {
		t.Errorf("provider: %+v", p)
	}
	for _, m := range p.MatchImages {
		if err := kubelet.ValidateMatchImage(m); err != nil {
			t.Errorf("matchImages: %v", err)
		}
	}
	matched := func(image string) bool {
		for _, m := range p.MatchImages {
			if ok, _ := kubelet.MatchImage(m, image); ok {
				return true
			}
		}
		return false
	}
	served := map[string]func(auth.Key) bool{"ecr": ecr.Matches, "acr": acr.Matches, "gcr": gcr.Matches, "ghcr": ghcr.Matches}
	for image, provider := range map[string]string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app":      "ecr",
		"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app":  "ecr",
		"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app":       "ecr",
		"123456789012.dkr-ecr.us-east-1.on.aws/app":                  "ecr",
		"myregistry.azurecr.io/team/app":                             "acr",
		"myregistry.azurecr.cn/app":                                  "acr",
		"myregistry.azurecr.us/app":                                  "acr",
		"gcr.io/project/app":                                         "gcr",
		"eu.gcr.io/project/app":                                      "gcr",
		"us-docker.pkg.dev/project/repo/app":                         "gcr",
		"europe-west1-docker.pkg.dev/project/repo/app":               "gcr",
		"docker.us-central1.rep.pkg.dev/project/repo/app":            "gcr",
		"ghcr.io/owner/app":                                          "ghcr",
		"docker.io/library/nginx":                                    "",
		"quay.io/org/app":                                            "",
		"myregistry.azurecr.io.evil.example/app":                     "",
		"gcr.io.evil.example/app":                                    "",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.test/app": "",
		"ghcr.io:5000/owner/app":                                     "",
	} {
		host, err := kubelet.RegistryOf(image)
		if err != nil {
			t.Fatal(err)
		}
		k, err := auth.ParseKey(host)
		if err != nil {
			t.Fatal(err)
		}
		if got := matched(image); got != (provider != "") {
			t.Errorf("%s: sent to regkey = %v, want %v", image, got, provider != "")
		}
		if provider != "" && !served[provider](k) {
			t.Errorf("%s: the config sends it to regkey, but the %s provider does not serve %s", image, provider, host)
		}
	}
}
