package kubelet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/kubelet"
	"github.com/regkey/regkey/internal/kubelet/kubelettest"
	"github.com/regkey/regkey/internal/testenv"
	"k8s.io/kubelet/pkg/apis/credentialprovider"
)

// fakeLookup answers from a map of registry hosts.
type fakeLookup struct {
	creds    map[string]auth.Credential
	expires  time.Time
	perImage bool
	err      error
	asked    []string
}

func (f *fakeLookup) Credential(_ context.Context, image string) (kubelet.Found, error) {
	f.asked = append(f.asked, image)
	if f.err != nil {
		return kubelet.Found{}, f.err
	}
	host, _, _ := strings.Cut(image, "/")
	c, ok := f.creds[host]
	if !ok {
		return kubelet.Found{}, fmt.Errorf("%q: %w", image, auth.ErrNotFound)
	}
	return kubelet.Found{Credential: c, Expires: f.expires, PerImage: f.perImage}, nil
}

var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

const ecrImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app"

func serve(t *testing.T, l kubelet.Lookup, in []byte) ([]byte, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := kubelet.Serve(context.Background(), bytes.NewReader(in), &out, kubelet.Options{
		Lookup: l, Now: func() time.Time { return now }, Stderr: &errOut,
	})
	return out.Bytes(), errOut.String(), err
}

func request(t *testing.T, version, image string) []byte {
	t.Helper()
	b, err := kubelettest.EncodeRequest(version, image)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServeAnswers(t *testing.T) {
	t.Parallel()
	ecrHost := "123456789012.dkr.ecr.us-east-1.amazonaws.com"
	lookup := func() *fakeLookup {
		return &fakeLookup{creds: map[string]auth.Credential{
			ecrHost:          {Username: "AWS", Secret: "ecr-token"},
			"127.0.0.1:5000": {Username: "u", Secret: "p"},
			"ghcr.io":        {Username: auth.TokenUsername, Secret: "refresh"},
			"quay.io":        {Username: "org+bot", Secret: "q"},
		}}
	}
	cases := []struct {
		name, version, image string
		expires              time.Time
		wantAuth             map[string]credentialprovider.AuthConfig
		wantDuration         time.Duration // -1: omitted
		wantWarning          string
		perImage             bool
	}{
		{"token with expiry", kubelet.APIVersionV1, ecrImage, now.Add(12 * time.Hour),
			map[string]credentialprovider.AuthConfig{ecrHost: {Username: "AWS", Password: "ecr-token"}}, 6 * time.Hour, "", false},
		{"half of the remaining life, whole seconds", kubelet.APIVersionV1, ecrImage, now.Add(3*time.Hour + 3*time.Second),
			map[string]credentialprovider.AuthConfig{ecrHost: {Username: "AWS", Password: "ecr-token"}}, 90*time.Minute + time.Second, "", false},
		{"already expired", kubelet.APIVersionV1, ecrImage, now.Add(-time.Minute),
			map[string]credentialprovider.AuthConfig{ecrHost: {Username: "AWS", Password: "ecr-token"}}, 0, "", false},
		{"no expiry: kubelet default", kubelet.APIVersionV1, "127.0.0.1:5000/team/app", time.Time{},
			map[string]credentialprovider.AuthConfig{"127.0.0.1:5000": {Username: "u", Password: "p"}}, -1, "", false},
		{"v1beta1 answered in v1beta1", kubelet.APIVersionV1beta1, ecrImage, now.Add(time.Hour),
			map[string]credentialprovider.AuthConfig{ecrHost: {Username: "AWS", Password: "ecr-token"}}, 30 * time.Minute, "", false},
		{"v1alpha1 answered in v1alpha1", kubelet.APIVersionV1alpha1, ecrImage, now.Add(time.Hour),
			map[string]credentialprovider.AuthConfig{ecrHost: {Username: "AWS", Password: "ecr-token"}}, 30 * time.Minute, "", false},
		{"not found: empty, not cached", kubelet.APIVersionV1, "docker.io/library/nginx", time.Time{}, nil, 0, "", false},
		{"identity token: unusable", kubelet.APIVersionV1, "ghcr.io/o/i", time.Time{}, nil, 0, "identity token", false},
		{"per image: keyed and cached by the image", kubelet.APIVersionV1, "quay.io/org/app", time.Time{},
			map[string]credentialprovider.AuthConfig{"quay.io/org/app": {Username: "org+bot", Password: "q"}}, -1, "", true},
		{"per image with expiry", kubelet.APIVersionV1beta1, ecrImage, now.Add(time.Hour),
			map[string]credentialprovider.AuthConfig{ecrImage: {Username: "AWS", Password: "ecr-token"}}, 30 * time.Minute, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := lookup()
			l.expires, l.perImage = tc.expires, tc.perImage
			out, stderr, err := serve(t, l, request(t, tc.version, tc.image))
			if err != nil {
				t.Fatalf("Serve: %v", err)
			}
			resp, err := kubelettest.DecodeResponse(out, tc.version)
			if err != nil {
				t.Fatalf("the kubelet would reject %s: %v", out, err)
			}
			wantKeyType := credentialprovider.RegistryPluginCacheKeyType
			if tc.perImage && tc.wantAuth != nil {
				wantKeyType = credentialprovider.ImagePluginCacheKeyType
			}
			if resp.CacheKeyType != wantKeyType {
				t.Errorf("cacheKeyType %q, want %q", resp.CacheKeyType, wantKeyType)
			}
			if diff := cmp.Diff(tc.wantAuth, resp.Auth); diff != "" {
				t.Errorf("auth (-want +got):\n%s", diff)
			}
			if got := kubelettest.Duration(resp.CacheDuration); got != tc.wantDuration {
				t.Errorf("cacheDuration %v, want %v", got, tc.wantDuration)
			}
			for key := range resp.Auth {
				if ok, err := kubelet.MatchImage(key, tc.image); !ok || err != nil {
					t.Errorf("auth key %q does not match image %q (%v)", key, tc.image, err)
				}
				// A per-image answer must not serve the registry's other repositories.
				sibling, _, _ := strings.Cut(tc.image, "/")
				sibling += "/other/repo"
				if ok, _ := kubelet.MatchImage(key, sibling); ok == tc.perImage {
					t.Errorf("auth key %q matches %s: %v, want %v", key, sibling, ok, !tc.perImage)
				}
			}
			if !strings.Contains(stderr, tc.wantWarning) || (tc.wantWarning == "" && stderr != "") {
				t.Errorf("stderr %q, want %q", stderr, tc.wantWarning)
			}
			if strings.Contains(stderr, "refresh") || strings.Contains(stderr, "ecr-token") {
				t.Errorf("a secret reached stderr: %q", stderr)
			}
			if tc.version == kubelet.APIVersionV1 {
				if _, err := kubelettest.DecodeV1Response(out); err != nil {
					t.Errorf("strict v1 decode: %v", err)
				}
			}
			if diff := cmp.Diff([]string{tc.image}, l.asked); diff != "" {
				t.Errorf("lookups (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServeRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"unknown apiVersion": `{"apiVersion":"credentialprovider.kubelet.k8s.io/v2","kind":"CredentialProviderRequest","image":"a.io/x"}`,
		"other group":        `{"apiVersion":"kubelet.config.k8s.io/v1","kind":"CredentialProviderRequest","image":"a.io/x"}`,
		"no apiVersion":      `{"kind":"CredentialProviderRequest","image":"a.io/x"}`,
		"unknown kind":       `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","image":"a.io/x"}`,
		"no image":           `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest"}`,
		"bad image":          `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"%zz"}`,
		"not JSON":           `apiVersion: credentialprovider.kubelet.k8s.io/v1`,
		"empty":              ``,
		"too large":          `{"image":"` + strings.Repeat("a", kubelet.MaxRequestSize) + `"}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := &fakeLookup{}
			out, _, err := serve(t, l, []byte(in))
			if !errors.Is(err, kubelet.ErrBadRequest) {
				t.Errorf("Serve = %v, want ErrBadRequest", err)
			}
			if len(out) != 0 || len(l.asked) != 0 {
				t.Errorf("wrote %q and asked %v for a bad request", out, l.asked)
			}
		})
	}
}

func TestServeLookupFails(t *testing.T) {
	t.Parallel()
	l := &fakeLookup{err: errors.New("ecr us-east-1: AccessDeniedException")}
	out, _, err := serve(t, l, request(t, kubelet.APIVersionV1, ecrImage))
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), "123456789012.dkr.ecr") {
		t.Errorf("Serve = %v, want the lookup's error naming the registry", err)
	}
	if len(out) != 0 {
		t.Errorf("wrote %q on failure", out)
	}
}

// TestServeStdinNeverCloses: a request that never ends gives up with ctx.
func TestServeStdinNeverCloses(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := testenv.Returns(t, "Serve with a request that never ends", func() error {
		return kubelet.Serve(ctx, r, io.Discard, kubelet.Options{Lookup: &fakeLookup{}})
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve = %v, want the deadline", err)
	}
}

// stuckLookup never answers and ignores ctx, as a keyring call blocked on
// D-Bus might.
type stuckLookup struct{ release chan struct{} }

func (s stuckLookup) Credential(context.Context, string) (kubelet.Found, error) {
	<-s.release
	return kubelet.Found{}, errors.New("released")
}

// TestServeLookupIgnoresContext: Serve ends with ctx even when the lookup
// does not (it is released only when the test ends), and writes nothing.
func TestServeLookupIgnoresContext(t *testing.T) {
	t.Parallel()
	l := stuckLookup{make(chan struct{})}
	defer close(l.release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	err := testenv.Returns(t, "Serve with a stuck lookup", func() error {
		return kubelet.Serve(ctx, bytes.NewReader(request(t, kubelet.APIVersionV1, ecrImage)), &out, kubelet.Options{Lookup: l})
	})
	if !errors.Is(err, context.DeadlineExceeded) || out.Len() != 0 {
		t.Errorf("Serve = %v, wrote %q; want the deadline and nothing written", err, out.String())
	}
}

// TestResponseShape pins the exact bytes: only the protocol's fields, in
// order, nothing the strict decoder could trip over.
func TestResponseShape(t *testing.T) {
	t.Parallel()
	resp := kubelet.NewResponse(kubelet.Request{APIVersion: kubelet.APIVersionV1})
	resp.SetCacheDuration(6 * time.Hour)
	resp.Auth = map[string]kubelet.AuthConfig{"a.io": {}}
	var b bytes.Buffer
	if err := resp.Encode(&b); err != nil {
		t.Fatal(err)
	}
	want := `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"6h0m0s","auth":{"a.io":{"username":"","password":""}}}` + "\n"
	if b.String() != want {
		t.Errorf("response\n got %s\nwant %s", b.String(), want)
	}
}
