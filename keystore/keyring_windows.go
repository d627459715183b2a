package keystore

const (
	keyringSizeHint = "Windows Credential Manager holds at most 2560 bytes per credential; use the file keystore for larger tokens"
	keyringHungHint = "Windows Credential Manager is not responding; use another keystore (REGKEY_KEYSTORE=file)"
)

func keyringName(map[string]string) string { return "Windows Credential Manager" }

// prepareKeyring has nothing cheap to check: Credential Manager is always there.
func prepareKeyring(map[string]string) error { return nil }

// keyringUnavailable explains a go-keyring failure on Windows.
func keyringUnavailable(err error) error {
	return unavailable("Windows Credential Manager failed; use another keystore (REGKEY_KEYSTORE=file)", err)
}
