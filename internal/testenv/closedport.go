package testenv

import (
	"net"
	"testing"
)

// ClosedPort returns a loopback host:port nothing listens on: a peer that
// refuses every connection at once.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
