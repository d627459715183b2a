package keystore

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/regkey/regkey/auth"
)

// maxRecordBytes caps one stored credential (key, username and secret as
// JSON). Identity tokens are a few KiB; zalando/go-keyring warns that the
// Secret Service slows down beyond 100 KiB, and other keyrings hold far less.
const maxRecordBytes = 64 << 10

// record is how one credential is serialised in every backend.
type record struct {
	Username string `json:"username"`
	Secret   string `json:"secret"`
}

// checkKey rejects server keys no backend can store faithfully.
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidKey)
	case strings.ContainsRune(key, 0):
		return fmt.Errorf("%w: contains a NUL byte", ErrInvalidKey)
	}
	return nil
}

// encodeRecord serialises c, refusing credentials above maxRecordBytes.
func encodeRecord(c auth.Credential) ([]byte, error) {
	b, err := json.Marshal(record{Username: c.Username, Secret: c.Secret})
	if err != nil {
		return nil, fmt.Errorf("encoding credential: %w", err)
	}
	if len(b) > maxRecordBytes {
		return nil, fmt.Errorf("%w: %d bytes encoded, the limit is %d", ErrTooLarge, len(b), maxRecordBytes)
	}
	return b, nil
}

// decodeRecord parses what encodeRecord wrote. The error never quotes the
// input, which holds a secret.
func decodeRecord(b []byte) (auth.Credential, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return auth.Credential{}, fmt.Errorf("%w: stored credential is not valid JSON", ErrCorrupt)
	}
	return auth.Credential{Username: r.Username, Secret: r.Secret}, nil
}

// notFound wraps auth.ErrNotFound with the key that was asked for.
func notFound(key string) error {
	return fmt.Errorf("%q: %w", key, auth.ErrNotFound)
}
