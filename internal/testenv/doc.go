// Package testenv starts the real backends regkey's tests run against, on
// loopback only and in private directories: a docker-registry with htpasswd
// auth, a registry with token auth and its token server, a private D-Bus
// session with an unlocked gnome-keyring (Secret Service), and a GPG key with
// an initialised pass store. It is imported only from _test.go files.
//
// A test that needs a backend whose program is missing fails (it never
// skips when CI is set): .ci/run installs every program these need.
package testenv
