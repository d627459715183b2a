package login

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/keystore/keystoretest"
)

func TestLogout(t *testing.T) {
	t.Parallel()
	c := cred{Username: "u", Secret: "s"}
	tests := []struct {
		name    string
		server  string
		stored  []string
		want    []string // what remains
		wantOut string
		stderr  string
		errText string
	}{
		{
			name:   "every spelling of the host",
			server: "ghcr.io",
			stored: []string{"ghcr.io", "https://ghcr.io", "http://GHCR.io:443", "ghcr.io/owner/img", "https://ghcr.io/v1/", "quay.io", "ghcr.io:5000"},
			want:   []string{"ghcr.io:5000", "quay.io"},
			wantOut: "Removed ghcr.io (u) from the file keystore\nRemoved ghcr.io/owner/img (u) from the file keystore\n" +
				"Removed http://GHCR.io:443 (u) from the file keystore\nRemoved https://ghcr.io (u) from the file keystore\n" +
				"Removed https://ghcr.io/v1/ (u) from the file keystore\n",
		},
		{
			name:   "argument spelled differently",
			server: "HTTPS://Ghcr.IO:443/",
			stored: []string{"ghcr.io", "quay.io"},
			want:   []string{"quay.io"},
		},
		{
			name:   "a repository and the logins that answer for it, not its siblings",
			server: "ghcr.io/owner/img",
			stored: []string{"ghcr.io", "https://ghcr.io", "ghcr.io/owner", "ghcr.io/owner/img", "ghcr.io/owner/img/sub", "ghcr.io/owner/other"},
			want:   []string{"ghcr.io/owner/img/sub", "ghcr.io/owner/other"},
			wantOut: "Removed ghcr.io (u) from the file keystore\nRemoved ghcr.io/owner (u) from the file keystore\n" +
				"Removed ghcr.io/owner/img (u) from the file keystore\nRemoved https://ghcr.io (u) from the file keystore\n",
		},
		{
			name:   "case: docker's and podman's spellings",
			server: "localhost:5000",
			stored: []string{"LOCALHOST:5000", "localhost:5000/team-a"},
			want:   []string{},
		},
		{
			name:   "Docker Hub by default, with its token entries",
			stored: []string{auth.HubKey, "docker.io", "index.docker.io", "registry-1.docker.io", auth.HubKey + "access-token", auth.HubKey + "refresh-token", "quay.io"},
			want:   []string{"quay.io"},
		},
		{
			name:   "ports are different registries",
			server: "localhost:5000",
			stored: []string{"localhost:5000", "localhost:5001", "localhost", "127.0.0.1:5000"},
			want:   []string{"127.0.0.1:5000", "localhost", "localhost:5001"},
		},
		{
			name:   "Hub token entry alone",
			server: auth.HubKey + "refresh-token",
			stored: []string{auth.HubKey, auth.HubKey + "refresh-token"},
			want:   []string{auth.HubKey},
		},
		{
			name:   "nothing stored",
			server: "ghcr.io",
			stored: []string{"quay.io"},
			want:   []string{"quay.io"},
			stderr: "Not logged in to ghcr.io: nothing stored in the file keystore\n",
		},
		{
			name:    "not a registry",
			server:  "ftp://x",
			errText: "unsupported scheme",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
			stored := map[string]cred{}
			for _, k := range tt.stored {
				stored[k] = c
			}
			mem, open := keystoretest.Memory(t, stored)
			err := Logout(context.Background(), LogoutOptions{Out: out, ErrOut: errOut, Keystore: open, Server: tt.server})
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("error = %v, want %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for k := range mem.Snapshot() {
				left = append(left, k)
			}
			if diff := cmp.Diff(tt.want, left, cmpopts.SortSlices(func(a, b string) bool { return a < b }), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("left in the keystore (-want +got):\n%s", diff)
			}
			if tt.wantOut != "" && out.String() != tt.wantOut {
				t.Errorf("stdout = %q, want %q", out, tt.wantOut)
			}
			if errOut.String() != tt.stderr {
				t.Errorf("stderr = %q, want %q", errOut, tt.stderr)
			}
		})
	}
}

// failingDelete is a store whose Delete fails for one key.
type failingDelete struct {
	*keystore.Memory
	bad string
}

func (s failingDelete) Delete(ctx context.Context, key string) error {
	if key == s.bad {
		return errors.New("keyring locked")
	}
	return s.Memory.Delete(ctx, key)
}

func TestLogoutPartialFailure(t *testing.T) {
	t.Parallel()
	out := &bytes.Buffer{}
	mem, _ := keystoretest.Memory(t, map[string]cred{"ghcr.io": {Username: "u", Secret: "s"}, "https://ghcr.io": {Username: "u", Secret: "s"}})
	open := func(context.Context) (keystore.Store, keystore.Info, error) {
		return failingDelete{mem, "https://ghcr.io"}, keystore.Info{Backend: "os"}, nil
	}
	err := Logout(context.Background(), LogoutOptions{Out: out, ErrOut: io.Discard, Keystore: open, Server: "ghcr.io"})
	if err == nil || !strings.Contains(err.Error(), "removing https://ghcr.io from the os keystore: keyring locked") {
		t.Errorf("error = %v, want the failed key named", err)
	}
	if !strings.Contains(out.String(), "Removed ghcr.io (u)") {
		t.Errorf("stdout = %q, want the removed key reported", out)
	}
}
