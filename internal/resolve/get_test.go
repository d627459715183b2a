package resolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
)

var stored = []string{
	"https://index.docker.io/v1/", "bob", "hub",
	"https://index.docker.io/v1/access-token", "bob", "at",
	"ghcr.io", "gh", "gh-pat",
	"ghcr.io/owner", "owner", "owner-pat",
	"ghcr.io/owner/img", "img", "img-pat",
	"Quay.IO:443", "quay", "quay-pw",
	"127.0.0.1:5000", "<token>", "rt-123",
	"registry.example.com/team", "team", "team-pw",
	"[::1]:5000", "v6", "v6-pw",
}

func TestGetStatic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want string // secret; "" means not found
	}{
		// Docker Hub under every spelling a client sends.
		{"https://index.docker.io/v1/", "hub"},
		{"docker.io", "hub"},
		{"index.docker.io", "hub"},
		{"registry-1.docker.io", "hub"},
		{"registry.hub.docker.com", "hub"},
		{"https://registry-1.docker.io", "hub"},
		{"DOCKER.IO", "hub"},
		{"docker.io:443", "hub"},
		{"index.docker.io/library/alpine", "hub"}, // crane's repository key
		{"https://index.docker.io/v1/access-token", "at"},
		{"https://index.docker.io/v1/refresh-token", ""}, // opaque: only itself
		{"docker.io.evil.example", ""},
		// Host, scheme, case and the :443 fallback.
		{"ghcr.io", "gh-pat"},
		{"https://ghcr.io", "gh-pat"},
		{"http://ghcr.io/", "gh-pat"},
		{"GHCR.IO:443", "gh-pat"},
		{"quay.io", "quay-pw"},
		{"https://quay.io:443", "quay-pw"},
		{"quay.io:8443", ""},
		{"127.0.0.1:5000", "rt-123"},
		{"http://127.0.0.1:5000", "rt-123"},
		{"127.0.0.1", ""},
		{"127.0.0.1:5001", ""},
		{"[::1]:5000", "v6-pw"},
		{"[::1]", ""},
		// Repository paths: most specific stored prefix, then the host.
		{"ghcr.io/owner/img", "img-pat"},
		{"ghcr.io/owner/img/sub", "img-pat"},
		{"ghcr.io/owner/other", "owner-pat"},
		{"ghcr.io/owner", "owner-pat"},
		{"ghcr.io/ownerx/img", "gh-pat"},
		{"https://ghcr.io/owner/other", "owner-pat"},
		{"registry.example.com/team/app", "team-pw"},
		{"registry.example.com/teams", ""},
		{"registry.example.com", ""}, // a namespace credential never answers for the host
		// Keys that cannot name a registry are simply not found.
		{"", ""},
		{"   ", ""},
		{"ghcr .io", ""},
		{"ftp://ghcr.io", ""},
		{"user@ghcr.io", ""},
		{"\xff\xfe", ""},
		{"ghcr.io:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			r := New(memoryWith(stored...), Options{Stderr: &stderr})
			c, err := r.Get(context.Background(), tt.key)
			switch {
			case tt.want == "":
				if !errors.Is(err, auth.ErrNotFound) {
					t.Errorf("Get(%q) = %+v, %v; want not found", tt.key, c, err)
				}
			case err != nil:
				t.Errorf("Get(%q): %v", tt.key, err)
			case c.Secret != tt.want:
				t.Errorf("Get(%q) secret = %q, want %q", tt.key, c.Secret, tt.want)
			}
			if stderr.Len() > 0 {
				t.Errorf("unexpected stderr %q", stderr.String())
			}
		})
	}
}

func TestGetTieBreaks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stored []string
		key    string
		want   string
	}{
		{"exact key wins over a normalised match", []string{"ghcr.io", "u", "a", "https://ghcr.io", "u", "b"}, "https://ghcr.io", "b"},
		{"smallest key among equals", []string{"https://ghcr.io", "u", "b", "ghcr.io", "u", "a"}, "GHCR.io", "a"},
		{"exact host before the :443 fallback", []string{"quay.io:443", "u", "a", "https://quay.io", "u", "b"}, "QUAY.IO", "b"},
		{"longer path before exact host", []string{"ghcr.io", "u", "a", "ghcr.io:443/o", "u", "b"}, "ghcr.io/o/r", "b"},
		{"hub canonical and podman spelling", []string{"docker.io", "u", "podman", "https://index.docker.io/v1/", "u", "docker"}, "index.docker.io", "podman"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := New(memoryWith(tt.stored...), Options{})
			c, err := r.Get(context.Background(), tt.key)
			if err != nil || c.Secret != tt.want {
				t.Errorf("Get(%q) = %+v, %v; want secret %q", tt.key, c, err, tt.want)
			}
		})
	}
}

// An exact hit costs one keystore read and no listing; a miss lists once.
func TestGetIsCheap(t *testing.T) {
	t.Parallel()
	s := &countingStore{Store: memoryWith(stored...)}
	r := New(s, Options{})
	if _, err := r.Get(context.Background(), "ghcr.io"); err != nil {
		t.Fatal(err)
	}
	if s.gets != 1 || s.lists != 0 {
		t.Errorf("exact hit: %d gets, %d lists; want 1, 0", s.gets, s.lists)
	}
	s.gets = 0
	if _, err := r.Get(context.Background(), "docker.io"); err != nil {
		t.Fatal(err)
	}
	if s.gets != 2 || s.lists != 1 {
		t.Errorf("normalised hit: %d gets, %d lists; want 2, 1", s.gets, s.lists)
	}
	s.gets, s.lists = 0, 0
	if _, err := r.Get(context.Background(), "https://index.docker.io/v1/refresh-token"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatal(err)
	}
	if s.gets != 1 || s.lists != 0 {
		t.Errorf("opaque miss: %d gets, %d lists; want 1, 0", s.gets, s.lists)
	}
}

func TestGetKeystoreFailure(t *testing.T) {
	t.Parallel()
	locked := fmt.Errorf("secret service: %w: collection is locked", auth.ErrUnavailable)
	tests := []struct {
		name       string
		getErr     error
		listErr    error
		key        string
		wantStderr []string
	}{
		{"get fails", locked, nil, "ghcr.io", []string{
			`regkey: warning: cannot read the keystore for ghcr.io, answering "not found": secret service: backend unavailable: collection is locked`,
			"hint: run `regkey doctor`"}},
		{"list fails", nil, errors.New("index damaged"), "docker.io", []string{
			`regkey: warning: cannot read the keystore for docker.io, answering "not found": index damaged`}},
		{"deadline", context.DeadlineExceeded, nil, "quay.io", []string{"context deadline exceeded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			s := &countingStore{Store: memoryWith(stored...), getErr: tt.getErr, listErr: tt.listErr}
			r := New(s, Options{Stderr: &stderr})
			_, err := r.Get(context.Background(), tt.key)
			if !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("Get = %v, want not found", err)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q lacks %q", stderr.String(), w)
				}
			}
			if tt.getErr != nil && !errors.Is(err, tt.getErr) {
				t.Errorf("Get = %v does not carry the cause", err)
			}
		})
	}
}

func TestGetDynamic(t *testing.T) {
	t.Parallel()
	ecr := "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	tokenErr := errors.New("ecr " + ecr + ": GetAuthorizationToken: 403 AccessDenied")
	tests := []struct {
		name       string
		answer     sourceAnswer
		stored     []string
		key        string
		want       string // secret; "" means an error
		wantErr    error
		wantStderr string
	}{
		{name: "owner answers", answer: sourceAnswer{cred: auth.Credential{Username: "AWS", Secret: "tok"}},
			stored: []string{ecr, "me", "stored"}, key: ecr, want: "tok"},
		{name: "owner answers any spelling", answer: sourceAnswer{cred: auth.Credential{Username: "AWS", Secret: "tok"}},
			key: "https://" + strings.ToUpper(ecr) + "/repo", want: "tok"},
		{name: "owner without identity falls back to the keystore",
			answer: sourceAnswer{err: fmt.Errorf("ecr: %w: set AWS_PROFILE", providers.ErrNoCredentials)},
			stored: []string{"https://" + ecr, "me", "stored"}, key: ecr, want: "stored"},
		{name: "owner without identity, nothing stored: not found",
			answer: sourceAnswer{err: fmt.Errorf("ecr %s: %w", ecr, providers.ErrNoCredentials)},
			key:    ecr, wantErr: auth.ErrNotFound,
			wantStderr: "regkey: warning: ecr " + ecr + ": no credentials available\n"},
		{name: "broken owner, stored credential used with a warning", answer: sourceAnswer{err: tokenErr},
			stored: []string{ecr, "me", "stored"}, key: ecr, want: "stored",
			wantStderr: "regkey: warning: ecr " + ecr + ": GetAuthorizationToken: 403 AccessDenied; using the credential stored in the keystore\n"},
		{name: "broken owner, nothing stored: the owner's error", answer: sourceAnswer{err: tokenErr},
			key: ecr, wantErr: tokenErr},
		{name: "not owned: keystore", stored: []string{"ghcr.io", "u", "gh"}, key: "ghcr.io", want: "gh"},
		{name: "not owned, nothing stored", key: "quay.io", wantErr: auth.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			src := &fakeSource{owns: map[string]sourceAnswer{ecr: tt.answer}}
			r := New(memoryWith(tt.stored...), Options{Dynamic: src, Stderr: &stderr})
			c, err := r.Get(context.Background(), tt.key)
			if tt.want != "" {
				if err != nil || c.Secret != tt.want {
					t.Errorf("Get = %+v, %v; want secret %q", c, err, tt.want)
				}
			} else if !errors.Is(err, tt.wantErr) {
				t.Errorf("Get = %+v, %v; want %v", c, err, tt.wantErr)
			}
			if tt.wantErr != nil && tt.wantErr != auth.ErrNotFound && errors.Is(err, auth.ErrNotFound) {
				t.Errorf("a broken owner must not read as not found: %v", err)
			}
			if got := stderr.String(); got != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", got, tt.wantStderr)
			}
			if len(src.calls) != 1 {
				t.Fatalf("source called %d times", len(src.calls))
			}
			if k, _ := auth.ParseKey(tt.key); !cmp.Equal(src.calls[0], k) {
				t.Errorf("source got %+v, want %+v", src.calls[0], k)
			}
		})
	}
}

// Opaque keys and unparsable keys never reach the dynamic source.
func TestGetDynamicSkipped(t *testing.T) {
	t.Parallel()
	src := &fakeSource{owns: map[string]sourceAnswer{auth.HubHost: {err: errors.New("must not be asked")}}}
	r := New(memoryWith(stored...), Options{Dynamic: src})
	c, err := r.Get(context.Background(), "https://index.docker.io/v1/access-token")
	if err != nil || c.Secret != "at" {
		t.Errorf("access-token = %+v, %v", c, err)
	}
	if _, err := r.Get(context.Background(), "not a key"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("bad key = %v", err)
	}
	if len(src.calls) != 0 {
		t.Errorf("source asked for %+v", src.calls)
	}
}

func TestCandidatesIgnoreUnparsableStoredKeys(t *testing.T) {
	t.Parallel()
	got := candidates(auth.Key{Raw: "x", Host: "ghcr.io"}, map[string]string{
		"ghcr .io": "", "ftp://ghcr.io": "", "https://index.docker.io/v1/access-token": "", "https://ghcr.io/": "u",
	})
	if diff := cmp.Diff([]string{"https://ghcr.io/"}, got); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
}

var _ keystore.Store = (*countingStore)(nil)
