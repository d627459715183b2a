package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
)

func Test_NewCmdExport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		want    ExportOptions
		wantErr bool
	}{
		{"--format dockerconfigjson", ExportOptions{Format: "dockerconfigjson", Name: DefaultSecretName}, false},
		{"a.io b.io --format env -o out.sh --force", ExportOptions{Hosts: []string{"a.io", "b.io"}, Format: "env", Name: DefaultSecretName, Output: "out.sh", Force: true}, false},
		{"--format k8s-secret --name pull --namespace ci", ExportOptions{Format: "k8s-secret", Name: "pull", Namespace: "ci"}, false},
		{"", ExportOptions{}, true},                                        // --format is required
		{"--format yaml", ExportOptions{}, true},                           // unknown format
		{"--format env --name x", ExportOptions{}, true},                   // --name only for k8s-secret
		{"--format dockerconfigjson --namespace x", ExportOptions{}, true}, // likewise
		{"--format k8s-secret --name Bad_Name", ExportOptions{}, true},
		{"--format k8s-secret --namespace a.b", ExportOptions{}, true},
		{"https://index.docker.io/v1/refresh-token --format env", ExportOptions{}, true}, // no registry
	}
	for _, tc := range tests {
		got, err := cmdtest.ParseArgs(t, NewCmdExport, tc.args)
		if tc.wantErr {
			if err == nil {
				t.Errorf("export %s: no error", tc.args)
			}
			continue
		}
		if err != nil {
			t.Errorf("export %s: %v", tc.args, err)
			continue
		}
		g := ExportOptions{Hosts: got.Hosts, Format: got.Format, Name: got.Name, Namespace: got.Namespace, Output: got.Output, Force: got.Force}
		if len(g.Hosts) == 0 {
			g.Hosts = nil
		}
		if fmt.Sprint(g) != fmt.Sprint(tc.want) {
			t.Errorf("export %s: options %+v, want %+v", tc.args, g, tc.want)
		}
	}
}

// mapSource is a credentialSource over a map; missing keys are not found,
// keys in broken fail.
type mapSource struct {
	creds  map[string]auth.Credential
	broken map[string]bool
}

func (m mapSource) Credential(_ context.Context, key string) (auth.Credential, time.Time, error) {
	if m.broken[key] {
		return auth.Credential{}, time.Time{}, fmt.Errorf("acr %s: exchange: 401 Unauthorized", key)
	}
	c, ok := m.creds[key]
	if !ok {
		return auth.Credential{}, time.Time{}, fmt.Errorf("%q: %w", key, auth.ErrNotFound)
	}
	return c, time.Time{}, nil
}

func exportTest(tty bool, src mapSource, known []inventory.Known) (*ExportOptions, *bytes.Buffer, *bytes.Buffer) {
	ios, out, errOut := cmdtest.IO("", tty)
	return &ExportOptions{
		IO: ios, Format: "dockerconfigjson", Name: DefaultSecretName,
		Lookup: func() credentialSource { return src },
		Known:  func(context.Context) ([]inventory.Known, error) { return known, nil },
	}, out, errOut
}

var exportCreds = mapSource{
	creds: map[string]auth.Credential{
		"ghcr.io":                     {Username: "octocat", Secret: "ghp_1"},
		"https://index.docker.io/v1/": {Username: "hubber", Secret: "dckr_2"},
		"docker.io":                   {Username: "hubber", Secret: "dckr_2"},
	},
	broken: map[string]bool{"myreg.azurecr.io": true},
}

func Test_exportRunTerminal(t *testing.T) {
	t.Parallel()
	opts, out, _ := exportTest(true, exportCreds, nil)
	opts.Hosts = []string{"ghcr.io"}
	err := exportRun(context.Background(), opts)
	if exitCode(err, &bytes.Buffer{}) != ExitUsage || out.Len() != 0 {
		t.Fatalf("export to a terminal: err %v, stdout %q; want a usage error and nothing printed", err, out)
	}
	opts.Force = true
	if err := exportRun(context.Background(), opts); err != nil || !strings.Contains(out.String(), `"ghcr.io"`) {
		t.Fatalf("--force: err %v, stdout %q", err, out)
	}
	// A file is fine on a terminal.
	opts, out, errOut := exportTest(true, exportCreds, nil)
	opts.Hosts, opts.Output = []string{"ghcr.io"}, filepath.Join(t.TempDir(), "config.json")
	if err := exportRun(context.Background(), opts); err != nil || out.Len() != 0 || !strings.Contains(errOut.String(), "Wrote 1 registry") {
		t.Fatalf("--output on a terminal: err %v, stdout %q, stderr %q", err, out, errOut)
	}
}

func Test_exportRunFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	cmdtest.WriteFile(t, real, "old")
	if err := os.Chmod(real, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	opts, _, _ := exportTest(false, exportCreds, nil)
	opts.Hosts, opts.Output = []string{"ghcr.io", "docker.io"}, link
	if err := exportRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", fi.Mode(), err)
	}
	fi, _ = os.Stat(real)
	data, _ := os.ReadFile(real)
	if fi.Mode().Perm() != 0o600 || !strings.Contains(string(data), `"https://index.docker.io/v1/"`) {
		t.Errorf("mode %v, content %s", fi.Mode().Perm(), data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("temp files left: %v", entries)
	}
}

func Test_exportRunFailures(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "secret.yaml")
	for _, hosts := range [][]string{{"ghcr.io", "nothing.example.com"}, {"ghcr.io", "myreg.azurecr.io"}} {
		opts, _, errOut := exportTest(false, exportCreds, nil)
		opts.Hosts, opts.Output, opts.Format = hosts, out, "k8s-secret"
		err := exportRun(context.Background(), opts)
		var partial *cmderr.Partial
		if !errors.As(err, &partial) || len(partial.Failed) != 1 || partial.Failed[0] != hosts[1] {
			t.Errorf("export %v: err %v, want %s failed", hosts, err, hosts[1])
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("export %v: wrote a file despite a failure", hosts)
		}
		if !strings.Contains(errOut.String(), hosts[1]) || strings.Contains(errOut.String(), "ghp_1") {
			t.Errorf("stderr %q", errOut)
		}
	}
}

func Test_exportRunAllKnown(t *testing.T) {
	t.Parallel()
	known := []inventory.Known{
		{Host: "https://index.docker.io/v1/", Origin: originKeystore},
		{Host: "docker.io", Origin: inventory.OriginDocker}, // the same registry again
		{Host: "https://index.docker.io/v1/access-token", Origin: originKeystore},
		{Host: "ghcr.io", Origin: originKeystore},
		{Host: "gone.fake.test", Origin: inventory.OriginCache}, // no credential now: skipped
	}
	opts, out, errOut := exportTest(false, exportCreds, known)
	opts.Format = "env"
	if err := exportRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	want := "# Written by regkey export; it holds registry credentials.\n" +
		"export REGKEY_AUTH_DOCKER_IO='hubber:dckr_2'\nexport REGKEY_AUTH_GHCR_IO='octocat:ghp_1'\n"
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(errOut.String(), "skipping gone.fake.test") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}

	opts, _, _ = exportTest(false, mapSource{}, nil)
	if err := exportRun(context.Background(), opts); err == nil || exitCode(err, &bytes.Buffer{}) != ExitError {
		t.Errorf("nothing to export: err %v, want exit 1", err)
	}
}
