package keystore

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// The file store is one JSON document:
//
//	{"header": {...}, "nonce": "<base64>", "data": "<base64>"}
//
// data is XChaCha20-Poly1305 ciphertext of the credentials JSON, with the
// header's exact bytes as additional data, so no byte of the header (key
// derivation, salt, key id) can change without failing authentication. Every
// write uses a fresh random 24-byte nonce.
const (
	fileFormat    = "regkey-file-store"
	fileVersion   = 1
	cipherXChaCha = "xchacha20-poly1305"
	kdfNone       = "none"
	kdfArgon2id   = "argon2id"
	// maxStoreBytes caps the store file that is read into memory.
	maxStoreBytes = 64 << 20
)

// fileHeader describes how the file store is encrypted. It holds no secret.
type fileHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Cipher  string `json:"cipher"`
	KDF     string `json:"kdf"`
	Salt    []byte `json:"salt,omitempty"`
	Time    uint32 `json:"time,omitempty"`
	Memory  uint32 `json:"memory_kib,omitempty"`
	Threads uint8  `json:"threads,omitempty"`
	KeyID   []byte `json:"key_id"`
}

// fileEnvelope is the whole file. RawHeader keeps the header's bytes as
// written: they are the additional authenticated data.
type fileEnvelope struct {
	RawHeader json.RawMessage `json:"header"`
	Nonce     []byte          `json:"nonce"`
	Data      []byte          `json:"data"`

	Header fileHeader `json:"-"`
}

// filePlain is the decrypted content.
type filePlain struct {
	Credentials map[string]record `json:"credentials"`
}

// parseEnvelope checks the outer format; it needs no key.
func parseEnvelope(path string, b []byte) (*fileEnvelope, error) {
	var env fileEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("%w: %s is not a regkey file store (%v); move it aside to start a new store", ErrCorrupt, path, err)
	}
	if err := json.Unmarshal(env.RawHeader, &env.Header); err != nil {
		return nil, fmt.Errorf("%w: %s is not a regkey file store", ErrCorrupt, path)
	}
	h := env.Header
	switch {
	case h.Format != fileFormat:
		return nil, fmt.Errorf("%w: %s is not a regkey file store", ErrCorrupt, path)
	case h.Version != fileVersion:
		return nil, fmt.Errorf("%w: %s has format version %d; this regkey reads version %d", ErrCorrupt, path, h.Version, fileVersion)
	case h.Cipher != cipherXChaCha:
		return nil, fmt.Errorf("%w: %s uses unknown cipher %q", ErrCorrupt, path, h.Cipher)
	case len(env.Nonce) != chacha20poly1305.NonceSizeX:
		return nil, fmt.Errorf("%w: %s has a bad nonce", ErrCorrupt, path)
	}
	return &env, nil
}

// open decrypts env with key. A key whose id differs from the header's gives
// ErrWrongKey; failed authentication with the right key gives ErrCorrupt.
func (env *fileEnvelope) open(path string, key []byte, source string) (map[string]record, error) {
	if !bytes.Equal(keyID(key), env.Header.KeyID) {
		return nil, fmt.Errorf("%w: %s was encrypted with a different key than %s; set the key it was written with, or move the file aside to start a new store",
			ErrWrongKey, path, source)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	pt, err := aead.Open(nil, env.Nonce, env.Data, env.RawHeader)
	if err != nil {
		return nil, fmt.Errorf("%w: %s failed authentication (it was modified or truncated); restore it from a backup or move it aside", ErrCorrupt, path)
	}
	defer clear(pt)
	var p filePlain
	if err := json.Unmarshal(pt, &p); err != nil {
		return nil, fmt.Errorf("%w: %s decrypts to invalid content", ErrCorrupt, path)
	}
	if p.Credentials == nil {
		p.Credentials = map[string]record{}
	}
	return p.Credentials, nil
}

// sealEnvelope encrypts creds under key with header h.
func sealEnvelope(h fileHeader, key []byte, creds map[string]record) ([]byte, error) {
	h.KeyID = keyID(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("sealing the file store: %w", err)
	}
	aad, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("sealing the file store: %w", err)
	}
	pt, err := json.Marshal(filePlain{Credentials: creds})
	if err != nil {
		return nil, fmt.Errorf("sealing the file store: %w", err)
	}
	defer clear(pt)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealing the file store: %w", err)
	}
	env := fileEnvelope{RawHeader: aad, Nonce: nonce, Data: aead.Seal(nil, nonce, pt, aad)}
	out, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("sealing the file store: %w", err)
	}
	return append(out, '\n'), nil
}
