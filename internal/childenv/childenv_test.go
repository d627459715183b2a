package childenv

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// env is a session with every kind of secret regkey may find in its
// environment.
var env = map[string]string{
	"PATH": "/usr/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "LC_ALL": "C", "XDG_RUNTIME_DIR": "/run/user/1",
	"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1/bus", "Path": "C:\\Windows", "SystemRoot": "C:\\Windows",
	"GNUPGHOME": "/home/u/.gnupg", "PASSWORD_STORE_DIR": "/home/u/.password-store", "GH_CONFIG_DIR": "/home/u/gh",
	"REGKEY_FILE_KEY": "k", "REGKEY_AUTH_GHCR_IO": "u:s", "REGKEY_USERNAME_X": "u", "REGKEY_PASSWORD_X": "p",
	"regkey_auth_lower": "u:s", "CI_JOB_TOKEN": "t", "CI_REGISTRY_PASSWORD": "p", "AWS_SECRET_ACCESS_KEY": "s",
	"AZURE_CLIENT_SECRET": "s", "GITHUB_TOKEN": "t", "GH_TOKEN": "t", "HTTPS_PROXY": "http://u:pw@proxy:3128",
	"REGKEY_KEYSTORE": "pass", "PATH\u017f": "look-alike", "": "empty name",
}

func TestBuild(t *testing.T) {
	t.Parallel()
	got := Build(env, "GNUPGHOME", "PASSWORD_STORE_*")
	want := []string{
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1/bus", "GNUPGHOME=/home/u/.gnupg", "HOME=/home/u", "LANG=C.UTF-8",
		"LC_ALL=C", "PASSWORD_STORE_DIR=/home/u/.password-store", "PATH=/usr/bin", "Path=C:\\Windows",
		"SystemRoot=C:\\Windows", "XDG_RUNTIME_DIR=/run/user/1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build (-want +got):\n%s", diff)
	}
	if got := Build(env); len(got) != 8 {
		t.Errorf("Build with nothing allowed = %q, want the 8 session variables", got)
	}
}

func TestStrip(t *testing.T) {
	t.Parallel()
	got := Strip(env, "CI_JOB_TOKEN")
	for _, kv := range got {
		switch kv {
		case "REGKEY_FILE_KEY=k", "REGKEY_AUTH_GHCR_IO=u:s", "REGKEY_USERNAME_X=u", "REGKEY_PASSWORD_X=p",
			"regkey_auth_lower=u:s", "CI_JOB_TOKEN=t", "=empty name":
			t.Errorf("Strip kept %q", kv)
		}
	}
	if want := len(env) - 7; len(got) != want {
		t.Errorf("Strip kept %d variables, want %d: %q", len(got), want, got)
	}
}
