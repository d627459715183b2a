package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/doctor"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
	"github.com/regkey/regkey/keystore"
	"github.com/spf13/cobra"
)

func Test_NewCmdDoctor(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{"": "", "--json": "json", "--offline": "offline", "--offline --json": "json offline", "x": "error"} {
		got, err := cmdtest.ParseArgs(t, newCmdDoctor, args)
		switch {
		case want == "error":
			if err == nil {
				t.Errorf("doctor %s: no error", args)
			}
		case err != nil:
			t.Errorf("doctor %s: %v", args, err)
		case got.JSON != strings.Contains(want, "json") || got.Offline != strings.Contains(want, "offline") ||
			got.HTTP == nil || got.ProviderTimeout <= 0 || got.Deps.Keystore == nil:
			t.Errorf("doctor %s: options %+v", args, got)
		}
	}
}

// wiredOpts are a setup where all is well offline: regkey on PATH, docker
// and podman asking it for the one registry it holds.
func wiredOpts(t *testing.T) (*DoctorOptions, *bytes.Buffer) {
	t.Helper()
	store := keystore.NewMemory()
	_ = store.Set(context.Background(), "127.0.0.1:5000", auth.Credential{Username: "u", Secret: "p"})
	deps, home := inventorytest.Deps(t, store, &inventorytest.Provider{ID: "fake"}, "docker", "skopeo", config.HelperPrefix+config.HelperName)
	inventorytest.WriteFile(t, deps.Paths.DockerConfig, `{"credsStore":"regkey","credHelpers":{"127.0.0.1:5000":"regkey"}}`)
	inventorytest.WriteFile(t, filepath.Join(home, ".config", "containers", "auth.json"), `{"credHelpers":{"127.0.0.1:5000":"regkey"}}`)
	var out bytes.Buffer
	return &DoctorOptions{IO: cmdutil.IOStreams{Out: &out, ErrOut: &bytes.Buffer{}}, Deps: deps, Offline: true}, &out
}

// Test_doctorRunOutput: the table ends in "All is well." when all is; a
// problem prints its fix under it, and exits 1 with nothing more said.
func Test_doctorRunOutput(t *testing.T) {
	t.Parallel()
	opts, out := wiredOpts(t)
	if err := doctorRun(context.Background(), opts); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.HasPrefix(out.String(), "ok  keystore   memory keystore: 1 credential, readable\nok  helper     docker-credential-regkey is on PATH\n") || !strings.HasSuffix(out.String(), "\nAll is well.\n") {
		t.Errorf("stdout:\n%s", out)
	}

	opts, out = wiredOpts(t)
	opts.Deps.LookPath = func(string) (string, error) { return "", errors.New("not found") }
	err := doctorRun(context.Background(), opts)
	var silent *cmderr.Silent
	if !errors.As(err, &silent) || silent.Code != 1 {
		t.Errorf("err = %v, want exit 1 with nothing printed", err)
	}
	if !strings.Contains(out.String(), "FAIL  helper     docker-credential-regkey is not on PATH: docker and podman cannot run regkey\n                 fix: link the regkey binary as docker-credential-regkey") ||
		strings.Contains(out.String(), "All is well.") {
		t.Errorf("stdout:\n%s", out)
	}
}

// Test_doctorRunJSON: --json prints "ok" and every check with its fix.
func Test_doctorRunJSON(t *testing.T) {
	t.Parallel()
	for _, broken := range []bool{false, true} {
		opts, out := wiredOpts(t)
		opts.JSON = true
		if broken {
			opts.Deps.LookPath = func(string) (string, error) { return "", errors.New("not found") }
		}
		err := doctorRun(context.Background(), opts)
		var got doctorJSON
		if jerr := json.Unmarshal(out.Bytes(), &got); jerr != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", jerr, out)
		}
		if got.OK == broken || (err == nil) == broken || len(got.Checks) == 0 || strings.Contains(out.String(), "All is well.") {
			t.Errorf("broken=%v: err %v, JSON %+v", broken, err, got)
		}
		for _, c := range got.Checks {
			if (c.Status == doctor.SevFail || c.Status == doctor.SevWarn) && c.Fix == "" {
				t.Errorf("%s %s has no fix", c.Status, c.Check)
			}
		}
	}
}

// newCmdDoctor is NewCmdDoctor with the runF shape cmdtest.ParseArgs takes.
func newCmdDoctor(f *cmdutil.Factory, runF func(*DoctorOptions) error) *cobra.Command {
	return NewCmdDoctor(f, func(_ context.Context, o *DoctorOptions) error { return runF(o) })
}
