package resolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
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
	// Logins as docker, podman, crane and regkey login store them.
	all := []string{
		"https://index.docker.io/v1/", "docker.io", "index.docker.io",
		"https://index.docker.io/v1/access-token", "https://index.docker.io/v1/refresh-token",
		"ghcr.io", "https://GHCR.io", "ghcr.io:443", "ghcr.io/owner", "ghcr.io/owner/img", "ghcr.io/ownerx",
		"quay.io:8443", "localhost:5000", "LOCALHOST:5000", "localhost:5001",
	}
	without := func(gone ...string) []string {
		var out []string
		for _, k := range all {
			if !slices.Contains(gone, k) {
				out = append(out, k)
			}
		}
		return out
	}
	tests := []struct {
		name     string
		key      string
		listErr  error
		delErr   error
		notFound bool
		wantErr  string
		left     []string
	}{
		{name: "every spelling of the host, not the paths below it", key: "ghcr.io",
			left: without("ghcr.io", "https://GHCR.io", "ghcr.io:443")},
		{name: "docker logout's https:// form", key: "https://ghcr.io",
			left: without("ghcr.io", "https://GHCR.io", "ghcr.io:443")},
		{name: "trimmed", key: " ghcr.io:443\n", left: without("ghcr.io", "https://GHCR.io", "ghcr.io:443")},
		{name: "case: podman's and docker's spellings", key: "LOCALHOST:5000", left: without("localhost:5000", "LOCALHOST:5000")},
		{name: "a repository path and the logins that answer for it", key: "ghcr.io/owner/img",
			left: without("ghcr.io", "https://GHCR.io", "ghcr.io:443", "ghcr.io/owner", "ghcr.io/owner/img")},
		{name: "a repository path: siblings stay", key: "ghcr.io/owner",
			left: without("ghcr.io", "https://GHCR.io", "ghcr.io:443", "ghcr.io/owner")},
		{name: "docker hub: every alias, not the token keys", key: "https://index.docker.io/v1/",
			left: without("https://index.docker.io/v1/", "docker.io", "index.docker.io")},
		{name: "docker hub from podman", key: "docker.io",
			left: without("https://index.docker.io/v1/", "docker.io", "index.docker.io")},
		{name: "docker hub token key: itself only", key: "https://index.docker.io/v1/refresh-token",
			left: without("https://index.docker.io/v1/refresh-token")},
		{name: "another port is another registry", key: "quay.io", notFound: true, left: all},
		{name: "nothing for the host", key: "127.0.0.1:5000", notFound: true, left: all},
		{name: "invalid utf-8", key: "\xff", notFound: true, left: all},
		{name: "keystore failure", key: "ghcr.io", delErr: errors.New("pass: gpg: decryption failed"),
			wantErr: "erasing credentials for ghcr.io: pass: gpg: decryption failed", left: all},
		{name: "cannot list the other spellings", key: "ghcr.io", listErr: errors.New("index damaged"),
			wantErr: "erasing credentials for ghcr.io: listing the other spellings: index damaged", left: without("ghcr.io")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := keystore.NewMemory()
			for _, k := range all {
				if err := m.Set(context.Background(), k, auth.Credential{Username: "u", Secret: k}); err != nil {
					t.Fatal(err)
				}
			}
			r := New(&countingStore{Store: m, delErr: tt.delErr, listErr: tt.listErr}, Options{})
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

// TestEraseThenGetFindsNothing checks erase's rule against get itself: for
// every key a client sends, after erase succeeds, get of that key finds
// nothing in the keystore, and every login that get did not fall back to is
// still there.
func TestEraseThenGetFindsNothing(t *testing.T) {
	t.Parallel()
	keys := []string{
		"https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io",
		"index.docker.io/library/alpine", "https://index.docker.io/v1/access-token",
		"ghcr.io", "https://ghcr.io", "http://ghcr.io/", "GHCR.IO:443", "ghcr.io/owner", "ghcr.io/owner/img",
		"ghcr.io/owner/img/sub", "ghcr.io/ownerx/img", "quay.io", "quay.io:8443", "https://quay.io:443",
		"127.0.0.1:5000", "http://127.0.0.1:5000", "[::1]:5000", "registry.example.com/team/app",
		"registry.example.com", "LOCALHOST:5055",
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			m := memoryWith(append(slices.Clone(stored), "localhost:5055", "u", "pw")...)
			r := New(m, Options{})
			before := m.Snapshot()
			if err := r.Erase(context.Background(), key); err != nil && !errors.Is(err, auth.ErrNotFound) {
				t.Fatalf("Erase(%q): %v", key, err)
			}
			if c, err := r.Get(context.Background(), key); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("after Erase(%q), Get = %q, %v; want not found", key, c.Secret, err)
			}
			// Nothing else went: each key removed answers a get of the key
			// when it is the only one stored.
			after := m.Snapshot()
			for k, c := range before {
				if _, ok := after[k]; ok {
					continue
				}
				alone := New(memoryWith(k, c.Username, c.Secret), Options{})
				if _, err := alone.Get(context.Background(), key); err != nil {
					t.Errorf("Erase(%q) removed %s, which get of the key does not use: %v", key, k, err)
				}
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
		{"podman's hub login ends with docker logout", []step{
			{"store", `{"ServerURL":"docker.io","Username":"bob","Secret":"podman-pat"}` + "\n", "", 0},
			{"store", `{"ServerURL":"https://index.docker.io/v1/","Username":"bob","Secret":"docker-pat"}` + "\n", "", 0},
			{"store", `{"ServerURL":"https://index.docker.io/v1/refresh-token","Username":"bob","Secret":"rt..cid"}` + "\n", "", 0},
			{"get", "https://index.docker.io/v1/refresh-token", `{"ServerURL":"https://index.docker.io/v1/refresh-token","Username":"bob","Secret":"rt..cid"}` + "\n", 0},
			{"erase", "https://index.docker.io/v1/", "", 0},
			{"get", "https://index.docker.io/v1/", notFound, 1},
			{"get", "docker.io", notFound, 1},
			{"list", "unused", `{"https://index.docker.io/v1/refresh-token":"bob"}` + "\n", 0},
		}},
		{"docker's login ends with podman logout", []step{
			{"store", `{"ServerURL":"LOCALHOST:5101","Username":"testuser","Secret":"testpass"}` + "\n", "", 0},
			{"get", "localhost:5101", `{"ServerURL":"localhost:5101","Username":"testuser","Secret":"testpass"}` + "\n", 0},
			{"erase", "localhost:5101", "", 0},
			{"get", "LOCALHOST:5101", notFound, 1},
			{"get", "localhost:5101", notFound, 1},
			{"erase", "localhost:5101", "", 0},
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
