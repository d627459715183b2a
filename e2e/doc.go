// Package e2e drives real clients (the docker CLI, skopeo, podman, crane)
// through the built regkey binary, against docker-registry instances on
// loopback, for each keystore backend (encrypted file, the OS keyring through
// a private gnome-keyring, pass). Every test has private directories; the
// backends and registries are started by internal/testenv.
//
// Run it with `make test-e2e` (or `go test ./e2e/...` after `make tools`).
// The package holds tests only.
package e2e
