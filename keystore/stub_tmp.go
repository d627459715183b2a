package keystore

import "errors"

func openKeyring(o Options, reason string) (Store, Info, error) {
	return nil, Info{}, errors.New("os keystore: not implemented yet")
}

func openPass(o Options, reason string) (Store, Info, error) {
	return nil, Info{}, errors.New("pass keystore: not implemented yet")
}
