package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSettings(t *testing.T) {
	t.Parallel()
	f, err := Parse("config.yaml", []byte(`
keystore: file
registries:
  - match: registry.example.com
    provider: acr
    azure_tenant_id: t1
  - match: "*.pkg.example.com"
    provider: gcr
`))
	if err != nil {
		t.Fatal(err)
	}
	want := File{Keystore: "file", Registries: []Rule{
		{Match: "registry.example.com", Provider: "acr", Options: map[string]string{"azure_tenant_id": "t1"}},
		{Match: "*.pkg.example.com", Provider: "gcr"},
	}}
	if diff := cmp.Diff(want, f, cmp.Comparer(func(a, b map[string]string) bool { return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b)) })); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}

func TestParseSettingsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"keystore: vault\n", "want auto, os, pass or file"},
		{"keystroe: file\n", "keystroe"},
		{"registries:\n  - match: x\n", "both match and provider"},
		{"registries: [", "parsing settings"},
	} {
		_, err := Parse("c.yaml", []byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "c.yaml") {
			t.Errorf("Parse(%q) error = %v, want one naming c.yaml and containing %q", tc.in, err, tc.want)
		}
	}
}

func TestPathsFor(t *testing.T) {
	t.Parallel()
	p := PathsFor(Env{"HOME": "/h", "XDG_CONFIG_HOME": "/c", "DOCKER_CONFIG": "/d"})
	want := Paths{ConfigFile: "/c/regkey/config.yaml", ConfigDir: "/c/regkey", DataDir: "/h/.local/share/regkey",
		CacheDir: "/h/.cache/regkey", DockerConfig: "/d/config.json"}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("PathsFor (-want +got):\n%s", diff)
	}
	if got := PathsFor(Env{"HOME": "/h", "REGKEY_CONFIG": "/x.yaml", "XDG_DATA_HOME": "relative"}); got.ConfigFile != "/x.yaml" || got.DataDir != "/h/.local/share/regkey" {
		t.Errorf("REGKEY_CONFIG / relative XDG: %+v", got)
	}
}
