package helper

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/regkey/regkey/auth"
)

// memBackend is a hand-written Backend: a map plus injectable failures. It
// records the keys it was given, so tests can check what Serve passed on.
type memBackend struct {
	creds   map[string]auth.Credential
	err     error // returned by every method when set
	nilList bool
	keys    []string
}

func newMem(kv ...string) *memBackend {
	m := &memBackend{creds: map[string]auth.Credential{}}
	for i := 0; i+2 < len(kv); i += 3 {
		m.creds[kv[i]] = auth.Credential{Username: kv[i+1], Secret: kv[i+2]}
	}
	return m
}

func (m *memBackend) Get(_ context.Context, key string) (auth.Credential, error) {
	m.keys = append(m.keys, key)
	if m.err != nil {
		return auth.Credential{}, m.err
	}
	c, ok := m.creds[key]
	if !ok {
		return auth.Credential{}, fmt.Errorf("getting %q: %w", key, auth.ErrNotFound)
	}
	return c, nil
}

func (m *memBackend) Store(_ context.Context, key string, c auth.Credential) error {
	m.keys = append(m.keys, key)
	if m.err != nil {
		return m.err
	}
	m.creds[key] = c
	return nil
}

func (m *memBackend) Erase(_ context.Context, key string) error {
	m.keys = append(m.keys, key)
	if m.err != nil {
		return m.err
	}
	if _, ok := m.creds[key]; !ok {
		return fmt.Errorf("erasing %q: %w", key, auth.ErrNotFound)
	}
	delete(m.creds, key)
	return nil
}

func (m *memBackend) List(context.Context) (map[string]string, error) {
	if m.err != nil {
		return nil, m.err
	}
	if m.nilList {
		return nil, nil
	}
	out := map[string]string{}
	for k, c := range m.creds {
		out[k] = c.Username
	}
	return out, nil
}

func (m *memBackend) snapshot() map[string]auth.Credential { return maps.Clone(m.creds) }

// hintedErr is an error carrying advice, as internal/cli builds them.
type hintedErr struct{ msg, hint string }

func (e hintedErr) Error() string { return e.msg }
func (e hintedErr) Hint() string  { return e.hint }

// blockingReader never returns, like a terminal nobody types into.
type blockingReader struct{ ch chan struct{} }

func (r blockingReader) Read([]byte) (int, error) { <-r.ch; return 0, nil }

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) {
	return 0, fmt.Errorf("read /dev/stdin: input/output error")
}

var _ Backend = (*memBackend)(nil)

func big(n int) string { return strings.Repeat("a", n) }
