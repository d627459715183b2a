package config

// HelperPrefix is the prefix of the names docker and podman run credential
// helpers by.
const HelperPrefix = "docker-credential-"

// HelperName is the suffix docker and podman know regkey by: they run
// HelperPrefix + HelperName.
const HelperName = "regkey"
