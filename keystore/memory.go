package keystore

import (
	"context"
	"maps"
	"sync"

	"github.com/regkey/regkey/auth"
)

// Memory is a Store that keeps credentials in a map, for other packages'
// tests. It follows the Store contract exactly (ErrNotFound on a missing
// Get or Delete, ErrInvalidKey, ErrTooLarge) but forgets everything when the
// process ends. The zero value is ready to use.
type Memory struct {
	mu sync.RWMutex
	m  map[string]auth.Credential
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{} }

// Get returns the credential stored under key.
func (s *Memory) Get(ctx context.Context, key string) (auth.Credential, error) {
	if err := ctx.Err(); err != nil {
		return auth.Credential{}, err
	}
	if err := checkKey(key); err != nil {
		return auth.Credential{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.m[key]
	if !ok {
		return auth.Credential{}, notFound(key)
	}
	return c, nil
}

// Set stores c under key.
func (s *Memory) Set(ctx context.Context, key string, c auth.Credential) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if _, err := encodeRecord(c); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]auth.Credential)
	}
	s.m[key] = c
	return nil
}

// Delete removes key.
func (s *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok {
		return notFound(key)
	}
	delete(s.m, key)
	return nil
}

// List returns every stored key with its username.
func (s *Memory) List(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]string, len(s.m))
	for k, c := range s.m {
		out[k] = c.Username
	}
	return out, nil
}

// Snapshot returns a copy of every stored credential, for test assertions.
func (s *Memory) Snapshot() map[string]auth.Credential {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return maps.Clone(s.m)
}
