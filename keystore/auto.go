package keystore

import (
	"context"
	"errors"

	"github.com/zalando/go-keyring"
)

// probeService is the service name of the auto backend's probe: a Get of an
// item that never exists, which proves the keyring is reachable and unlocked
// (the Secret Service unlocks the collection before it searches).
const probeService = "regkey-probe"

// openAuto picks the OS keyring when it answers a cheap probe and the file
// store otherwise:
//
//  1. REGKEY_FILE_KEY set: the file store; whoever set it (typically CI)
//     asked for that store.
//  2. The OS keyring answers within two seconds: the OS keyring.
//  3. Otherwise the file store, and Info.Reason says what the keyring lacked.
func openAuto(ctx context.Context, o Options) (Store, Info, error) {
	if o.Env[FileKeyEnv] != "" {
		return openFile(o, "auto: $"+FileKeyEnv+" is set")
	}
	err := probeKeyring(ctx, o)
	if err == nil {
		return openKeyring(o, "auto: the OS keyring answered")
	}
	if ctx.Err() != nil {
		return nil, Info{}, ctx.Err()
	}
	return openFile(o, "auto: OS keyring unavailable ("+err.Error()+")")
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
