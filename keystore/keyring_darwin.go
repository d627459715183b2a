package keystore

const (
	keyringSizeHint = "the macOS Keychain (through /usr/bin/security) holds about 3000 bytes per item; use the file keystore for larger tokens"
	keyringHungHint = "the Keychain may be locked and waiting for a password prompt; unlock it, or use another keystore (REGKEY_KEYSTORE=file)"
)

func keyringName(map[string]string) string { return "macOS Keychain" }

// prepareKeyring has nothing cheap to check: the Keychain is always there.
func prepareKeyring(map[string]string) error { return nil }

// keyringUnavailable explains a go-keyring failure on macOS.
func keyringUnavailable(err error) error {
	return unavailable("the macOS Keychain failed (is it locked?); unlock it, or use another keystore (REGKEY_KEYSTORE=file)",
		err)
}
