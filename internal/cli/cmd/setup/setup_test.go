package setup

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
)

// flags are the options the command's flags set.
type flags struct {
	DryRun, TakeOver, Undo, Force, Docker, Podman, RegistriesConf, NoRegistriesConf, RestoreLogins bool
}

func TestNewCmdSetupFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		want    flags
		wantErr string
	}{
		{args: nil},
		{args: []string{"--dry-run", "--take-over"}, want: flags{DryRun: true, TakeOver: true}},
		{args: []string{"--podman", "--registries-conf"}, want: flags{Podman: true, RegistriesConf: true}},
		{args: []string{"--no-registries-conf"}, want: flags{NoRegistriesConf: true}},
		{args: []string{"--registries-conf", "--no-registries-conf"}, wantErr: "contradict each other"},
		{args: []string{"--undo", "--no-registries-conf"}, wantErr: "--undo takes no other flag"},
		{args: []string{"--undo", "--restore-logins"}, want: flags{Undo: true, RestoreLogins: true}},
		{args: []string{"--restore-logins"}, wantErr: "--restore-logins goes with --undo"},
		{args: []string{"--undo", "--force"}, want: flags{Undo: true, Force: true}},
		{args: []string{"--undo", "--docker"}, wantErr: "--undo takes no other flag"},
		{args: []string{"extra"}, wantErr: `setup takes no arguments; "extra" is one too many`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			f := cmdutil.NewFactory(cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, config.Env{"HOME": t.TempDir()})
			var got *SetupOptions
			cmd := NewCmdSetup(f, func(_ context.Context, o *SetupOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			have := flags{DryRun: got.DryRun, TakeOver: got.TakeOver, Undo: got.Undo, Force: got.Force,
				Docker: got.Docker, Podman: got.Podman, RegistriesConf: got.RegistriesConf, NoRegistriesConf: got.NoRegistriesConf, RestoreLogins: got.RestoreLogins}
			if diff := cmp.Diff(tc.want, have); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}
