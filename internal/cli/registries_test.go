package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

func TestDiscoverHosts(t *testing.T) {
	t.Parallel()
	f, root := cmdtest.Factory(t, nil)
	cmdtest.WriteFile(t, f.Paths.ConfigFile, `registries:
  - match: 123456789012.dkr.ecr.eu-west-1.amazonaws.com
    provider: ecr
  - match: "*.pkg.example.com"
    provider: gcr
  - match: registry.example.com
    provider: keystore
`)
	cmdtest.WriteFile(t, f.Paths.DockerConfig, `{"auths":{"https://index.docker.io/v1/":{},"ghcr.io":{}},"credHelpers":{"myreg.azurecr.io":"regkey"}}`)
	cmdtest.WriteFile(t, filepath.Join(root, "auth.json"), `{"auths":{"quay.io/org":{"auth":"dTpw"},"ghcr.io":{}},"credHelpers":{"us-docker.pkg.dev":"regkey"}}`)
	cache := &tokencache.Cache{Dir: f.Paths.CacheDir}
	p := &fakeTokens{ttl: time.Hour, now: time.Now, calls: map[string]int{}}
	if _, err := cache.Renew(context.Background(), p, auth.Key{Raw: "cached.fake.test", Host: "cached.fake.test"}); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	got := f.DiscoverHosts(cache, func(format string, a ...any) { warnings = append(warnings, format) })
	want := []inventory.Known{
		{Host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", Origin: inventory.OriginRule},
		{Host: "cached.fake.test", Origin: inventory.OriginCache},
		{Host: "ghcr.io", Origin: inventory.OriginDocker},
		{Host: "docker.io", Origin: inventory.OriginDocker},
		{Host: "myreg.azurecr.io", Origin: inventory.OriginDocker},
		{Host: "quay.io", Origin: inventory.OriginPodman},
		{Host: "us-docker.pkg.dev", Origin: inventory.OriginPodman},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hosts (-want +got):\n%s", diff)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}

	// An unreadable docker config is a warning, not the end.
	cmdtest.WriteFile(t, f.Paths.DockerConfig, `{"auths":`)
	got = f.DiscoverHosts(nil, func(format string, a ...any) { warnings = append(warnings, format) })
	if len(warnings) != 1 || len(got) != 4 {
		t.Errorf("with a broken docker config: %d warnings, hosts %v", len(warnings), got)
	}
}

func TestCredentialLookup(t *testing.T) {
	t.Parallel()
	f, _ := cmdtest.Factory(t, config.Env{"REGKEY_AUTH_ENV_EXAMPLE_COM": "envuser:envsecret"})
	ctx := context.Background()
	store, _, err := f.Keystore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Set(ctx, "stored.example.com", auth.Credential{Username: "su", Secret: "ss"}); err != nil {
		t.Fatal(err)
	}
	l := newCredentialLookup(f)
	fixed := time.Now().Add(time.Minute).Truncate(time.Second)
	expiring := &fakeTokens{ttl: 3 * time.Hour, now: func() time.Time { return fixed }, calls: map[string]int{}}
	router, err := providers.NewRouter(nil,
		[]providers.Detector{{Name: "fake", Matches: func(k auth.Key) bool { return k.Host == "tok.fake.test" }}},
		map[string]providers.Constructor{"fake": func(map[string]string) (providers.Provider, error) { return expiring, nil }})
	if err != nil {
		t.Fatal(err)
	}
	withFake := &credentialLookup{f: f, router: router, cache: l.cache}

	tests := []struct {
		l       *credentialLookup
		key     string
		want    auth.Credential
		expires time.Time
		missing bool
	}{
		{l, "env.example.com", auth.Credential{Username: "envuser", Secret: "envsecret"}, time.Time{}, false},
		{l, "stored.example.com/team/app", auth.Credential{Username: "su", Secret: "ss"}, time.Time{}, false},
		{l, "nothing.example.com", auth.Credential{}, time.Time{}, true},
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
}

// TestKubeletLookupPerImage: a keystore answer is per image exactly when
// the keystore holds a key with a repository path for the registry; a
// provider's token serves the whole registry.
func TestKubeletLookupPerImage(t *testing.T) {
	t.Parallel()
	f, _ := cmdtest.Factory(t, nil)
	ctx := context.Background()
	store, _, err := f.Keystore(ctx)
	if err != nil {
		t.Fatal(err)
	}
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
	l := newCredentialLookup(f)
	tokens := &fakeTokens{ttl: time.Hour, now: time.Now, calls: map[string]int{}}
	router, err := providers.NewRouter(nil,
		[]providers.Detector{{Name: "fake", Matches: func(k auth.Key) bool { return k.Host == "stored.fake.test" }}},
		map[string]providers.Constructor{"fake": func(map[string]string) (providers.Provider, error) { return tokens, nil }})
	if err != nil {
		t.Fatal(err)
	}
	kl := kubeletLookup{&credentialLookup{f: f, router: router, cache: l.cache}}
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

func TestCheckHostArgs(t *testing.T) {
	t.Parallel()
	if err := cmdutil.CheckHostArgs([]string{"ghcr.io", "https://index.docker.io/v1/", "127.0.0.1:5000/team", "docker.io"}); err != nil {
		t.Errorf("registries rejected: %v", err)
	}
	for _, bad := range []string{"", "a b", "https://index.docker.io/v1/access-token"} {
		err := cmdutil.CheckHostArgs([]string{"ghcr.io", bad})
		if exitCode(err, &bytes.Buffer{}) != ExitUsage || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("cmdutil.CheckHostArgs(%q) = %v, want a usage error naming it", bad, err)
		}
	}
}
