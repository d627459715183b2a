// Package version holds the build's version and commit, stamped in with
// -ldflags "-X github.com/regkey/regkey/internal/version.Version=...".
package version

// Version is the release version, "dev" for an unstamped build.
var Version = "dev"

// Commit is the git commit the binary was built from.
var Commit = "unknown"
