package list

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/keystore/keystoretest"
)

func Test_NewCmdList(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{"": "table", "--json": "json", "x": "error"} {
		got, err := cmdtest.ParseArgs(t, NewCmdList, args)
		switch {
		case want == "error":
			if err == nil {
				t.Errorf("list %s: no error", args)
			}
		case err != nil:
			t.Errorf("list %s: %v", args, err)
		case got.JSON != (want == "json") || got.Keystore == nil:
			t.Errorf("list %s: options %+v", args, got)
		}
	}
}

var listStored = map[string]auth.Credential{
	"ghcr.io":        {Username: "octocat", Secret: "ghp_secret1"},
	auth.HubKey:      {Username: "alice", Secret: "dckr_secret2"},
	"localhost:5000": {Username: auth.TokenUsername, Secret: "refresh_secret3"},
}

func assertNoListSecrets(t *testing.T, s string) {
	t.Helper()
	for _, c := range listStored {
		if strings.Contains(s, c.Secret) {
			t.Errorf("output contains a secret: %s", s)
		}
	}
}

func Test_listRunTable(t *testing.T) {
	t.Parallel()
	ios, out, errOut := cmdtest.IO("", false)
	_, open := keystoretest.Memory(t, listStored)
	if err := listRun(context.Background(), &ListOptions{IO: ios, Keystore: open}); err != nil {
		t.Fatal(err)
	}
	want := `REGISTRY                     USERNAME
ghcr.io                      octocat
https://index.docker.io/v1/  alice
localhost:5000               <token> (identity token)
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if got := errOut.String(); got != "Keystore: file (/data/regkey/store)\n" {
		t.Errorf("stderr = %q", got)
	}
	assertNoListSecrets(t, out.String()+errOut.String())
}

func Test_listRunJSON(t *testing.T) {
	t.Parallel()
	ios, out, errOut := cmdtest.IO("", false)
	_, open := keystoretest.Memory(t, listStored)
	if err := listRun(context.Background(), &ListOptions{IO: ios, Keystore: open, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var got listJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	want := listJSON{
		Keystore: cmdutil.KeystoreJSON{Backend: "file", Location: "/data/regkey/store"},
		Credentials: []listEntry{
			{Key: "ghcr.io", Host: "ghcr.io", Username: "octocat"},
			{Key: auth.HubKey, Host: "docker.io", Username: "alice"},
			{Key: "localhost:5000", Host: "localhost:5000", Username: auth.TokenUsername, IdentityToken: true},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", errOut)
	}
	assertNoListSecrets(t, out.String())
}

func Test_listRunEmpty(t *testing.T) {
	t.Parallel()
	ios, out, errOut := cmdtest.IO("", false)
	_, open := keystoretest.Memory(t, nil)
	if err := listRun(context.Background(), &ListOptions{IO: ios, Keystore: open}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || errOut.String() != "No credentials stored in the file keystore (/data/regkey/store)\n" {
		t.Errorf("stdout = %q, stderr = %q", out, errOut)
	}

	ios, out, _ = cmdtest.IO("", false)
	if err := listRun(context.Background(), &ListOptions{IO: ios, Keystore: open, JSON: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"credentials": []`) {
		t.Errorf("empty --json = %s, want an empty credentials array", out)
	}
}

// failingList is a store whose List fails.
type failingList struct{ *keystore.Memory }

func (failingList) List(context.Context) (map[string]string, error) {
	return nil, errors.New("dbus: timeout")
}

func Test_listRunError(t *testing.T) {
	t.Parallel()
	ios, _, _ := cmdtest.IO("", false)
	open := func(context.Context) (keystore.Store, keystore.Info, error) {
		return failingList{keystore.NewMemory()}, keystore.Info{Backend: "os"}, nil
	}
	err := listRun(context.Background(), &ListOptions{IO: ios, Keystore: open})
	if err == nil || err.Error() != "listing the os keystore: dbus: timeout" {
		t.Errorf("error = %v", err)
	}
}

func Test_listRunSaysWhy(t *testing.T) {
	t.Parallel()
	info := keystore.Info{Backend: "file", Location: "/d/credentials.enc", Reason: "auto: the OS keyring is unavailable: no D-Bus session bus"}
	for _, stored := range []map[string]auth.Credential{listStored, nil} {
		m, _ := keystoretest.Memory(t, stored)
		open := func(context.Context) (keystore.Store, keystore.Info, error) { return m, info, nil }
		ios, _, errOut := cmdtest.IO("", false)
		if err := listRun(context.Background(), &ListOptions{IO: ios, Keystore: open}); err != nil {
			t.Fatal(err)
		}
		if want := " (/d/credentials.enc); auto: the OS keyring is unavailable: no D-Bus session bus\n"; !strings.HasSuffix(errOut.String(), want) {
			t.Errorf("stderr = %q, want it to end in %q", errOut, want)
		}
		ios, out, _ := cmdtest.IO("", false)
		if err := listRun(context.Background(), &ListOptions{IO: ios, Keystore: open, JSON: true}); err != nil {
			t.Fatal(err)
		}
		var got listJSON
		if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Keystore.Reason != info.Reason {
			t.Errorf("--json keystore = %+v (%v), want the reason %q", got.Keystore, err, info.Reason)
		}
	}
}
