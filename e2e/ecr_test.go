package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
)

// ECR end to end: the built docker-credential-regkey runs the real AWS SDK
// against a loopback ECR fake (AWS_ENDPOINT_URL_ECR) with static keys in its
// environment. A docker-registry whose htpasswd password is the token the
// fake issues stands in for the ECR registry, reached through a rule that
// maps its 127.0.0.1:PORT host to the ecr provider with aws_region and
// aws_account_id; docker and skopeo then pull manifests with it.

const (
	ecrKeyID  = "AKIDE2EECR0000000001"
	ecrRegion = "eu-west-1"
	ecrHost   = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
)

// useECR points c at fake with static AWS keys and a rule routing host to
// the ecr provider.
func useECR(t *testing.T, c *testenv.Client, fake *ecrfake.Server, host string) {
	t.Helper()
	c.Setenv("AWS_ACCESS_KEY_ID", ecrKeyID)
	c.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-secret-access-key")
	c.Setenv("AWS_ENDPOINT_URL_ECR", fake.URL)
	path := filepath.Join(c.Dir, "regkey-config.yaml")
	yaml := "registries:\n  - match: \"" + host + "\"\n    provider: ecr\n    aws_region: " + ecrRegion +
		"\n    aws_account_id: \"123456789012\"\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Setenv("REGKEY_CONFIG", path)
}

// ecrCalls counts the fake's GetAuthorizationToken calls for region.
func ecrCalls(fake *ecrfake.Server, region string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Op == "ecr" && r.Region == region && r.AccessKey == ecrKeyID {
			n++
		}
	}
	return n
}

func TestECR(t *testing.T) {
	t.Parallel()
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	r := testenv.NewRegistry(t, testenv.RegistryOptions{User: "AWS", Password: ecrfake.Password(ecrKeyID, ecrRegion)})
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "team/app:v1")

	t.Run("get", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		// A host the rule maps: region and account from the rule.
		got, ok := helperGet(t, c, r.Host)
		if !ok || got.Username != "AWS" || got.Secret != r.Password {
			t.Fatalf("get %s = %+v, %v; want the fake's token for %s", r.Host, got, ok, ecrRegion)
		}
		// A real ECR host by built-in detection: region from the host.
		got, ok = helperGet(t, c, "https://"+strings.ToUpper(ecrHost)+"/v2/")
		if !ok || got.Username != "AWS" || got.Secret != ecrfake.Password(ecrKeyID, "us-east-1") {
			t.Fatalf("get %s = %+v, %v", ecrHost, got, ok)
		}
		before := ecrCalls(fake, "us-east-1")
		// Served from the token cache: no further call.
		for range 3 {
			if got, ok := helperGet(t, c, ecrHost+"/team/app"); !ok || got.Secret != ecrfake.Password(ecrKeyID, "us-east-1") {
				t.Fatalf("cached get = %+v, %v", got, ok)
			}
		}
		if n := ecrCalls(fake, "us-east-1"); n != before {
			t.Errorf("%d token calls for cached gets, want none", n-before)
		}
		// A hit loads no SDK configuration: with a CA bundle that does not
		// exist, a cached host still answers, while a miss (another region)
		// fails because the SDK tries to load it.
		c.Setenv("AWS_CA_BUNDLE", filepath.Join(c.Dir, "nonexistent-ca.pem"))
		if got, ok := helperGet(t, c, ecrHost); !ok || got.Secret != ecrfake.Password(ecrKeyID, "us-east-1") {
			t.Fatalf("cached get with a broken CA bundle = %+v, %v", got, ok)
		}
		miss := strings.Replace(ecrHost, "us-east-1", "us-west-2", 1)
		if res := c.Run(t, []byte(miss), testenv.HelperName, "get"); res.ExitCode == 0 || !strings.Contains(res.Stdout+res.Stderr, "nonexistent-ca.pem") {
			t.Errorf("uncached get with a broken CA bundle: exit %d, stdout %q, stderr %q; want the SDK's CA error", res.ExitCode, res.Stdout, res.Stderr)
		}
		c.Unsetenv("AWS_CA_BUNDLE")
		assertNoPlaintext(t, c, "e2e-secret-access-key")
	})

	t.Run("no cache", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		c.Setenv("REGKEY_NO_CACHE", "1")
		c.Setenv("AWS_REGION", "ap-northeast-3") // a region of its own, to count its calls
		path := filepath.Join(c.Dir, "regkey-config.yaml")
		if err := os.WriteFile(path, []byte("registries:\n  - match: \""+r.Host+"\"\n    provider: ecr\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, ok := helperGet(t, c, r.Host); !ok {
				t.Fatal("get: not found")
			}
		}
		if n := ecrCalls(fake, "ap-northeast-3"); n != 2 {
			t.Errorf("REGKEY_NO_CACHE=1: %d token calls for 2 gets, want 2", n)
		}
	})

	t.Run("no credentials", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		c.Unsetenv("AWS_ACCESS_KEY_ID")
		c.Unsetenv("AWS_SECRET_ACCESS_KEY")
		res := c.Run(t, []byte(ecrHost), testenv.HelperName, "get")
		if res.ExitCode != 1 || strings.TrimSpace(res.Stdout) != notFound {
			t.Fatalf("get without AWS credentials: exit %d, stdout %q, stderr %q; want not found", res.ExitCode, res.Stdout, res.Stderr)
		}
	})

	t.Run("skopeo", func(t *testing.T) {
		t.Parallel()
		testenv.RequireProgram(t, "skopeo")
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		useCredHelper(t, c, r.Host)
		if d, res := skopeoInspect(t, c, ref); d != img.Digest {
			t.Fatalf("skopeo inspect: digest %q, want %s\nstderr: %s", d, img.Digest, res.Stderr)
		}
	})

	t.Run("docker", func(t *testing.T) {
		t.Parallel()
		testenv.RequireProgram(t, "docker")
		c := newProviderClient(t)
		useECR(t, c, fake, r.Host)
		c.WriteDockerConfig(t, map[string]any{"credHelpers": map[string]string{r.Host: "regkey"}})
		res := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "schemaVersion") {
			t.Fatalf("docker manifest inspect: exit %d\nstdout: %s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
		}
	})
}
