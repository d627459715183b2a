package resolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/helper"
	"github.com/regkey/regkey/keystore"
)

var _ helper.Backend = (*Resolver)(nil)

func TestStore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		setErr  error
		want    map[string]auth.Credential
		wantErr string
	}{
		{name: "exact key kept", key: "https://Ghcr.IO:443/owner",
			want: map[string]auth.Credential{"https://Ghcr.IO:443/owner": {Username: "<token>", Secret: "s"}}},
		{name: "trimmed", key: " docker.io\n", want: map[string]auth.Credential{"docker.io": {Username: "<token>", Secret: "s"}}},
		{name: "hub suffix keys", key: "https://index.docker.io/v1/refresh-token",
			want: map[string]auth.Credential{"https://index.docker.io/v1/refresh-token": {Username: "<token>", Secret: "s"}}},
		{name: "not a registry", key: "ghcr .io",
			wantErr: `storing credentials: server key "ghcr .io" contains white space or control characters`},
		{name: "names no registry", key: "{", wantErr: `storing credentials: server key "{": '{' (U+007B) is not allowed; ` +
			`a registry host is ASCII letters, digits, '-' and '.', or an [IPv6] address, with an optional :port`},
		{name: "names no registry either", key: "-%", wantErr: `storing credentials: server key "-%": '%' (U+0025) is not allowed; ` +
			`a registry host is ASCII letters, digits, '-' and '.', or an [IPv6] address, with an optional :port`},
		{name: "a path no client asks for", key: "ghcr.io/Owner?x", wantErr: `storing credentials: server key "ghcr.io/Owner?x": ` +
			`repository path "Owner?x": want lower-case letters, digits, '.', '_' and '-' in components joined by '/'`},
		{name: "keystore failure", key: "ghcr.io", setErr: fmt.Errorf("keyring: %w", auth.ErrUnavailable),
			wantErr: "storing credentials for ghcr.io: keyring: backend unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := keystore.NewMemory()
			r := New(&countingStore{Store: m, setErr: tt.setErr}, Options{})
			err := r.Store(context.Background(), tt.key, auth.Credential{Username: "<token>", Secret: "s"})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("Store = %v, want %q", err, tt.wantErr)
				}
				if errors.Is(err, auth.ErrNotFound) {
					t.Errorf("a failed store must not read as not found")
				}
			} else if err != nil {
				t.Errorf("Store: %v", err)
			}
			want := tt.want
			if want == nil {
				want = map[string]auth.Credential{}
			}
			if diff := cmp.Diff(want, m.Snapshot(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		key      string
		delErr   error
		notFound bool
		wantErr  string
		left     []string
	}{
		{name: "exact", key: "ghcr.io", left: []string{"https://index.docker.io/v1/", "docker.io"}},
		{name: "trimmed", key: "ghcr.io\n", left: []string{"https://index.docker.io/v1/", "docker.io"}},
		{name: "other spellings are left alone", key: "https://ghcr.io", notFound: true,
			left: []string{"https://index.docker.io/v1/", "docker.io", "ghcr.io"}},
		{name: "hub: only the spelling erased", key: "https://index.docker.io/v1/", left: []string{"docker.io", "ghcr.io"}},
		{name: "invalid utf-8", key: "\xff", notFound: true, left: []string{"https://index.docker.io/v1/", "docker.io", "ghcr.io"}},
		{name: "keystore failure", key: "ghcr.io", delErr: errors.New("pass: gpg: decryption failed"),
			wantErr: "erasing credentials for ghcr.io: pass: gpg: decryption failed",
			left:    []string{"https://index.docker.io/v1/", "docker.io", "ghcr.io"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := memoryWith("https://index.docker.io/v1/", "u", "a", "docker.io", "u", "b", "ghcr.io", "u", "c")
			r := New(&countingStore{Store: m, delErr: tt.delErr}, Options{})
			err := r.Erase(context.Background(), tt.key)
			switch {
			case tt.notFound:
				if !errors.Is(err, auth.ErrNotFound) {
					t.Errorf("Erase = %v, want not found", err)
				}
			case tt.wantErr != "":
				if err == nil || err.Error() != tt.wantErr || errors.Is(err, auth.ErrNotFound) {
					t.Errorf("Erase = %v, want %q", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("Erase: %v", err)
			}
			var left []string
			for k := range m.Snapshot() {
				left = append(left, k)
			}
			if diff := cmp.Diff(tt.left, left, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("left (-want +got):\n%s", diff)
			}
		})
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	r := New(memoryWith("https://Ghcr.IO/x", "me", "s", "docker.io", "<token>", "t"), Options{})
	got, err := r.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"https://Ghcr.IO/x": "me", "docker.io": "<token>"}, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	r = New(&countingStore{Store: keystore.NewMemory(), listErr: errors.New("index damaged")}, Options{})
	if _, err := r.List(context.Background()); err == nil || err.Error() != "listing credentials: index damaged" {
		t.Errorf("List = %v", err)
	}
}

// TestProtocolSessions replays what real clients send (REFERENCE §1.5-1.7,
// TESTING §2) through helper.Serve and a Resolver over one keystore.
func TestProtocolSessions(t *testing.T) {
	t.Parallel()
	const notFound = "credentials not found in native keychain\n"
	type step struct {
		verb, stdin, stdout string
		code                int
	}
	sessions := []struct {
		name  string
		steps []step
	}{
		{"docker login, manifest inspect, logout", []step{
			{"store", `{"ServerURL":"127.0.0.1:5101","Username":"testuser","Secret":"testpass"}` + "\n", "", 0},
			{"get", "127.0.0.1:5101", `{"ServerURL":"127.0.0.1:5101","Username":"testuser","Secret":"testpass"}` + "\n", 0},
			{"list", "unused", `{"127.0.0.1:5101":"testuser"}` + "\n", 0},
			{"erase", "127.0.0.1:5101", "", 0},
			{"erase", "127.0.0.1:5101", "", 0},
			{"erase", "http://127.0.0.1:5101", "", 0},
			{"erase", "https://127.0.0.1:5101", "", 0},
			{"get", "127.0.0.1:5101", notFound, 1},
			{"list", "unused", "{}\n", 0},
		}},
		{"docker identity token, read by podman and crane", []step{
			{"store", `{"ServerURL":"localhost:5055","Username":"\u003ctoken\u003e","Secret":"rt-123"}` + "\n", "", 0},
			{"get", "localhost:5055", `{"ServerURL":"localhost:5055","Username":"\u003ctoken\u003e","Secret":"rt-123"}` + "\n", 0},
			{"get", "LOCALHOST:5055", `{"ServerURL":"LOCALHOST:5055","Username":"\u003ctoken\u003e","Secret":"rt-123"}` + "\n", 0},
			{"get", "localhost:5055/test/hello", `{"ServerURL":"localhost:5055/test/hello","Username":"\u003ctoken\u003e","Secret":"rt-123"}` + "\n", 0},
			{"get", "localhost:5056", notFound, 1},
		}},
		{"docker hub login read by podman, crane and buildkit", []step{
			{"store", `{"ServerURL":"https://index.docker.io/v1/","Username":"bob","Secret":"pat"}` + "\n", "", 0},
			{"get", "docker.io", `{"ServerURL":"docker.io","Username":"bob","Secret":"pat"}` + "\n", 0},
			{"get", "index.docker.io/library/alpine", `{"ServerURL":"index.docker.io/library/alpine","Username":"bob","Secret":"pat"}` + "\n", 0},
			{"get", "registry-1.docker.io", `{"ServerURL":"registry-1.docker.io","Username":"bob","Secret":"pat"}` + "\n", 0},
			{"get", "https://index.docker.io/v1/refresh-token", notFound, 1},
			{"erase", "https://index.docker.io/v1/", "", 0},
			{"get", "docker.io", notFound, 1},
		}},
		{"podman namespaced login is refused by podman itself; bad keys", []step{
			{"store", `{"ServerURL":"bad key","Username":"u","Secret":"s"}`,
				`docker-credential-regkey: storing credentials: server key "bad key" contains white space or control characters` + "\n", 1},
			{"get", "bad key", notFound, 1},
			{"erase", "bad key", "", 0},
		}},
	}
	for _, s := range sessions {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			r := New(keystore.NewMemory(), Options{})
			p := helper.Program{Name: "docker-credential-regkey", Version: "test"}
			for i, st := range s.steps {
				var out, errOut bytes.Buffer
				code := helper.Serve(context.Background(), p, r, []string{st.verb}, strings.NewReader(st.stdin), &out, &errOut)
				if code != st.code || out.String() != st.stdout {
					t.Errorf("step %d %s %q: %d %q, want %d %q (stderr %q)", i, st.verb, st.stdin, code, out.String(), st.code, st.stdout, errOut.String())
				}
			}
		})
	}
}
