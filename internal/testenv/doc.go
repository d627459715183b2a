// Package testenv starts the real backends regkey's tests run against, on
// loopback only and in private directories: a docker-registry with htpasswd
// auth, a registry with token auth and its token server, a private D-Bus
// session with an unlocked gnome-keyring (Secret Service), and a GPG key with
// an initialised pass store. It is imported only from _test.go files.
//
// The pieces:
//
//   - BasicRegistry, TokenRegistry, TLSRegistry and NewRegistry start
//     docker-registry; Registry.Push seeds an image with skopeo. A token
//     registry's TokenServer records every request (without secrets) so
//     tests can count password and refresh-token grants.
//   - NewImage writes a one-layer OCI image layout and its layer tar.
//   - BuildRegkey builds ./cmd/regkey once per test process (Main removes
//     it afterwards); NewClient makes an isolated environment (HOME,
//     DOCKER_CONFIG, XDG dirs, REGISTRY_AUTH_FILE, podman storage, a dead
//     proxy, cloud SDKs pointed at nothing) with that binary first on PATH.
//     Client.TraceHelper records every docker-credential-regkey call.
//   - NewKeyring and NewPass provide the os and pass keystore backends.
//   - Hostile is a registry that redirects one request of a login
//     elsewhere; NewRecorder and NewTLSRecorder start the server it points
//     at (or a recording forward proxy), which records every request line,
//     header and body so that a test can assert it received no secret.
//   - RequireProgram and RequireTool find the programs a test runs.
//
// A test that needs a backend whose program is missing fails (it never
// skips when CI is set): .ci/run installs every program these need.
package testenv
