package builtin

import (
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/providers"
)

func route(t *testing.T, r *providers.Router, raw string) providers.Route {
	t.Helper()
	k, err := auth.ParseKey(raw)
	if err != nil {
		t.Fatalf("ParseKey(%q): %v", raw, err)
	}
	got, err := r.Route(k)
	if err != nil {
		t.Fatalf("Route(%q): %v", raw, err)
	}
	return got
}

// TestLookAlikesGoToKeystore: hosts shaped like a cloud registry but not
// one must never get a cloud token. Each goes to the static keystore.
func TestLookAlikesGoToKeystore(t *testing.T) {
	t.Parallel()
	r, err := NewRouter(map[string]string{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{
		// GHCR
		"ghcr.io.evil.example", "evil.example/ghcr.io", "https://evil.example/ghcr.io/v2/", "xghcr.io",
		"ghcr.io.", "sub.ghcr.io", "ghcr.io:5000", "ghcr.io:8443", "ghcr-io.evil.example", "ghcr.iox",
		"docker.pkg.github.com.evil.example",
		// Google
		"xgcr.io", "gcr.io.evil.example", "evil.example/gcr.io", "us.gcr.io.evil.example", "gcr.io:5000",
		"evilgcr.io", "gcr.io-evil.example", "a.b.gcr.io.evil", "pkg.dev", "xpkg.dev", "evilpkg.dev",
		"docker.pkg.dev", "us-docker.pkg.dev.evil.example", "us-docker.pkg.dev:5000", "us-docker.xpkg.dev",
		"docker.us-west1.rep.pkg.dev.evil", "docker.us-west1.rep.pkg.dev.evil.example", "rep.pkg.dev",
		"evil.example/us-docker.pkg.dev",
		// ECR private
		"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
		"12345678901.dkr.ecr.us-east-1.amazonaws.com",
		"1234567890123.dkr.ecr.us-east-1.amazonaws.com",
		"x123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"abcdefghijkl.dkr.ecr.us-east-1.amazonaws.com",
		"123456789012.dkr.ecr.amazonaws.com",
		"123456789012.ecr.us-east-1.amazonaws.com",
		"123456789012.dkr.ecr.us-east-1.amazonaws.org",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com.cn.evil",
		"123456789012.dkr.ecr.us-east-1.on.aws.evil",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com:5000",
		"123456789012.dkrxecr.us-east-1.amazonaws.com",
		"123456789012.dkr.ecr-fipsx.us-east-1.amazonaws.com",
		"123456789012.dkr.ecr.-east-1.amazonaws.com",
		"evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"dkr.ecr.us-east-1.amazonaws.com", "amazonaws.com",
		// ECR public
		"public.ecr.aws.evil.example", "xpublic.ecr.aws", "evil.public.ecr.aws", "ecr.aws", "public.ecr.aws:5000",
		"ecr-public.aws.com.evil.example", "evil.example/public.ecr.aws", "public-ecr.aws",
		// ACR
		"myreg.azurecr.io.evil.example", "azurecr.io", "xazurecr.io", "myregazurecr.io", "myreg.azurecr.io:5000",
		"evil.example/myreg.azurecr.io", "my-reg.azurecr.io", "abc.azurecr.io", "myreg.azurecr.com",
		"myreg.azurecr.io-evil.example",
		// Plain registries
		"docker.io", "https://index.docker.io/v1/", "quay.io", "registry.gitlab.com", "gitlab.com",
		"localhost:5000", "127.0.0.1:5000", "[::1]:5000", "registry.example.com",
		auth.HubKey + "access-token",
	}
	for _, h := range hosts {
		k, err := auth.ParseKey(h)
		if err != nil {
			continue // not a key at all: never routed
		}
		got, err := r.Route(k)
		if err != nil {
			t.Fatalf("Route(%q): %v", h, err)
		}
		if !got.Static() || got.Name != providers.Keystore {
			t.Errorf("Route(%q) = %s (%s), want the keystore", h, got.Name, got.Reason())
		}
	}
}

// TestCloudHostsRoute: every partition and spelling of the real hosts.
func TestCloudHostsRoute(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"CI_REGISTRY":                "registry.gitlab.example:5050",
		"CI_DEPENDENCY_PROXY_SERVER": "gitlab.example:443",
		"REGKEY_AUTH_CI_EXAMPLE_NET": "ci:s3cret",
		"REGKEY_AUTH_GHCR_IO":        "me:pat",
	}
	r, err := NewRouter(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		"ecr": {
			"123456789012.dkr.ecr.us-east-1.amazonaws.com",
			"123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM:443",
			"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/",
			"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app",
			"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
			"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
			"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
			"123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn:443",
			"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
			"123456789012.dkr-ecr.us-east-1.on.aws",
			"123456789012.dkr-ecr-fips.us-east-1.on.aws",
			"123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn",
			"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov",
			"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov",
			"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk",
			"123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov",
		},
		"ecr-public": {"public.ecr.aws", "PUBLIC.ECR.AWS:443", "https://public.ecr.aws/v2/", "ecr-public.aws.com", "public.ecr.aws/owner/img"},
		"acr":        {"myregistry.azurecr.io", "MyRegistry.AzureCR.IO:443", "myregistry.azurecr.cn", "myregistry.azurecr.us", "myregistry.eastus.geo.azurecr.io"},
		"gcr":        {"gcr.io", "us.gcr.io", "EU.GCR.IO:443", "europe-west1-docker.pkg.dev", "us-docker.pkg.dev/proj/repo", "docker.us-west1.rep.pkg.dev"},
		"gitlab":     {"registry.gitlab.example:5050", "gitlab.example", "gitlab.example:443"},
		// Variables named after a host win over the host's built-in provider.
		"env": {"ci.example.net", "ghcr.io", "GHCR.IO:443", "https://ghcr.io/v2/owner/img"},
	}
	for want, hosts := range cases {
		for _, h := range hosts {
			got := route(t, r, h)
			if got.Name != want || got.Provider == nil || got.Provider.Name() != want || got.Rule != nil {
				t.Errorf("Route(%q) = %s (%s), want built-in %s", h, got.Name, got.Reason(), want)
			}
		}
	}
	plain, err := NewRouter(map[string]string{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"ghcr.io", "GHCR.IO:443", "https://ghcr.io/v2/owner/img"} {
		if got := route(t, plain, h); got.Name != "ghcr" {
			t.Errorf("Route(%q) = %s, want built-in ghcr", h, got.Name)
		}
	}
}

func TestRulesOverrideDetection(t *testing.T) {
	t.Parallel()
	rules := []config.Rule{
		{Match: "127.0.0.1:5000", Provider: "ecr", Options: map[string]string{"aws_region": "eu-west-1", "aws_account_id": "123456789012"}},
		{Match: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", Provider: "ecr", Options: map[string]string{"aws_profile": "prod"}},
		{Match: "ghcr.io", Provider: "keystore"},
		{Match: "*.pkg.example.com", Provider: "gcr"},
	}
	r, err := NewRouter(map[string]string{}, rules)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for raw, want := range map[string]string{
		"127.0.0.1:5000": "ecr", "123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr",
		"ghcr.io": providers.Keystore, "us.pkg.example.com": "gcr", "pkg.example.com": providers.Keystore,
	} {
		got := route(t, r, raw)
		if got.Name != want || (got.Rule == nil) != (want == providers.Keystore && raw != "ghcr.io") {
			t.Errorf("Route(%q) = %s (%s), want %s by rule", raw, got.Name, got.Reason(), want)
		}
	}
}

func TestRuleErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rule config.Rule
		want string
	}{
		{config.Rule{Match: "x.example.com", Provider: "docker-hub"}, `unknown provider "docker-hub"`},
		{config.Rule{Match: "x*.example.com", Provider: "ecr"}, "whole labels"},
	}
	for _, tc := range cases {
		_, err := NewRouter(nil, []config.Rule{tc.rule})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewRouter(%+v) = %v, want %q", tc.rule, err, tc.want)
		}
	}
	_, err := NewRouter(nil, []config.Rule{{Match: "x.example.com", Provider: "nosuch"}})
	for _, name := range Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %s", err, name)
		}
	}
	// Bad options surface on Route and Check, naming the rule and provider.
	r, err := NewRouter(nil, []config.Rule{{Match: "x.example.com", Provider: "ecr", Options: map[string]string{"aws_regoin": "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), `rule "x.example.com", provider ecr: unknown option "aws_regoin"`) {
		t.Errorf("Check = %v", err)
	}
}

func TestEveryNameHasAProvider(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		if name == providers.Keystore {
			continue
		}
		p, err := constructors[name](map[string]string{}, nil)
		if err != nil || p.Name() != name {
			t.Errorf("%s: constructor gives %v, %v", name, p, err)
		}
	}
}
