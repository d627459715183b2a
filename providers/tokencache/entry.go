package tokencache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/regkey/regkey/auth"
)

// Entry is one cached provider token.
type Entry struct {
	// Key is the provider's CacheKey the entry was stored under.
	Key string `json:"key"`
	// Provider is the provider's name, for `regkey status`.
	Provider string `json:"provider"`
	// Host is the registry host the token was last obtained for (empty in
	// entries written before it was recorded). Tokens are shared by every
	// host with the same Key; `regkey refresh` uses it to find the hosts
	// it should renew.
	Host string `json:"host,omitempty"`
	// Username and Secret are the credential.
	Username string `json:"username"`
	Secret   string `json:"secret"`
	// Expires is when the credential stops working.
	Expires time.Time `json:"expires"`
	// Obtained is when the provider issued it.
	Obtained time.Time `json:"obtained"`
}

// Credential returns the entry's credential.
func (e Entry) Credential() auth.Credential {
	return auth.Credential{Username: e.Username, Secret: e.Secret}
}

// RefreshAt is when the entry should be replaced: half-way through its
// lifetime, as amazon-ecr-credential-helper and the kubelet plugins do, and
// no later than the expiry margin.
func (e Entry) RefreshAt() time.Time {
	half := e.Obtained.Add(e.Expires.Sub(e.Obtained) / 2)
	if late := e.Expires.Add(-ExpiryMargin); late.Before(half) {
		return late
	}
	return half
}

// Fresh reports whether the entry can be served without asking the provider.
func (e Entry) Fresh(now time.Time) bool { return now.Before(e.RefreshAt()) }

// Usable reports whether the entry still works for at least ExpiryMargin:
// good enough to serve when a refresh fails.
func (e Entry) Usable(now time.Time) bool { return now.Before(e.Expires.Add(-ExpiryMargin)) }

// ExpiryMargin is how long before its expiry a token stops being served: a
// pull that starts with it must still be able to finish its requests.
const ExpiryMargin = time.Minute

// maxEntrySize caps what is read from one cache file.
const maxEntrySize = 64 << 10

// fileName is the file holding key's entry. Keys are hashed: they may
// contain profile names and other characters unfit for file names.
func fileName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// errCorrupt marks a cache file that exists but does not hold an entry.
var errCorrupt = errors.New("not a token cache entry")

// readEntry reads the entry for key from path. A missing file is
// fs.ErrNotExist; a file that does not parse, is too large or belongs to
// another key wraps errCorrupt.
func readEntry(path, key string) (Entry, error) {
	var e Entry
	f, err := os.Open(path)
	if err != nil {
		return e, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEntrySize+1))
	if err != nil {
		return e, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > maxEntrySize {
		return e, fmt.Errorf("%s: %w (larger than %d bytes)", path, errCorrupt, maxEntrySize)
	}
	if err := json.Unmarshal(data, &e); err != nil || e.Key != key || e.Expires.IsZero() {
		return Entry{}, fmt.Errorf("%s: %w", path, errCorrupt)
	}
	return e, nil
}

// writeEntry writes e to path atomically: a 0600 temp file in the same
// directory, synced, then renamed over path.
func writeEntry(path string, e Entry) (err error) {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding token cache entry: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("writing token cache: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("writing token cache %s: %w", tmp.Name(), err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing token cache %s: %w", tmp.Name(), err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing token cache %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing token cache %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing token cache %s: %w", path, err)
	}
	return nil
}

// ensureDir creates dir with mode 0700, and narrows an existing directory
// that others can read.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating token cache directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("creating token cache directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("token cache directory %s: %w", dir, fs.ErrExist)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("token cache directory %s: %w", dir, err)
		}
	}
	return nil
}
