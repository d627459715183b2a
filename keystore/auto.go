package keystore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/zalando/go-keyring"
)

// probeService is the service name of the auto backend's probe: a Get of an
// item that never exists, which proves the keyring is reachable and unlocked
// (the Secret Service unlocks the collection before it searches).
const probeService = "regkey-probe"

// openAuto picks the OS keyring when it answers a cheap probe and the file
// store otherwise, but sticks to a store that already holds credentials so
// that they do not seem to vanish when the keyring comes and goes:
//
//  1. REGKEY_FILE_KEY set: the file store; whoever set it (typically CI)
//     asked for that store.
//  2. The file store exists and regkey never used the keyring here (no
//     keyring index): the file store.
//  3. The OS keyring answers within two seconds: the OS keyring.
//  4. Otherwise the file store; Info.Reason says what the keyring lacked,
//     and warns when the keyring index lists credentials that are now out of
//     reach.
func openAuto(ctx context.Context, o Options) (Store, Info, error) {
	if o.Env[FileKeyEnv] != "" {
		return openFile(o, "auto: $"+FileKeyEnv+" is set")
	}
	if err := needDirs(BackendAuto, o.DataDir); err != nil {
		return nil, Info{}, err
	}
	index := keyringIndex{path: filepath.Join(o.DataDir, keyringIndexName)}
	indexed, indexErr := index.read()
	if fileExists(filepath.Join(o.DataDir, fileStoreName)) && !fileExists(index.path) {
		return openFile(o, "auto: the file store already holds credentials")
	}
	err := probeKeyring(ctx, o)
	if err == nil {
		return openKeyring(o, "auto: the OS keyring answered")
	}
	if ctx.Err() != nil {
		return nil, Info{}, fmt.Errorf("opening the keystore (auto): %w", ctx.Err())
	}
	reason := "auto: the OS keyring is unavailable: " + err.Error()
	if indexErr == nil && len(indexed) > 0 {
		reason += fmt.Sprintf("; the %d credentials regkey stored in the OS keyring are out of reach until it is back", len(indexed))
	}
	return openFile(o, reason)
}

// probeKeyring reports whether the OS keyring is reachable and unlocked.
func probeKeyring(ctx context.Context, o Options) error {
	if err := prepareKeyring(o.Env); err != nil {
		return err
	}
	t := probeTimeout
	if o.Timeout > 0 && o.Timeout < t {
		t = o.Timeout
	}
	s := &keyringStore{service: probeService, timeout: t}
	err := s.call(ctx, func() error {
		_, err := keyring.Get(probeService, "probe")
		return err
	})
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}
