package cmdutil_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// oneToken is a provider whose tokens are valid for an hour.
type oneToken struct{}

func (oneToken) Name() string               { return "fake" }
func (oneToken) CacheKey(k auth.Key) string { return "fake|" + k.Host }
func (oneToken) Get(context.Context, auth.Key) (providers.Token, error) {
	return providers.Token{Credential: auth.Credential{Username: "u", Secret: "s"}, Expires: time.Now().Add(time.Hour)}, nil
}

func TestDiscoverHosts(t *testing.T) {
	t.Parallel()
	f, root := cmdtest.Factory(t, nil)
	inventorytest.WriteFile(t, f.Paths.ConfigFile, `registries:
  - match: 123456789012.dkr.ecr.eu-west-1.amazonaws.com
    provider: ecr
  - match: "*.pkg.example.com"
    provider: gcr
  - match: registry.example.com
    provider: keystore
`)
	inventorytest.WriteFile(t, f.Paths.DockerConfig, `{"auths":{"https://index.docker.io/v1/":{},"ghcr.io":{}},"credHelpers":{"myreg.azurecr.io":"regkey"}}`)
	inventorytest.WriteFile(t, filepath.Join(root, "auth.json"), `{"auths":{"quay.io/org":{"auth":"dTpw"},"ghcr.io":{}},"credHelpers":{"us-docker.pkg.dev":"regkey"}}`)
	cache := &tokencache.Cache{Dir: f.Paths.CacheDir}
	if _, err := cache.Renew(context.Background(), oneToken{}, auth.Key{Raw: "cached.fake.test", Host: "cached.fake.test"}); err != nil {
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
	inventorytest.WriteFile(t, f.Paths.DockerConfig, `{"auths":`)
	got = f.DiscoverHosts(nil, func(format string, a ...any) { warnings = append(warnings, format) })
	if len(warnings) != 1 || len(got) != 4 {
		t.Errorf("with a broken docker config: %d warnings, hosts %v", len(warnings), got)
	}
}

// TestCredentialLookup: the Factory's lookup answers from its keystore and
// its providers (here REGKEY_AUTH_*), and warns, answering from the
// keystore alone, when the settings file is unreadable.
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
	l := f.CredentialLookup()
	for key, want := range map[string]string{"env.example.com": "envuser", "stored.example.com/team/app": "su"} {
		if c, _, err := l.Credential(ctx, key); err != nil || c.Username != want {
			t.Errorf("%s = %+v, %v; want %s", key, c, err, want)
		}
	}

	f, _ = cmdtest.Factory(t, config.Env{"REGKEY_AUTH_ENV_EXAMPLE_COM": "envuser:envsecret"})
	inventorytest.WriteFile(t, f.Paths.ConfigFile, "registries: [")
	var errOut strings.Builder
	f.IO.ErrOut = &errOut
	l = f.CredentialLookup()
	if l.Router != nil || !strings.Contains(errOut.String(), "regkey: warning: registry providers are off: ") {
		t.Errorf("with a broken settings file: router %v, stderr %q", l.Router, errOut.String())
	}
	if _, _, err := l.Credential(ctx, "env.example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("keystore only: err %v, want not found", err)
	}
}
