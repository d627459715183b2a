package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testRegistriesConf(t *testing.T, files map[string]string) RegistriesConf {
	t.Helper()
	root := t.TempDir()
	r := RegistriesConf{
		UserMain:   filepath.Join(root, "home/.config/containers/registries.conf"),
		UserDir:    filepath.Join(root, "home/.config/containers/registries.conf.d"),
		SystemMain: filepath.Join(root, "etc/containers/registries.conf"),
		SystemDir:  filepath.Join(root, "etc/containers/registries.conf.d"),
	}
	for name, content := range files {
		mustWrite(t, filepath.Join(root, name), []byte(content), 0o644)
	}
	return r
}

func TestCredentialHelpersInEffect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
		from  string
	}{
		{name: "nothing", want: []string{"containers-auth.json"}},
		{name: "system file without the key", files: map[string]string{
			"etc/containers/registries.conf": "unqualified-search-registries = [\"docker.io\"]\n",
		}, want: []string{"containers-auth.json"}},
		{name: "system file", files: map[string]string{
			"etc/containers/registries.conf": "credential-helpers = [\"ecr-login\", \"containers-auth.json\"]\n",
		}, want: []string{"ecr-login", "containers-auth.json"}, from: "etc/containers/registries.conf"},
		{name: "drop-ins replace in name order, user after system", files: map[string]string{
			"etc/containers/registries.conf":                   "credential-helpers = [\"a\"]\n",
			"etc/containers/registries.conf.d/10-b.conf":       "credential-helpers = [\"b\"]\n",
			"etc/containers/registries.conf.d/20-c.conf":       "# no key\n",
			"home/.config/containers/registries.conf.d/x.conf": "credential-helpers = [\"c\"]\n",
			"home/.config/containers/registries.conf.d/y.txt":  "credential-helpers = [\"ignored\"]\n",
		}, want: []string{"c"}, from: "home/.config/containers/registries.conf.d/x.conf"},
		{name: "user file shadows the system ones", files: map[string]string{
			"etc/containers/registries.conf":             "credential-helpers = [\"a\"]\n",
			"etc/containers/registries.conf.d/10-b.conf": "credential-helpers = [\"b\"]\n",
			"home/.config/containers/registries.conf":    "[[registry]]\nlocation = \"x.example\"\n",
		}, want: []string{"containers-auth.json"}},
		{name: "own drop-in skipped", files: map[string]string{
			"home/.config/containers/registries.conf.d/zz-regkey.conf": "credential-helpers = [\"regkey\", \"containers-auth.json\"]\n",
		}, want: []string{"containers-auth.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testRegistriesConf(t, tc.files)
			got, from, err := r.CredentialHelpers(r.DropIn())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("helpers (-want +got):\n%s", diff)
			}
			if !strings.HasSuffix(from, tc.from) || (tc.from == "") != (from == "") {
				t.Errorf("from = %q, want …%s", from, tc.from)
			}
		})
	}
}

func TestCredentialHelpersRefusesMalformedTOML(t *testing.T) {
	t.Parallel()
	r := testRegistriesConf(t, map[string]string{"etc/containers/registries.conf": "credential-helpers = [\"a\"\n"})
	if _, _, err := r.CredentialHelpers(""); err == nil || !strings.Contains(err.Error(), r.SystemMain) {
		t.Fatalf("err = %v, want one naming %s", err, r.SystemMain)
	}
}

func TestRenderDropInParses(t *testing.T) {
	t.Parallel()
	list := WithHelperFirst("regkey", []string{"ecr-login", "regkey", "containers-auth.json"})
	data := RenderDropIn(list, "/etc/containers/registries.conf")
	path := filepath.Join(t.TempDir(), "zz-regkey.conf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, set, err := ReadCredentialHelpers(path)
	if err != nil || !set {
		t.Fatalf("%v %v\n%s", set, err, data)
	}
	if diff := cmp.Diff([]string{"regkey", "ecr-login", "containers-auth.json"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPodmanAuthFor(t *testing.T) {
	t.Parallel()
	e := Env{"HOME": "/h", "XDG_RUNTIME_DIR": "/run/user/1000"}
	p := PodmanAuthFor(e, "linux", 1000)
	want := []string{"/run/user/1000/containers/auth.json", "/h/.config/containers/auth.json", "/h/.docker/config.json", "/h/.dockercfg"}
	if diff := cmp.Diff(want, p.ReadOrder()); diff != "" {
		t.Errorf("read order (-want +got):\n%s", diff)
	}
	if p.WireFile() != "/h/.config/containers/auth.json" {
		t.Errorf("wire file = %s", p.WireFile())
	}
	e["REGISTRY_AUTH_FILE"] = "/x/auth.json"
	e["XDG_CONFIG_HOME"] = "/cfg"
	p = PodmanAuthFor(e, "linux", 1000)
	if diff := cmp.Diff([]string{"/x/auth.json"}, p.ReadOrder()); diff != "" || p.WireFile() != "/x/auth.json" {
		t.Errorf("explicit: %s %s", diff, p.WireFile())
	}
	delete(e, "XDG_RUNTIME_DIR")
	delete(e, "REGISTRY_AUTH_FILE")
	p = PodmanAuthFor(e, "linux", 0)
	if p.Runtime != "/run/containers/0/auth.json" || p.Persistent != "/cfg/containers/auth.json" {
		t.Errorf("defaults: %+v", p)
	}
}

func TestContainersAuthKeyMatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key, host string
		want      bool
	}{
		{"quay.io", "quay.io", true},
		{"https://index.docker.io/v1/", "docker.io", true},
		{"registry-1.docker.io", "docker.io", true},
		{"https://h:5000/v2/", "h:5000", true},
		{"h:5000", "h", false},
		{"quay.io/ns", "quay.io", false},
	} {
		if got := ContainersAuthKeyMatches(tc.key, tc.host); got != tc.want {
			t.Errorf("(%q, %q) = %v", tc.key, tc.host, got)
		}
	}
}
