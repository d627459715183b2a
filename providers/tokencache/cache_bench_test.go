package tokencache

import (
	"context"
	"testing"
	"time"
)

// BenchmarkGetHit is the in-process part of a cached provider get: one
// cache file read and decoded, no lock, no provider call.
func BenchmarkGetHit(b *testing.B) {
	dir := b.TempDir()
	fp := &fakeProvider{clock: &fakeClock{t: time.Now()}, ttl: 12 * time.Hour, key: "fake|profile=a|us-east-1"}
	c := &Cache{Dir: dir}
	if _, _, err := c.Get(context.Background(), fp, host); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Get(context.Background(), fp, host); err != nil {
			b.Fatal(err)
		}
	}
	if n := fp.count(); n != 1 {
		b.Fatalf("%d provider calls, want the warm-up's 1", n)
	}
}
