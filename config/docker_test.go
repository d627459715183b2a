package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// wireLikeSetup does to one file what `regkey setup` does once the secrets
// are in the keystore: clear (docker) or remove (podman) every movable
// plaintext entry, and route their hosts and extra to regkey.
func wireLikeSetup(t *testing.T, a *AuthFile, podman, takeOver bool, extra ...string) WireResult {
	t.Helper()
	plain, err := a.PlainAuths()
	if err != nil {
		t.Fatal(err)
	}
	w := Wiring{Helper: "regkey", CredsStore: !podman, TakeOver: takeOver}
	hosts := append([]string(nil), extra...)
	for _, p := range plain {
		if !p.Movable() {
			continue
		}
		k, err := auth.ParseKey(p.Key)
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, k.Host)
		if podman {
			w.RemoveAuths = append(w.RemoveAuths, p.Key)
		} else {
			w.ClearSecrets = append(w.ClearSecrets, p.Key)
		}
	}
	for _, h := range hosts {
		if podman {
			w.Keys = append(w.Keys, PodmanKeys(h)...)
		} else {
			w.Keys = append(w.Keys, DockerKeys(h)...)
		}
	}
	r, err := a.Wire(w)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWireGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		podman   bool
		takeOver bool
		extra    []string
		kept     []Kept
		tookOver []Kept
	}{
		{name: "unknown-keys"},
		{name: "other-helpers", extra: []string{"ghcr.io", "gcr.io", "quay.io"},
			kept: []Kept{{"gcr.io", "gcloud"}, {"ghcr.io", "pass"}}},
		{name: "other-helpers-take-over", takeOver: true, extra: []string{"ghcr.io", "gcr.io"},
			tookOver: []Kept{{"gcr.io", "gcloud"}, {"ghcr.io", "pass"}}},
		{name: "credsstore-desktop", extra: []string{"ghcr.io"}, kept: []Kept{{"credsStore", "desktop"}}},
		{name: "credsstore-desktop-take-over", takeOver: true, extra: []string{"docker.io"},
			tookOver: []Kept{{"credsStore", "desktop"}}},
		{name: "hub-keys"},
		{name: "identity-token"},
		{name: "empty"},
		{name: "whitespace", extra: []string{"docker.io"}},
		{name: "compact"},
		{name: "crlf"},
		{name: "legacy-keys"},
		{name: "podman-auth", podman: true, extra: []string{"ghcr.io"}},
		// Member names in any case docker reads them by: every secret goes.
		{name: "case-variants"},
		{name: "case-variants-podman", podman: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := filepath.Join("testdata", "wire", tc.name+".json")
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			a, err := ParseAuthFile(in, in, data, true, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			r := wireLikeSetup(t, a, tc.podman, tc.takeOver, tc.extra...)
			got, err := a.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			assertSecretsGone(t, a, got)
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./config -update)", err)
			}
			if diff := UnifiedDiff("want", "got", want, got); diff != "" {
				t.Errorf("edit differs from %s:\n%s", golden, diff)
			}
			if diff := cmp.Diff(tc.kept, r.Kept); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.tookOver, r.TookOver); diff != "" {
				t.Errorf("took over (-want +got):\n%s", diff)
			}
			// A second run over the result changes nothing.
			again, err := ParseAuthFile(in, in, got, true, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			wireLikeSetup(t, again, tc.podman, tc.takeOver, tc.extra...)
			if again.Changed() {
				b, _ := again.Bytes()
				t.Errorf("second run changed the file:\n%s", UnifiedDiff("first", "second", got, b))
			}
		})
	}
}

// assertSecretsGone fails if a secret field of an entry setup moved is left
// in out under any spelling, or if docker's reading of out still finds one.
func assertSecretsGone(t *testing.T, a *AuthFile, out []byte) {
	t.Helper()
	before, err := ParseAuthFile("before", "before", a.Original, true, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := before.PlainAuths()
	moved := map[string]bool{}
	for _, p := range plain {
		moved[p.Key] = p.Movable()
	}
	spans, err := fieldSpans(out, secretFields)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range spans {
		if moved[s.key] {
			t.Errorf("auths[%q] still holds %s: %s", s.key, s.field, out[s.start:s.end])
		}
	}
	var docker struct {
		Auths map[string]struct{ Auth, Username, Password, IdentityToken string }
	}
	if err := json.Unmarshal(out, &docker); err != nil {
		t.Fatal(err)
	}
	for k, e := range docker.Auths {
		if moved[k] && (e.Auth != "" || e.Username != "" || e.Password != "" || e.IdentityToken != "") {
			t.Errorf("docker still reads a secret for %s: %+v", k, e)
		}
	}
}

func TestPlainAuths(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/wire/identity-token.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseAuthFile("x", "x", data, true, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.PlainAuths()
	if err != nil {
		t.Fatal(err)
	}
	want := []PlainAuth{
		{Key: "localhost:5055", Username: "alice", Password: "s3cret", IdentityToken: "rt-123"},
		{Key: "token.example.com", IdentityToken: "rt-456"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PlainAuths (-want +got):\n%s", diff)
	}
	if c := got[0].Credential(); c != (auth.Credential{Username: auth.TokenUsername, Secret: "rt-123"}) {
		t.Errorf("identity token credential = %+v", c)
	}
}

func TestReadAuthFileRefusesMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, content, problem string }{
		{"truncated", `{"auths":`, "unexpected end of JSON input"},
		{"array", `[1,2]`, "want a JSON object"},
		{"null", `null`, "want a JSON object"},
		{"trailing garbage", "{}\n}", "invalid character"},
		{"bad base64", `{"auths":{"x":{"auth":"%%%"}}}`, "not base64"},
		{"empty user", `{"auths":{"x":{"auth":"OnB3"}}}`, "not user:password"},
		{"credHelpers not strings", `{"credHelpers":{"x":true}}`, "credHelpers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadAuthFile(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("error = %v, want one naming %s and %q", err, path, tc.problem)
			}
			if b, _ := os.ReadFile(path); !bytes.Equal(b, []byte(tc.content)) {
				t.Errorf("file changed")
			}
		})
	}
}

func TestRedactSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{
			"{\"auths\":{\"h\":{\"auth\":\"YWxpY2U6czNjcmV0\",\"identitytoken\":\"rt\",\"email\":\"e\"}},\"auth\":\"x\"}",
			"{\"auths\":{\"h\":{\"auth\":\"<redacted>\",\"identitytoken\":\"<redacted>\",\"email\":\"e\"}},\"auth\":\"x\"}",
		},
		{ // every spelling docker reads
			`{"AUTHS":{"h":{"Auth":"a","Password":"p","IdentityToken":"t","RegistryToken":"r","pa\u017f\u017fword":"q","Username":"u"}},"auths":{"g":{"AUTH":"b"}}}`,
			`{"AUTHS":{"h":{"Auth":"<redacted>","Password":"<redacted>","IdentityToken":"<redacted>","RegistryToken":"<redacted>","pa\u017f\u017fword":"<redacted>","Username":"u"}},"auths":{"g":{"AUTH":"<redacted>"}}}`,
		},
		{ // names docker does not read as these fields
			`{"authz":{"h":{"auth":"a"}},"auths":{"h":{"\u0131dentitytoken":"t"}}}`,
			`{"authz":{"h":{"auth":"a"}},"auths":{"h":{"\u0131dentitytoken":"t"}}}`,
		},
		{"{", "<unreadable>\n"},
	} {
		if got := string(RedactSecrets([]byte(tc.in))); got != tc.want {
			t.Errorf("RedactSecrets(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}
