//go:build !linux && !darwin && !windows

package keystore

const (
	keyringSizeHint = "the OS keyring refused an item this large; use the file keystore"
	keyringHungHint = "the OS keyring is not responding; use another keystore (REGKEY_KEYSTORE=file)"
)

func keyringName(map[string]string) string { return "the OS keyring, through go-keyring" }

// prepareKeyring has nothing cheap to check on this platform.
func prepareKeyring(map[string]string) error { return nil }

// keyringUnavailable explains a go-keyring failure on other platforms, where
// go-keyring may have no backend at all.
func keyringUnavailable(err error) error {
	return unavailable("the OS keyring failed or is not supported here; use another keystore (REGKEY_KEYSTORE=file or pass)", err)
}
