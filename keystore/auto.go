package keystore

import "context"

// openAuto picks the OS keyring when it answers a cheap probe and the file
// store otherwise. An explicit REGKEY_FILE_KEY also selects the file store:
// whoever set it (typically CI) asked for that store.
func openAuto(ctx context.Context, o Options) (Store, Info, error) {
	if o.Env[FileKeyEnv] != "" {
		return openFile(o, "auto: $"+FileKeyEnv+" is set")
	}
	return openFile(o, "auto: OS keyring support is not built yet")
}
