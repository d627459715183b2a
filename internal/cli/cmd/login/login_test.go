package login

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
	"github.com/regkey/regkey/internal/login"
	"github.com/regkey/regkey/keystore/keystoretest"
)

func Test_NewCmdLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		want    LoginOptions
		wantErr string
	}{
		{args: "ghcr.io", want: LoginOptions{Options: login.Options{Server: "ghcr.io"}}},
		{args: "", want: LoginOptions{}},
		{args: "-u alice --password-stdin localhost:5000",
			want: LoginOptions{Options: login.Options{Server: "localhost:5000", Username: "alice", PasswordStdin: true}}},
		{args: "--username=alice -p pw h", want: LoginOptions{Options: login.Options{Server: "h", Username: "alice", Password: "pw"}}},
		{args: "--insecure --no-verify --identity-token -v h",
			want: LoginOptions{Options: login.Options{Server: "h", Insecure: true, NoVerify: true, IdentityToken: true, Verbose: true}}},
		{args: "--strict h", want: LoginOptions{Options: login.Options{Server: "h", Strict: true}}},
		{args: "-u a -p x --password-stdin h", wantErr: "mutually exclusive"},
		{args: "--password-stdin h", wantErr: "needs --username"},
		{args: "--no-verify --strict h", wantErr: "mutually exclusive"},
		{args: "-u a --password= h", wantErr: "--password is empty"},
		{args: "a b", wantErr: "accepts at most 1 arg"},
		{args: "--nope h", wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.ParseArgs(t, NewCmdLogin, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(LoginOptions{},
				"Options.In", "Options.Out", "Options.ErrOut", "Options.Keystore", "Options.Verify", "Options.VerifyOptions", "Options.Prompt", "Options.Owner")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if got.In == nil || got.Out == nil || got.ErrOut == nil || got.Keystore == nil || got.Verify == nil || got.Prompt == nil || got.Owner == nil || len(got.VerifyOptions.CertDirs) != 2 {
				t.Errorf("options not wired from the cmdutil.Factory: %+v", got)
			}
		})
	}
}

// TestOwnerFromSettings: the Owner NewCmdLogin wires routes with the
// Factory's router, the settings file's rules first.
func TestOwnerFromSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := dir + "/config.yaml"
	inventorytest.WriteFile(t, cfg, "registries:\n  - match: registry.example.com\n    provider: acr\n  - match: ghcr.io\n    provider: keystore\n")
	ios, _, _ := cmdtest.IO("", false)
	var got *LoginOptions
	cmd := NewCmdLogin(cmdutil.NewFactory(ios, config.Env{"HOME": dir, "REGKEY_CONFIG": cfg}), func(o *LoginOptions) error { got = o; return nil })
	cmd.SetArgs([]string{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr",
		"registry.example.com":                         "acr",
		"ghcr.io":                                      "",
		"localhost:5000":                               "",
	} {
		k, _ := auth.ParseKey(host)
		name, reason, err := got.Owner(k)
		if err != nil || name != want || (want != "" && reason == "") {
			t.Errorf("owner(%s) = %q, %q, %v; want %q", host, name, reason, err, want)
		}
	}
}

// Test_loginRun: the command hands its streams and flags to the engine.
func Test_loginRun(t *testing.T) {
	t.Parallel()
	ios, out, errOut := cmdtest.IO("pw\n", false)
	mem, open := keystoretest.Memory(t, nil)
	opts := &LoginOptions{Options: login.Options{In: ios.In, InTTY: ios.InTTY, Out: ios.Out, ErrOut: ios.ErrOut,
		Keystore: open, Server: "h.example", Username: "u", PasswordStdin: true, NoVerify: true}}
	if err := loginRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if want := "Credentials for h.example stored in the file keystore (/data/regkey/store)\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
	if want := "WARNING: h.example: credentials not verified (--no-verify)\n"; errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	if diff := cmp.Diff(map[string]auth.Credential{"h.example": {Username: "u", Secret: "pw"}}, mem.Snapshot()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
}
