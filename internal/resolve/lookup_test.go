package resolve

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/builtin"
	"github.com/regkey/regkey/providers/tokencache"
)

// fakeRouter routes host to p and everything else to the keystore.
func fakeRouter(t *testing.T, host string, p providers.Provider) *providers.Router {
	t.Helper()
	router, err := providers.NewRouter(nil,
		[]providers.Detector{{Name: "fake", Matches: func(k auth.Key) bool { return k.Host == host }}},
		map[string]providers.Constructor{"fake": func(map[string]string) (providers.Provider, error) { return p, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return router
}

func TestCredentialLookup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := keystore.NewMemory()
	if err := store.Set(ctx, "stored.example.com", auth.Credential{Username: "su", Secret: "ss"}); err != nil {
		t.Fatal(err)
	}
	router, err := builtin.NewRouter(map[string]string{"REGKEY_AUTH_ENV_EXAMPLE_COM": "envuser:envsecret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cache := &tokencache.Cache{Dir: filepath.Join(t.TempDir(), "cache")}
	l := &Lookup{Store: store, Router: router, Cache: cache}
	fixed := time.Now().Add(time.Minute).Truncate(time.Second)
	expiring := &dynProvider{answer: providers.Token{Credential: auth.Credential{Username: "u", Secret: "secret-tok.fake.test-1"}, Expires: fixed.Add(3 * time.Hour)}}
	withFake := &Lookup{Store: store, Router: fakeRouter(t, "tok.fake.test", expiring), Cache: cache}

	tests := []struct {
		l       *Lookup
		key     string
		want    auth.Credential
		expires time.Time
		missing bool
	}{
		{l, "env.example.com", auth.Credential{Username: "envuser", Secret: "envsecret"}, time.Time{}, false},
		{l, "stored.example.com/team/app", auth.Credential{Username: "su", Secret: "ss"}, time.Time{}, false},
		{l, "nothing.example.com", auth.Credential{}, time.Time{}, true},
		{&Lookup{Store: store}, "stored.example.com", auth.Credential{Username: "su", Secret: "ss"}, time.Time{}, false}, // keystore only
		{withFake, "tok.fake.test/app", auth.Credential{Username: "u", Secret: "secret-tok.fake.test-1"}, fixed.Add(3 * time.Hour), false},
		{withFake, "tok.fake.test", auth.Credential{Username: "u", Secret: "secret-tok.fake.test-1"}, fixed.Add(3 * time.Hour), false},
	}
	for _, tc := range tests {
		c, exp, err := tc.l.Credential(ctx, tc.key)
		if tc.missing {
			if !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("%s: err %v, want not found", tc.key, err)
			}
			continue
		}
		if err != nil || c != tc.want || !exp.Equal(tc.expires) {
			t.Errorf("%s = %+v, %v, %v; want %+v expiring %v", tc.key, c, exp, err, tc.want, tc.expires)
		}
	}
	if expiring.calls != 1 {
		t.Errorf("the provider was asked %d times, want once (then the cache)", expiring.calls)
	}
}

// TestKubeletLookupPerImage: a keystore answer is per image exactly when
// the keystore holds a key with a repository path for the registry; a
// provider's token serves the whole registry.
func TestKubeletLookupPerImage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := keystore.NewMemory()
	for key, c := range map[string]auth.Credential{
		"quay.io":                     {Username: "all", Secret: "a"},
		"quay.io/org":                 {Username: "org+bot", Secret: "o"},
		"127.0.0.1:5000":              {Username: "u", Secret: "p"},
		"https://index.docker.io/v1/": {Username: "hubber", Secret: "h"},
		"stored.fake.test/team":       {Username: "team", Secret: "t"},
	} {
		if err := store.Set(ctx, key, c); err != nil {
			t.Fatal(err)
		}
	}
	tokens := &dynProvider{answer: providers.Token{Credential: auth.Credential{Username: "u", Secret: "tok"}, Expires: time.Now().Add(time.Hour)}}
	kl := (&Lookup{Store: store, Router: fakeRouter(t, "stored.fake.test", tokens), Cache: &tokencache.Cache{Dir: filepath.Join(t.TempDir(), "cache")}}).Kubelet()
	for image, want := range map[string]struct {
		user     string
		perImage bool
	}{
		"quay.io/org/app":         {"org+bot", true},
		"quay.io/other/app":       {"all", true}, // the host's credential, but not for quay.io/org
		"127.0.0.1:5000/team/app": {"u", false},
		"docker.io/library/nginx": {"hubber", false},
		"stored.fake.test/team/x": {"u", false}, // a provider's token, despite the stored path
	} {
		got, err := kl.Credential(ctx, image)
		if err != nil || got.Credential.Username != want.user || got.PerImage != want.perImage {
			t.Errorf("%s = %+v, %v; want user %s, PerImage %v", image, got, err, want.user, want.perImage)
		}
	}
}

// TestKubeletLookupUnlistable: a keystore that cannot be listed makes a
// keystore answer per image, which is never wrong.
func TestKubeletLookupUnlistable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &countingStore{Store: keystore.NewMemory(), listErr: errors.New("index damaged")}
	if err := store.Set(ctx, "quay.io", auth.Credential{Username: "all", Secret: "a"}); err != nil {
		t.Fatal(err)
	}
	got, err := (&Lookup{Store: store}).Kubelet().Credential(ctx, "quay.io")
	if err != nil || got.Credential.Username != "all" || !got.PerImage {
		t.Errorf("= %+v, %v; want all's credential per image", got, err)
	}
}
