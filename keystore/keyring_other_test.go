//go:build !linux

package keystore_test

// stopSharedKeyring has nothing to stop: the private keyring fixture exists
// only on Linux.
func stopSharedKeyring() {}
