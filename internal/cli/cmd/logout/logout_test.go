package logout

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/login"
	"github.com/regkey/regkey/keystore/keystoretest"
)

func Test_NewCmdLogout(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{"ghcr.io": "ghcr.io", "": "", "a b": "error", "--json x": "error"} {
		got, err := cmdtest.ParseArgs(t, NewCmdLogout, args)
		switch {
		case want == "error":
			if err == nil {
				t.Errorf("logout %s: no error", args)
			}
		case err != nil:
			t.Errorf("logout %s: %v", args, err)
		case got.Server != want || got.Keystore == nil || got.Owner == nil || got.Out == nil || got.ErrOut == nil:
			t.Errorf("logout %s: Server = %q, want %q, and every input wired from the cmdutil.Factory: %+v", args, got.Server, want, got)
		}
	}
}

// Test_logoutRun: the command hands its streams and argument to the engine.
func Test_logoutRun(t *testing.T) {
	t.Parallel()
	ios, out, errOut := cmdtest.IO("", false)
	c := auth.Credential{Username: "u", Secret: "s"}
	mem, open := keystoretest.Memory(t, map[string]auth.Credential{"ghcr.io": c, "quay.io": c})
	if err := logoutRun(context.Background(), &LogoutOptions{LogoutOptions: login.LogoutOptions{Out: ios.Out, ErrOut: ios.ErrOut, Keystore: open, Server: "ghcr.io"}}); err != nil {
		t.Fatal(err)
	}
	if want := "Removed ghcr.io (u) from the file keystore\n"; out.String() != want || errOut.Len() != 0 {
		t.Errorf("stdout = %q, stderr = %q; want %q", out, errOut, want)
	}
	if diff := cmp.Diff(map[string]auth.Credential{"quay.io": c}, mem.Snapshot()); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
	ios, _, errOut = cmdtest.IO("", false)
	if err := logoutRun(context.Background(), &LogoutOptions{LogoutOptions: login.LogoutOptions{Out: ios.Out, ErrOut: ios.ErrOut, Keystore: open, Server: "ghcr.io"}}); err != nil {
		t.Fatal(err)
	}
	if want := "Not logged in to ghcr.io: nothing stored in the file keystore\n"; errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
}
