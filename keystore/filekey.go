package keystore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/argon2"
)

// FileKeyEnv names the environment variable that holds the file store's key.
// Its value is either 32 random bytes written as base64 (standard or URL
// alphabet, padding optional; `openssl rand -base64 32`) or as 64 hex digits
// (`openssl rand -hex 32`), used as the key directly; or any other text of at
// least 16 characters, used as a passphrase and stretched with argon2id and a
// random salt kept in the store file (that costs about 30-50 ms per command).
const FileKeyEnv = "REGKEY_FILE_KEY"

// keyFileName is the key file created in Options.ConfigDir when FileKeyEnv is
// unset: 32 random bytes, base64, mode 0600.
const keyFileName = "file.key"

// minPassphrase is the shortest FileKeyEnv value accepted as a passphrase.
const minPassphrase = 16

// argon2id cost for passphrase keys: the OWASP minimum (19 MiB, 2 passes, 1
// lane), low enough that 30 concurrent processes fit in memory. The values
// used are stored in each file, so they can be raised later.
const (
	argonTime    = 2
	argonMemory  = 19 << 10 // KiB
	argonThreads = 1
)

// fileKey is the secret the file store is encrypted with: a raw 32-byte key
// or a passphrase, and where it came from (for messages, never the value).
type fileKey struct {
	raw        []byte
	passphrase []byte
	source     string
}

// keySource finds the file store's key: FileKeyEnv if set, else the key file.
type keySource struct {
	env     string // value of FileKeyEnv; "" when unset
	keyFile string
}

// describe names where the key comes from, for Info and messages:
// "$REGKEY_FILE_KEY" or the key file's path.
func (ks keySource) describe() string {
	if ks.env != "" {
		return "$" + FileKeyEnv
	}
	return ks.keyFile
}

// load returns the key. When it comes from the key file and that file is
// missing, load creates it if create is true and otherwise returns an
// ErrWrongKey error naming the missing file.
func (ks keySource) load(create bool) (*fileKey, error) {
	if ks.env != "" {
		return parseEnvKey(ks.env)
	}
	// The key file may be a symlink (a mounted secret); the store may not.
	b, err := os.ReadFile(ks.keyFile)
	if errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, fmt.Errorf("%w: $%s is unset and the key file %s is missing; restore that file or set $%s to the key the store was written with",
				ErrWrongKey, FileKeyEnv, ks.keyFile, FileKeyEnv)
		}
		return createKeyFile(ks.keyFile)
	}
	if err != nil {
		return nil, err
	}
	if err := checkPrivate(ks.keyFile); err != nil {
		return nil, err
	}
	raw := decodeRawKey(strings.TrimSpace(string(b)))
	clear(b)
	if raw == nil {
		return nil, fmt.Errorf("%w: key file %s does not hold 32 bytes of base64", ErrCorrupt, ks.keyFile)
	}
	return &fileKey{raw: raw, source: "key file " + ks.keyFile}, nil
}

// parseEnvKey interprets a FileKeyEnv value.
func parseEnvKey(v string) (*fileKey, error) {
	s := strings.TrimSpace(v)
	if raw := decodeRawKey(s); raw != nil {
		return &fileKey{raw: raw, source: "$" + FileKeyEnv}, nil
	}
	if len([]rune(s)) < minPassphrase {
		return nil, unavailable(fmt.Sprintf("$%s is neither 32 bytes of base64 (openssl rand -base64 32) or hex nor a passphrase of at least %d characters",
			FileKeyEnv, minPassphrase), nil)
	}
	return &fileKey{passphrase: []byte(s), source: "$" + FileKeyEnv}, nil
}

// decodeRawKey returns the 32 bytes s encodes in hex or any base64 flavour,
// or nil.
func decodeRawKey(s string) []byte {
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil {
			return b
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b
		}
	}
	return nil
}

// createKeyFile writes a new random key to path (0600, directory 0700). It
// writes a temporary file and hard-links it into place, so a concurrent
// creator never sees a half-written key: whoever links first wins and the
// others read the winner's key.
func createKeyFile(path string) (*fileKey, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generating a file store key: %w", err)
	}
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+keyFileName+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating key file %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("creating key file %s: %w", path, err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return keySource{keyFile: path}.load(false)
		}
		return nil, fmt.Errorf("creating key file %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return &fileKey{raw: raw, source: "key file " + path}, nil
}

// keyID is a short fingerprint of an encryption key, stored in the file so
// that a wrong key is told apart from a damaged file. It reveals nothing
// useful: the key is 256 bits (raw or argon2id output).
func keyID(key []byte) []byte {
	h := sha256.New()
	h.Write([]byte("regkey file store key id v1\x00"))
	h.Write(key)
	return h.Sum(nil)[:8]
}

// derive returns the 32-byte encryption key for a store with header h.
func (k *fileKey) derive(h *fileHeader) ([]byte, error) {
	switch h.KDF {
	case kdfNone:
		if k.raw == nil {
			return nil, fmt.Errorf("%w: the store was written with a random key, but %s is a passphrase", ErrWrongKey, k.source)
		}
		return k.raw, nil
	case kdfArgon2id:
		if k.passphrase == nil {
			return nil, fmt.Errorf("%w: the store was written with a passphrase, but %s is a random key", ErrWrongKey, k.source)
		}
		if len(h.Salt) < 16 || h.Time == 0 || h.Time > 16 || h.Memory == 0 || h.Memory > 1<<20 || h.Threads == 0 || h.Threads > 16 {
			return nil, fmt.Errorf("%w: unreasonable argon2id parameters in the header", ErrCorrupt)
		}
		return argon2.IDKey(k.passphrase, h.Salt, h.Time, h.Memory, h.Threads, 32), nil
	}
	return nil, fmt.Errorf("%w: unknown key derivation %q", ErrCorrupt, h.KDF)
}

// newHeader returns the header of a new store encrypted with k.
func (k *fileKey) newHeader() (*fileHeader, error) {
	h := &fileHeader{Format: fileFormat, Version: fileVersion, Cipher: cipherXChaCha, KDF: kdfNone}
	if k.passphrase != nil {
		h.KDF, h.Time, h.Memory, h.Threads = kdfArgon2id, argonTime, argonMemory, argonThreads
		h.Salt = make([]byte, 16)
		if _, err := rand.Read(h.Salt); err != nil {
			return nil, fmt.Errorf("generating a salt: %w", err)
		}
	}
	return h, nil
}
