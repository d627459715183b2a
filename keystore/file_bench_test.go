package keystore

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/regkey/regkey/auth"
)

// BenchmarkFileGet opens the encrypted file store and reads one credential,
// as a helper process does once per get (key from REGKEY_FILE_KEY).
func BenchmarkFileGet(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	o := Options{Backend: "file", DataDir: dir, ConfigDir: dir,
		Env: map[string]string{"REGKEY_FILE_KEY": base64.StdEncoding.EncodeToString(make([]byte, 32))}}
	s, _, err := Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Set(ctx, "registry.example", auth.Credential{Username: "me", Secret: "secret"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, _, err := Open(ctx, o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Get(ctx, "registry.example"); err != nil {
			b.Fatal(err)
		}
	}
}
