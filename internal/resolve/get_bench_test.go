package resolve

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers/builtin"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
	"github.com/regkey/regkey/providers/tokencache"
)

const benchECRHost = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

// BenchmarkGetCachedECR is the in-process work of a cached ECR get after
// start-up: route the host through the built-in router (every provider
// linked), read the token cache, answer. The warm-up is one real cold get
// with the AWS SDK against a loopback fake.
func BenchmarkGetCachedECR(b *testing.B) {
	fake := ecrfake.New()
	defer fake.Close()
	env := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDBENCH0000000001", "AWS_SECRET_ACCESS_KEY": "bench",
		"AWS_ENDPOINT_URL_ECR": fake.URL, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": filepath.Join(b.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(b.TempDir(), "none"),
		"AWS_CA_BUNDLE": "", "HTTPS_PROXY": "", "HTTP_PROXY": "",
	}
	for k, v := range env { // the AWS SDK reads the process environment
		b.Setenv(k, v)
	}
	router, err := builtin.NewRouter(env, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := New(keystore.NewMemory(), Options{Stderr: io.Discard,
		Dynamic: &Dynamic{Router: router, Cache: &tokencache.Cache{Dir: b.TempDir()}}})
	ctx := context.Background()
	if _, err := r.Get(ctx, benchECRHost); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Get(ctx, benchECRHost); err != nil {
			b.Fatal(err)
		}
	}
	if n := len(fake.Requests()); n != 1 {
		b.Fatalf("%d token requests, want the warm-up's 1", n)
	}
}

// BenchmarkGetKeystore is a get the keystore answers (memory store): the
// router says no provider owns the host.
func BenchmarkGetKeystore(b *testing.B) {
	router, err := builtin.NewRouter(map[string]string{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	store := keystore.NewMemory()
	ctx := context.Background()
	if err := store.Set(ctx, "registry.example:5000", auth.Credential{Username: "me", Secret: "s"}); err != nil {
		b.Fatal(err)
	}
	r := New(store, Options{Stderr: io.Discard, Dynamic: &Dynamic{Router: router}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Get(ctx, "registry.example:5000"); err != nil {
			b.Fatal(err)
		}
	}
}
