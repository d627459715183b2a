//go:build !unix

package keystore

// checkPrivate is a no-op where file modes do not describe access (Windows
// uses ACLs; the key file inherits the user profile's).
func checkPrivate(string) error { return nil }
