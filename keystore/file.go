package keystore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"

	"github.com/regkey/regkey/auth"
)

// File names inside Options.DataDir.
const (
	fileStoreName = "credentials.enc"
	fileLockName  = "credentials.lock"
)

// fileStore is the encrypted file backend: one AEAD-sealed file holding every
// credential. Writers take an exclusive lock on a separate lock file, re-read
// the current file, change it and rename a new file into place, so concurrent
// processes never lose each other's writes and readers (who take no lock)
// always see a whole file. A file that cannot be read with the configured key
// is never overwritten.
type fileStore struct {
	path string
	lock string
	keys keySource

	mu      sync.Mutex
	derived map[string][]byte // encryption keys by header salt, to run argon2id once
}

var _ Store = (*fileStore)(nil)

func newFileStore(dataDir string, keys keySource) *fileStore {
	return &fileStore{
		path:    filepath.Join(dataDir, fileStoreName),
		lock:    filepath.Join(dataDir, fileLockName),
		keys:    keys,
		derived: map[string][]byte{},
	}
}

// Get returns the credential stored under key.
func (s *fileStore) Get(ctx context.Context, key string) (auth.Credential, error) {
	if err := checkKey(key); err != nil {
		return auth.Credential{}, err
	}
	creds, _, _, err := s.load(ctx)
	if err != nil {
		return auth.Credential{}, err
	}
	r, ok := creds[key]
	if !ok {
		return auth.Credential{}, notFound(key)
	}
	return auth.Credential{Username: r.Username, Secret: r.Secret}, nil
}

// List returns every stored key with its username.
func (s *fileStore) List(ctx context.Context) (map[string]string, error) {
	creds, _, _, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(creds))
	for k, r := range creds {
		out[k] = r.Username
	}
	return out, nil
}

// Set stores c under key.
func (s *fileStore) Set(ctx context.Context, key string, c auth.Credential) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if _, err := encodeRecord(c); err != nil {
		return err
	}
	return s.update(ctx, func(creds map[string]record) error {
		creds[key] = record{Username: c.Username, Secret: c.Secret}
		return nil
	})
}

// Delete removes key.
func (s *fileStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.update(ctx, func(creds map[string]record) error {
		if _, ok := creds[key]; !ok {
			return notFound(key)
		}
		delete(creds, key)
		return nil
	})
}

// update runs change on the current credentials under the lock and writes
// the result. When change fails nothing is written.
func (s *fileStore) update(ctx context.Context, change func(map[string]record) error) error {
	if err := ensureDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	return withLock(ctx, s.lock, func() error {
		creds, h, key, err := s.load(ctx)
		if err != nil {
			return err
		}
		if h == nil {
			if h, key, err = s.create(); err != nil {
				return err
			}
		}
		if err := change(creds); err != nil {
			return err
		}
		b, err := sealEnvelope(*h, key, creds)
		if err != nil {
			return err
		}
		return writeFileAtomic(s.path, b)
	})
}

// load reads and decrypts the store. A missing file is an empty store with a
// nil header; it needs no key.
func (s *fileStore) load(ctx context.Context) (map[string]record, *fileHeader, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	b, err := readFileLimited(s.path, maxStoreBytes)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]record{}, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	env, err := parseEnvelope(s.path, b)
	if err != nil {
		return nil, nil, nil, err
	}
	k, err := s.keys.load(false)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := s.derive(k, &env.Header)
	if err != nil {
		return nil, nil, nil, err
	}
	creds, err := env.open(s.path, key, k.source)
	if err != nil {
		return nil, nil, nil, err
	}
	return creds, &env.Header, key, nil
}

// create makes the header and key of a new store, creating the key file if
// the key comes from one.
func (s *fileStore) create() (*fileHeader, []byte, error) {
	k, err := s.keys.load(true)
	if err != nil {
		return nil, nil, err
	}
	h, err := k.newHeader()
	if err != nil {
		return nil, nil, err
	}
	key, err := s.derive(k, h)
	if err != nil {
		return nil, nil, err
	}
	return h, key, nil
}

// derive returns the encryption key for header h, remembering argon2id
// results for the life of the store.
func (s *fileStore) derive(k *fileKey, h *fileHeader) ([]byte, error) {
	if h.KDF != kdfArgon2id {
		return k.derive(h)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if key, ok := s.derived[string(h.Salt)]; ok {
		return key, nil
	}
	key, err := k.derive(h)
	if err != nil {
		return nil, err
	}
	s.derived[string(h.Salt)] = key
	return key, nil
}
