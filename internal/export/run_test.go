package export

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
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
)

// mapSource is a Source over a map; missing keys are not found,
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

func exportTest(tty bool, src mapSource, known []inventory.Known) (*Options, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &Options{
		Out: &out, ErrOut: &errOut, OutTTY: tty, Format: "dockerconfigjson", Name: DefaultSecretName,
		Lookup: func() Source { return src },
		Known:  func(context.Context) ([]inventory.Known, error) { return known, nil },
	}, &out, &errOut
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
	err := Run(context.Background(), opts)
	if !cmderr.IsUsage(err) || out.Len() != 0 {
		t.Fatalf("export to a terminal: err %v, stdout %q; want a usage error and nothing printed", err, out)
	}
	opts.Force = true
	if err := Run(context.Background(), opts); err != nil || !strings.Contains(out.String(), `"ghcr.io"`) {
		t.Fatalf("--force: err %v, stdout %q", err, out)
	}
	// A file is fine on a terminal.
	opts, out, errOut := exportTest(true, exportCreds, nil)
	opts.Hosts, opts.Output = []string{"ghcr.io"}, filepath.Join(t.TempDir(), "config.json")
	if err := Run(context.Background(), opts); err != nil || out.Len() != 0 || !strings.Contains(errOut.String(), "Wrote 1 registry") {
		t.Fatalf("--output on a terminal: err %v, stdout %q, stderr %q", err, out, errOut)
	}
}

func Test_exportRunFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(real, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	opts, _, _ := exportTest(false, exportCreds, nil)
	opts.Hosts, opts.Output = []string{"ghcr.io", "docker.io"}, link
	if err := Run(context.Background(), opts); err != nil {
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
		err := Run(context.Background(), opts)
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
		{Host: "https://index.docker.io/v1/", Origin: OriginKeystore},
		{Host: "docker.io", Origin: inventory.OriginDocker}, // the same registry again
		{Host: "https://index.docker.io/v1/access-token", Origin: OriginKeystore},
		{Host: "ghcr.io", Origin: OriginKeystore},
		{Host: "gone.fake.test", Origin: inventory.OriginCache}, // no credential now: skipped
	}
	opts, out, errOut := exportTest(false, exportCreds, known)
	opts.Format = "env"
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	want := "# Written by regkey export; it holds registry credentials.\n" +
		"export REGKEY_AUTH_DOCKER_IO='hubber:dckr_2'\nexport REGKEY_AUTH_GHCR_IO='octocat:ghp_1'\n"
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(errOut.String(), "skipping gone.fake.test") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}

	opts, _, _ = exportTest(false, mapSource{}, nil)
	var partial *cmderr.Partial
	if err := Run(context.Background(), opts); err == nil || cmderr.IsUsage(err) || errors.As(err, &partial) {
		t.Errorf("nothing to export: err %v, want exit 1", err)
	}
}
