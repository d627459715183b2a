package e2e

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// childSecrets are secret variables a CI job or a developer's shell may hand
// regkey; no program regkey runs needs any of them. REGKEY_FILE_KEY comes
// from the client's file keystore when it has one.
var childSecrets = map[string]string{
	"REGKEY_AUTH_SOMEWHERE_EXAMPLE_TEST":     "ci:leak-regkey-auth",
	"REGKEY_USERNAME_SOMEWHERE_EXAMPLE_TEST": "leak-regkey-user",
	"REGKEY_PASSWORD_SOMEWHERE_EXAMPLE_TEST": "leak-regkey-password",
	"CI_REGISTRY_PASSWORD":                   "leak-ci-registry-password",
	"CI_JOB_TOKEN":                           "leak-ci-job-token",
	"CI_DEPENDENCY_PROXY_PASSWORD":           "leak-ci-proxy-password",
	"CI_DEPLOY_PASSWORD":                     "leak-ci-deploy-password",
	"AWS_SECRET_ACCESS_KEY":                  "leak-aws-secret",
	"AWS_SESSION_TOKEN":                      "leak-aws-session",
	"AZURE_CLIENT_SECRET":                    "leak-azure-secret",
	"GITHUB_TOKEN":                           "leak-github-token",
	"GH_TOKEN":                               "leak-gh-token",
	"GH_ENTERPRISE_TOKEN":                    "leak-ghe-token",
	"DOCKER_AUTH_CONFIG":                     `{"auths":{"leak.example.test":{"auth":"bGVhaw=="}}}`,
}

// armSecrets sets childSecrets (and REGKEY_FILE_KEY when c has none) in c
// and returns every secret value regkey's environment then holds, by name.
func armSecrets(c *testenv.Client) map[string]string {
	all := map[string]string{}
	for k, v := range childSecrets {
		c.Setenv(k, v)
		all[k] = v
	}
	if c.Getenv("REGKEY_FILE_KEY") == "" {
		c.Setenv("REGKEY_FILE_KEY", base64.StdEncoding.EncodeToString([]byte("leak-file-key-0123456789abcdef!!")))
	}
	all["REGKEY_FILE_KEY"] = c.Getenv("REGKEY_FILE_KEY")
	return all
}

// recorder writes an executable name into dir that appends its environment
// to dir/name.env and then runs real (when not empty) with its arguments,
// or body.
func recorder(t *testing.T, dir, name, real, body string) string {
	t.Helper()
	record := filepath.Join(dir, name+".env")
	script := "#!/bin/sh\nenv >> '" + record + "'\necho '----' >> '" + record + "'\n"
	if real != "" {
		script += "exec '" + real + "' \"$@\"\n"
	} else {
		script += body
	}
	testenv.WriteExecutable(t, filepath.Join(dir, name), []byte(script))
	return record
}

// assertNoSecretsIn fails if the recorded environments hold a secret's name
// or value, or if the program never ran.
func assertNoSecretsIn(t *testing.T, record string, secrets map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("%s never ran: %v", filepath.Base(record), err)
	}
	got := string(data)
	for k, v := range secrets {
		if strings.Contains(got, k+"=") || strings.Contains(got, v) {
			t.Errorf("%s got %s", strings.TrimSuffix(filepath.Base(record), ".env"), k)
		}
	}
	return got
}

// TestChildProgramsGetNoSecrets: with every kind of secret in regkey's
// environment, the programs regkey runs see none of them, through the
// built binary: the real gh (token_source gh) and the real pass and gpg
// (the pass keystore), each behind a wrapper that records its environment,
// still answer; another credential helper that setup --take-over reads gets
// what docker would give it minus regkey's own secrets.
func TestChildProgramsGetNoSecrets(t *testing.T) {
	t.Parallel()

	t.Run("gh", func(t *testing.T) {
		t.Parallel()
		gh := testenv.RequireProgram(t, "gh")
		c := newProviderClient(t)
		secrets := armSecrets(c)
		const host = "ghcr-child.example.test"
		routeToGHCR(t, c, host, "    token_source: gh\n")
		ghDir := filepath.Join(c.Dir, "gh")
		if err := os.MkdirAll(ghDir, 0o700); err != nil {
			t.Fatal(err)
		}
		hosts := "github.com:\n    oauth_token: gho_from_gh_login\n    user: octocat\n    git_protocol: https\n"
		if err := os.WriteFile(filepath.Join(ghDir, "hosts.yml"), []byte(hosts), 0o600); err != nil {
			t.Fatal(err)
		}
		c.Setenv("GH_CONFIG_DIR", ghDir)
		wrappers := t.TempDir()
		record := recorder(t, wrappers, "gh", gh, "")
		c.Setenv("PATH", wrappers+string(os.PathListSeparator)+c.Getenv("PATH"))

		if got, ok := helperGet(t, c, host); !ok || got.Secret != "gho_from_gh_login" || got.Username != "octocat" {
			t.Fatalf("get %s = %+v, %v; want gh's login", host, got, ok)
		}
		env := assertNoSecretsIn(t, record, secrets)
		if !strings.Contains(env, "GH_CONFIG_DIR="+ghDir) {
			t.Errorf("gh did not get GH_CONFIG_DIR:\n%s", env)
		}
	})

	t.Run("pass and gpg", func(t *testing.T) {
		t.Parallel()
		c := testenv.NewClient(t, testenv.BuildRegkey(t))
		usePassKeystore(t, c)
		secrets := armSecrets(c)
		wrappers := t.TempDir()
		var records []string
		for _, name := range []string{"pass", "gpg"} {
			real, err := exec.LookPath(name)
			if err != nil {
				t.Fatal(err)
			}
			records = append(records, recorder(t, wrappers, name, real, ""))
		}
		c.Setenv("PATH", wrappers+string(os.PathListSeparator)+c.Getenv("PATH"))

		helperStore(t, c, "pass-child.example.test", "passer", "stored-through-pass")
		if got, ok := helperGet(t, c, "pass-child.example.test"); !ok || got.Secret != "stored-through-pass" {
			t.Fatalf("get after store through pass = %+v, %v", got, ok)
		}
		for _, record := range records {
			env := assertNoSecretsIn(t, record, secrets)
			if !strings.Contains(env, "GNUPGHOME="+c.Getenv("GNUPGHOME")) || !strings.Contains(env, "PASSWORD_STORE_DIR=") {
				t.Errorf("%s lacks GNUPGHOME or PASSWORD_STORE_DIR:\n%s", filepath.Base(record), env)
			}
		}
		assertNoPlaintext(t, c, "stored-through-pass")
	})

	t.Run("setup --take-over", func(t *testing.T) {
		t.Parallel()
		c := newProviderClient(t)
		secrets := armSecrets(c)
		wrappers := t.TempDir()
		record := recorder(t, wrappers, "docker-credential-recorder", "", `case "$1" in
list) echo '{"take.example.test":"taker"}' ;;
get) echo '{"ServerURL":"take.example.test","Username":"taker","Secret":"taken-secret"}' ;;
*) exit 1 ;;
esac
`)
		c.Setenv("PATH", c.Getenv("PATH")+string(os.PathListSeparator)+wrappers)
		c.WriteDockerConfig(t, map[string]any{"credsStore": "recorder"})

		c.MustRun(t, nil, "regkey", "setup", "--docker", "--take-over")
		if got, ok := helperGet(t, c, "take.example.test"); !ok || got.Secret != "taken-secret" {
			t.Fatalf("get after take-over = %+v, %v", got, ok)
		}
		own := map[string]string{}
		for k, v := range secrets {
			if strings.HasPrefix(k, "REGKEY_") {
				own[k] = v
			}
		}
		env := assertNoSecretsIn(t, record, own)
		// Like docker, it keeps what a credential helper may need (an ECR
		// helper reads AWS_* itself).
		if !strings.Contains(env, "AWS_SECRET_ACCESS_KEY=") {
			t.Errorf("the helper did not get the environment docker would give it:\n%s", env)
		}
	})
}
