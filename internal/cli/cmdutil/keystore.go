package cmdutil

import (
	"context"
	"errors"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/keystore"
)

// KeystoreHint is the advice printed when the keystore cannot be used.
const KeystoreHint = "run `regkey doctor`, or choose another keystore with REGKEY_KEYSTORE=file|pass|os"

// lazyKeystore opens the Factory's keystore on first use, so that get for a
// provider-owned registry never touches it and version opens nothing.
type lazyKeystore struct{ f *Factory }

var _ keystore.Store = (*lazyKeystore)(nil)

func (l *lazyKeystore) open(ctx context.Context) (keystore.Store, error) {
	s, _, err := l.f.Keystore(ctx)
	if err != nil {
		return nil, HintUnavailable(err)
	}
	return s, nil
}

// HintUnavailable attaches the keystore advice to an error that says the
// backend cannot be used.
func HintUnavailable(err error) error {
	if errors.Is(err, auth.ErrUnavailable) {
		return cmderr.WithHint(err, KeystoreHint)
	}
	return err
}

func (l *lazyKeystore) Get(ctx context.Context, key string) (auth.Credential, error) {
	s, err := l.open(ctx)
	if err != nil {
		return auth.Credential{}, err
	}
	c, err := s.Get(ctx, key)
	return c, HintUnavailable(err)
}

func (l *lazyKeystore) Set(ctx context.Context, key string, c auth.Credential) error {
	s, err := l.open(ctx)
	if err != nil {
		return err
	}
	return HintUnavailable(s.Set(ctx, key, c))
}

func (l *lazyKeystore) Delete(ctx context.Context, key string) error {
	s, err := l.open(ctx)
	if err != nil {
		return err
	}
	return HintUnavailable(s.Delete(ctx, key))
}

func (l *lazyKeystore) List(ctx context.Context) (map[string]string, error) {
	s, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.List(ctx)
	return m, HintUnavailable(err)
}

// LazyKeystore is f's keystore, opened on its first use, with the
// keystore advice on errors that say the backend cannot be used.
func LazyKeystore(f *Factory) keystore.Store { return &lazyKeystore{f: f} }
