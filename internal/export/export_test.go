package export

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/auth/authtest"
)

// awkward is a secret with every character a shell or JSON could trip on.
const awkward = "p'a\"s$s`w\\o:r d\n!*;$(id)"

func entries(t *testing.T) []Entry {
	return []Entry{
		{Key: authtest.Key(t, "ghcr.io"), Credential: auth.Credential{Username: "octocat", Secret: "ghp_x"}},
		{Key: authtest.Key(t, "docker.io"), Credential: auth.Credential{Username: "hubber", Secret: awkward}},
		{Key: authtest.Key(t, "127.0.0.1:5000"), Credential: auth.Credential{Username: "u", Secret: "p"}},
		{Key: authtest.Key(t, "quay.io/org"), Credential: auth.Credential{Username: "org+bot", Secret: "q"}},
		{Key: authtest.Key(t, "myreg.azurecr.io"), Credential: auth.Credential{Username: auth.TokenUsername, Secret: "refresh"}},
	}
}

type authsFile struct {
	Auths map[string]map[string]string `json:"auths"`
}

// decodeAuths decodes a docker config strictly and returns key → user:secret
// (or "<token>:"+token for identity tokens).
func decodeAuths(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var f authsFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	out := map[string]string{}
	for k, v := range f.Auths {
		if tok, ok := v["identitytoken"]; ok {
			out[k] = auth.TokenUsername + ":" + tok
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(v["auth"])
		if err != nil {
			t.Fatalf("auth of %s: %v", k, err)
		}
		out[k] = string(raw)
	}
	return out
}

var wantAuths = map[string]string{
	"ghcr.io":                     "octocat:ghp_x",
	"https://index.docker.io/v1/": "hubber:" + awkward,
	"127.0.0.1:5000":              "u:p",
	"quay.io/org":                 "org+bot:q",
	"myreg.azurecr.io":            "<token>:refresh",
}

func TestDockerConfigJSON(t *testing.T) {
	t.Parallel()
	data, err := DockerConfigJSON(entries(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantAuths, decodeAuths(t, data)); diff != "" {
		t.Errorf("auths (-want +got):\n%s", diff)
	}
}

func TestKubernetesSecret(t *testing.T) {
	t.Parallel()
	data, err := KubernetesSecret("pull-secret", "ci", entries(t))
	if err != nil {
		t.Fatal(err)
	}
	var s corev1.Secret
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		t.Fatalf("decoding the manifest as a core/v1 Secret: %v\n%s", err, data)
	}
	if s.APIVersion != "v1" || s.Kind != "Secret" || s.Type != corev1.SecretTypeDockerConfigJson ||
		s.Name != "pull-secret" || s.Namespace != "ci" || len(s.Data) != 1 {
		t.Errorf("secret = %+v", s)
	}
	if diff := cmp.Diff(wantAuths, decodeAuths(t, s.Data[corev1.DockerConfigJsonKey])); diff != "" {
		t.Errorf("auths (-want +got):\n%s", diff)
	}

	data, err = KubernetesSecret("x", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, &s); err != nil || strings.Contains(string(data), "namespace") {
		t.Errorf("no namespace: %v\n%s", err, data)
	}
}

func TestValidateSecretName(t *testing.T) {
	t.Parallel()
	for _, ok := range [][2]string{{"a", ""}, {"regkey.pull-1", "kube-system"}, {strings.Repeat("a", 253), strings.Repeat("b", 63)}} {
		if err := ValidateSecretName(ok[0], ok[1]); err != nil {
			t.Errorf("ValidateSecretName(%q, %q) = %v", ok[0], ok[1], err)
		}
	}
	for _, bad := range [][2]string{{"", ""}, {"A", ""}, {"a_b", ""}, {"-a", ""}, {"a\nb", ""}, {"a", "a.b"},
		{strings.Repeat("a", 254), ""}, {"a", strings.Repeat("b", 64)}, {"a: b", ""}} {
		if err := ValidateSecretName(bad[0], bad[1]); err == nil {
			t.Errorf("ValidateSecretName(%q, %q): no error", bad[0], bad[1])
		}
	}
}

// TestEnvSourced: the exports, sourced by sh, give back every secret
// byte for byte and run nothing.
func TestEnvSourced(t *testing.T) {
	t.Parallel()
	data, err := Env(entries(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "creds.sh")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script := `. "$1" && printf '%s\0' "$REGKEY_AUTH_GHCR_IO" "$REGKEY_AUTH_DOCKER_IO" "$REGKEY_AUTH_127_0_0_1_5000" "$REGKEY_AUTH_MYREG_AZURECR_IO" "${REGKEY_AUTH_QUAY_IO-unset}" "$DOCKER_AUTH_CONFIG"`
	cmd := exec.CommandContext(ctx, "sh", "-c", script, "sh", file)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sourcing: %v", err)
	}
	got := strings.Split(string(out), "\x00")
	want := []string{"octocat:ghp_x", "hubber:" + awkward, "u:p", "<token>:refresh", "unset"}
	if diff := cmp.Diff(want, got[:5]); diff != "" {
		t.Errorf("variables (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAuths, decodeAuths(t, []byte(got[5]))); diff != "" {
		t.Errorf("DOCKER_AUTH_CONFIG (-want +got):\n%s", diff)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("sourcing created files: %v", entries)
	}
}

// TestEnvRefusesAmbiguousHosts: a host whose REGKEY_AUTH_ variable another
// host would also read gets no variable; Env fails naming it and pointing
// to dockerconfigjson, and returns nothing.
func TestEnvRefusesAmbiguousHosts(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"reg.example.5000", "127.0.0.1.5000", "[::ffff:1.2.3.4]:5000"} {
		es := append(entries(t), Entry{Key: authtest.Key(t, host), Credential: auth.Credential{Username: "u", Secret: "s"}})
		data, err := Env(es)
		if err == nil || data != nil || !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "--format dockerconfigjson") {
			t.Errorf("Env with %s = %q, %v; want nothing and an error naming it and --format dockerconfigjson", host, data, err)
		}
		if _, err := DockerConfigJSON(es); err != nil {
			t.Errorf("DockerConfigJSON with %s: %v", host, err)
		}
	}
	// A repository-scoped entry never gets a variable, whatever its host.
	es := []Entry{{Key: authtest.Key(t, "reg.example.5000/org"), Credential: auth.Credential{Username: "u", Secret: "s"}}}
	if data, err := Env(es); err != nil || strings.Contains(string(data), "REGKEY_AUTH_") {
		t.Errorf("Env with a path-scoped entry = %q, %v", data, err)
	}
}
