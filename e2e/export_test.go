package e2e

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
)

// exportedAuths decodes a docker config strictly and returns host →
// "user:password".
func exportedAuths(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var cfg struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("decoding the exported docker config %q: %v", data, err)
	}
	out := map[string]string{}
	for host, a := range cfg.Auths {
		b, err := base64.StdEncoding.DecodeString(a.Auth)
		if err != nil {
			t.Fatalf("auth of %s: %v", host, err)
		}
		out[host] = string(b)
	}
	return out
}

// TestExport: credentials from the keystore (a docker-registry login) and
// from a provider (ECR, through the loopback fake) are exported in each
// format, read back, and used by real clients that know no helper: skopeo
// and docker with the exported config.json, a Kubernetes Secret's payload,
// and another regkey reading the shell exports.
func TestExport(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	fake := ecrfake.New()
	t.Cleanup(fake.Close)
	r := testenv.BasicRegistry(t)
	rECR := testenv.NewRegistry(t, testenv.RegistryOptions{User: "AWS", Password: ecrfake.Password(ecrKeyID, ecrRegion)})
	img := testenv.NewImage(t, "v1")
	ref, refECR := r.Push(t, img, "team/app:v1"), rECR.Push(t, img, "team/app:v1")

	c := newProviderClient(t)
	useECR(t, c, fake, rECR.Host)
	helperStore(t, c, r.Host, r.User, r.Password)
	want := map[string]string{r.Host: r.User + ":" + r.Password, rECR.Host: "AWS:" + rECR.Password}
	out := t.TempDir()

	// A helper-less client: nothing but the exported file.
	plain := testenv.NewClient(t, nil)
	inspect := func(t *testing.T, authfile, ref string) {
		t.Helper()
		res := plain.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", "--authfile", authfile, "docker://"+ref)
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, img.Digest) {
			t.Errorf("skopeo inspect %s with %s: exit %d\n%s", ref, authfile, res.ExitCode, res.Stderr)
		}
	}

	t.Run("dockerconfigjson", func(t *testing.T) {
		file := filepath.Join(plain.DockerConfig, "config.json")
		res := c.MustRun(t, nil, "regkey", "export", r.Host, rECR.Host, "--format", "dockerconfigjson", "--output", file)
		if res.Stdout != "" || !strings.Contains(res.Stderr, "Wrote 2 registries") {
			t.Errorf("stdout %q, stderr %q", res.Stdout, res.Stderr)
		}
		fi, err := os.Stat(file)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("exported file: %v, mode %v; want 0600", err, fi.Mode())
		}
		data, _ := os.ReadFile(file)
		if got := exportedAuths(t, data); len(got) != 2 || got[r.Host] != want[r.Host] || got[rECR.Host] != want[rECR.Host] {
			t.Errorf("exported auths %v", got)
		}
		inspect(t, file, ref)
		inspect(t, file, refECR)
		testenv.RequireProgram(t, "docker")
		res = plain.Run(t, nil, "docker", "manifest", "inspect", "--insecure", refECR)
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "schemaVersion") {
			t.Errorf("docker manifest inspect with the exported config: exit %d\n%s", res.ExitCode, res.Stderr)
		}
	})

	t.Run("k8s-secret", func(t *testing.T) {
		res := c.MustRun(t, nil, "regkey", "export", r.Host, "--format", "k8s-secret", "--name", "pull", "--namespace", "ci")
		var s corev1.Secret
		if err := yaml.UnmarshalStrict([]byte(res.Stdout), &s); err != nil {
			t.Fatalf("decoding the manifest as a core/v1 Secret: %v\n%s", err, res.Stdout)
		}
		if s.Kind != "Secret" || s.Type != corev1.SecretTypeDockerConfigJson || s.Name != "pull" || s.Namespace != "ci" {
			t.Errorf("secret %+v", s.ObjectMeta)
		}
		payload := s.Data[corev1.DockerConfigJsonKey]
		if got := exportedAuths(t, payload); len(got) != 1 || got[r.Host] != want[r.Host] {
			t.Errorf("secret auths %v", got)
		}
		file := filepath.Join(out, "from-secret.json")
		if err := os.WriteFile(file, payload, 0o600); err != nil {
			t.Fatal(err)
		}
		inspect(t, file, ref)
	})

	t.Run("env", func(t *testing.T) {
		res := c.MustRun(t, nil, "regkey", "export", rECR.Host, r.Host, "--format", "env")
		file := filepath.Join(out, "creds.sh")
		if err := os.WriteFile(file, []byte(res.Stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		// Another machine: a regkey with an empty keystore and no cloud
		// configuration answers from the sourced variables.
		other := newProviderClient(t)
		for host, userPass := range want {
			got := other.MustRun(t, []byte(host), "sh", "-c", `. "$1" && exec docker-credential-regkey get`, "sh", file)
			var cr cred
			if err := json.Unmarshal([]byte(got.Stdout), &cr); err != nil || cr.Username+":"+cr.Secret != userPass {
				t.Errorf("get %s after sourcing: %q, %v", host, got.Stdout, err)
			}
		}
		cfg := other.MustRun(t, nil, "sh", "-c", `. "$1" && printf %s "$DOCKER_AUTH_CONFIG"`, "sh", file)
		if got := exportedAuths(t, []byte(cfg.Stdout)); len(got) != 2 {
			t.Errorf("DOCKER_AUTH_CONFIG auths %v", got)
		}
	})

	t.Run("terminal", func(t *testing.T) {
		// stdout on a real terminal (script's pty): refused without --force,
		// printed with it; a file is fine.
		res := onTerminal(t, c, "regkey", "export", r.Host, "--format", "env")
		if res.ExitCode != 2 || !strings.Contains(res.Stdout, "refusing to print registry credentials on a terminal") ||
			strings.Contains(res.Stdout, r.Password) {
			t.Errorf("export to a terminal: exit %d, terminal shows %q; want exit 2, a refusal and no secret", res.ExitCode, res.Stdout)
		}
		res = onTerminal(t, c, "regkey", "export", r.Host, "--format", "env", "--force")
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, r.Password) {
			t.Errorf("export --force to a terminal: exit %d, terminal shows %q", res.ExitCode, res.Stdout)
		}
		file := filepath.Join(out, "from-terminal.sh")
		res = onTerminal(t, c, "regkey", "export", r.Host, "--format", "env", "--output", file)
		if data, err := os.ReadFile(file); res.ExitCode != 0 || err != nil || !strings.Contains(string(data), r.Password) || strings.Contains(res.Stdout, r.Password) {
			t.Errorf("export --output from a terminal: exit %d, terminal shows %q, file %v", res.ExitCode, res.Stdout, err)
		}
	})

	t.Run("failure writes nothing", func(t *testing.T) {
		file := filepath.Join(out, "partial.json")
		res := c.Run(t, nil, "regkey", "export", r.Host, "nothing.example.com", "--format", "dockerconfigjson", "--output", file)
		if res.ExitCode != 3 || !strings.Contains(res.Stderr, "nothing.example.com") {
			t.Errorf("exit %d, stderr %q; want 3 naming the registry", res.ExitCode, res.Stderr)
		}
		if _, err := os.Stat(file); err == nil {
			t.Error("a partial export was written")
		}
		if strings.Contains(res.Stdout+res.Stderr, r.Password) {
			t.Error("a secret reached the output")
		}
	})
	assertNoPlaintext(t, c, r.Password)
}

// onTerminal runs a command with stdin, stdout and stderr on a pseudo
// terminal (util-linux script), as a person at a shell would. The terminal's
// output, stdout and stderr together, comes back as Stdout.
func onTerminal(t *testing.T, c *testenv.Client, name string, args ...string) testenv.Result {
	t.Helper()
	testenv.RequireProgram(t, "script")
	quoted := make([]string, 0, len(args)+1)
	for _, a := range append([]string{name}, args...) {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	res := c.Run(t, nil, "script", "-qec", strings.Join(quoted, " "), "/dev/null")
	res.Stdout = strings.ReplaceAll(res.Stdout, "\r\n", "\n")
	return res
}

// TestExportEnvUnambiguous: `export --format env` writes a REGKEY_AUTH_
// variable only for a host the env provider serves by that variable and no
// other. "reg.example.test.5000" and "reg.example.test:5000" encode alike:
// the first is refused, naming it and pointing to dockerconfigjson, with
// nothing written; the second is exported, and a regkey that sources it
// gives its secret to that host and not to the look-alike.
func TestExportEnvUnambiguous(t *testing.T) {
	t.Parallel()
	const dotted, ported = "reg.example.test.5000", "reg.example.test:5000"
	c := newProviderClient(t)
	helperStore(t, c, dotted, "dotted-user", "dotted-secret")
	helperStore(t, c, ported, "ported-user", "ported-secret")
	other := newProviderClient(t)
	sourcedGet := func(t *testing.T, file, key string) testenv.Result {
		t.Helper()
		return other.Run(t, []byte(key), "sh", "-c", `. "$1" && exec docker-credential-regkey get`, "sh", file)
	}

	for _, args := range [][]string{{dotted}, {ported, dotted}, nil} {
		file := filepath.Join(t.TempDir(), "creds.sh")
		argv := append(append([]string{"export"}, args...), "--format", "env", "--output", file)
		res := c.Run(t, nil, "regkey", argv...)
		if res.ExitCode != 1 || !strings.Contains(res.Stderr, dotted) || !strings.Contains(res.Stderr, "--format dockerconfigjson") ||
			strings.Count(strings.TrimSpace(res.Stderr), "\n") != 0 {
			t.Errorf("regkey %v: exit %d, stderr %q; want exit 1 and one line naming %s and --format dockerconfigjson", argv, res.ExitCode, res.Stderr, dotted)
		}
		if _, err := os.Stat(file); err == nil {
			t.Errorf("regkey %v wrote %s", argv, file)
		}
		if strings.Contains(res.Stdout+res.Stderr, "secret") {
			t.Errorf("regkey %v printed a secret: %q %q", argv, res.Stdout, res.Stderr)
		}
	}

	file := filepath.Join(t.TempDir(), "creds.sh")
	c.MustRun(t, nil, "regkey", "export", ported, "--format", "env", "--output", file)
	res := sourcedGet(t, file, ported)
	var got cred
	if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil || got.Secret != "ported-secret" {
		t.Errorf("get %s after sourcing: exit %d, %q; want its secret", ported, res.ExitCode, res.Stdout)
	}
	if res := sourcedGet(t, file, dotted); res.ExitCode != 1 || strings.TrimSpace(res.Stdout) != notFound {
		t.Errorf("get %s after sourcing %s's export: exit %d, %q; want not found", dotted, ported, res.ExitCode, res.Stdout)
	}

	// The format the refusal points to carries the look-alike exactly.
	res = c.MustRun(t, nil, "regkey", "export", dotted, ported, "--format", "dockerconfigjson")
	if got := exportedAuths(t, []byte(res.Stdout)); got[dotted] != "dotted-user:dotted-secret" || got[ported] != "ported-user:ported-secret" {
		t.Errorf("dockerconfigjson auths %v", got)
	}
}
