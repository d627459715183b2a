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
	creds, _, _, err := s.load(ctx, false)
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
	creds, _, _, err := s.load(ctx, false)
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

// maxUnlockedDerives is how often update drops the lock to derive a key
// outside it before it derives one while holding the lock.
const maxUnlockedDerives = 3

// errDeriveFirst tells update that the store file changed to one whose key
// has not been derived yet: drop the lock, derive, try again.
var errDeriveFirst = errors.New("the store's key must be derived first")

// update runs change on the current credentials under the lock and writes
// the result. When change fails nothing is written.
//
// The key is derived before the lock is taken: argon2id takes tens of
// milliseconds (seconds on a busy machine), and processes storing at once
// would otherwise run it one after another while holding each other off.
// Inside the lock the key comes from the per-salt cache; if the file was
// replaced meanwhile by a store with another salt (one another process
// created), the lock is dropped to derive again.
func (s *fileStore) update(ctx context.Context, change func(map[string]record) error) error {
	if err := ensureDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		fresh, err := s.prepare(ctx)
		if err != nil {
			return err
		}
		err = withLock(ctx, s.lock, func() error {
			return s.updateLocked(ctx, fresh, attempt < maxUnlockedDerives, change)
		})
		if !errors.Is(err, errDeriveFirst) {
			return err
		}
	}
}

// newStore is the header and key of a store file that does not exist yet.
type newStore struct {
	header *fileHeader
	key    []byte
}

// prepare derives the key of the current store file into the cache, or,
// when there is no file, makes the header and key of a new one (creating
// the key file if the key comes from one).
func (s *fileStore) prepare(ctx context.Context) (*newStore, error) {
	_, h, _, err := s.load(ctx, false)
	if err != nil || h != nil {
		return nil, err
	}
	h, key, err := s.create()
	if err != nil {
		return nil, err
	}
	return &newStore{header: h, key: key}, nil
}

// updateLocked is update's work under the lock. With cachedOnly, it returns
// errDeriveFirst rather than run argon2id.
func (s *fileStore) updateLocked(ctx context.Context, fresh *newStore, cachedOnly bool, change func(map[string]record) error) error {
	creds, h, key, err := s.load(ctx, cachedOnly)
	if err != nil {
		return err
	}
	if h == nil {
		switch {
		case fresh != nil:
			h, key = fresh.header, fresh.key
		case cachedOnly:
			return errDeriveFirst // the file was removed meanwhile
		default:
			if h, key, err = s.create(); err != nil {
				return err
			}
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
}

// load reads and decrypts the store. A missing file is an empty store with a
// nil header; it needs no key. With cachedOnly, a key that would need
// argon2id and is not in the cache gives errDeriveFirst.
func (s *fileStore) load(ctx context.Context, cachedOnly bool) (map[string]record, *fileHeader, []byte, error) {
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
	key, err := s.derive(k, &env.Header, cachedOnly)
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
	key, err := s.derive(k, h, false)
	if err != nil {
		return nil, nil, err
	}
	return h, key, nil
}

// derive returns the encryption key for header h, remembering argon2id
// results for the life of the store. With cachedOnly, an argon2id key not
// yet derived gives errDeriveFirst.
func (s *fileStore) derive(k *fileKey, h *fileHeader, cachedOnly bool) ([]byte, error) {
	if h.KDF != kdfArgon2id {
		return k.derive(h)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if key, ok := s.derived[string(h.Salt)]; ok {
		return key, nil
	}
	if cachedOnly {
		return nil, errDeriveFirst
	}
	key, err := k.derive(h)
	if err != nil {
		return nil, err
	}
	s.derived[string(h.Salt)] = key
	return key, nil
}
