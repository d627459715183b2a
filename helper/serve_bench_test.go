package helper

import (
	"context"
	"io"
	"strings"
	"testing"
)

// BenchmarkServeGet is the protocol's own share of a get: read the key,
// ask the backend, write the JSON answer.
func BenchmarkServeGet(b *testing.B) {
	m := newMem("registry.example", "me", "secret")
	p := Program{Name: "docker-credential-regkey", Version: "bench"}
	b.ReportAllocs()
	for b.Loop() {
		m.keys = m.keys[:0]
		if code := Serve(context.Background(), p, m, []string{"get"}, strings.NewReader("registry.example\n"), io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
