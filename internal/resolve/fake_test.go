package resolve

import (
	"context"
	"sync"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
)

// countingStore wraps a keystore.Store, counts calls and injects failures.
type countingStore struct {
	keystore.Store
	mu              sync.Mutex
	gets, lists     int
	getErr, setErr  error
	listErr, delErr error
}

func (s *countingStore) Get(ctx context.Context, key string) (auth.Credential, error) {
	s.mu.Lock()
	s.gets++
	err := s.getErr
	s.mu.Unlock()
	if err != nil {
		return auth.Credential{}, err
	}
	return s.Store.Get(ctx, key)
}

func (s *countingStore) Set(ctx context.Context, key string, c auth.Credential) error {
	if s.setErr != nil {
		return s.setErr
	}
	return s.Store.Set(ctx, key, c)
}

func (s *countingStore) Delete(ctx context.Context, key string) error {
	if s.delErr != nil {
		return s.delErr
	}
	return s.Store.Delete(ctx, key)
}

func (s *countingStore) List(ctx context.Context) (map[string]string, error) {
	s.mu.Lock()
	s.lists++
	err := s.listErr
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.Store.List(ctx)
}

// fakeSource owns the hosts in its map and answers with their credential or
// error.
type fakeSource struct {
	owns  map[string]sourceAnswer
	calls []auth.Key
}

type sourceAnswer struct {
	cred auth.Credential
	err  error
}

func (f *fakeSource) Get(_ context.Context, k auth.Key) (auth.Credential, bool, error) {
	f.calls = append(f.calls, k)
	a, ok := f.owns[k.Host]
	if !ok {
		return auth.Credential{}, false, nil
	}
	return a.cred, true, a.err
}

// memoryWith returns a memory keystore holding key, username, secret triples.
func memoryWith(kv ...string) *keystore.Memory {
	m := keystore.NewMemory()
	for i := 0; i+2 < len(kv); i += 3 {
		if err := m.Set(context.Background(), kv[i], auth.Credential{Username: kv[i+1], Secret: kv[i+2]}); err != nil {
			panic(err)
		}
	}
	return m
}
