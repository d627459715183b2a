// Package export writes registry credentials in the formats of tools that
// cannot run a credential helper: a docker config.json
// (`{"auths":{host:{"auth":...}}}`, what kaniko, buildkit and
// imagePullSecrets read), a Kubernetes Secret of type
// kubernetes.io/dockerconfigjson, and shell exports (regkey's own
// REGKEY_AUTH_<HOST> variables and GitLab's DOCKER_AUTH_CONFIG).
//
// Everything it returns contains secrets; the caller decides where it may
// go.
package export

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers/envcred"
)

// Formats, as `regkey export --format` names them.
const (
	FormatDockerConfigJSON = "dockerconfigjson"
	FormatK8sSecret        = "k8s-secret"
	FormatEnv              = "env"
)

// Formats lists the formats in the order help text shows them.
var Formats = []string{FormatDockerConfigJSON, FormatK8sSecret, FormatEnv}

// Entry is one registry's credential.
type Entry struct {
	// Key names the registry as an auth.Key: a host[:port], optionally
	// with a repository path ("quay.io/org"). Docker Hub is written under
	// docker's own key, auth.HubKey.
	Key auth.Key
	// Credential is the username and secret; an identity token when the
	// username is auth.TokenUsername.
	Credential auth.Credential
}

// ConfigKey is the key the entry gets in a docker config's auths: docker's
// "https://index.docker.io/v1/" for Docker Hub (docker finds nothing else,
// and containers/image and the kubelet map it to Docker Hub too), otherwise
// host[:port][/path].
func (e Entry) ConfigKey() string {
	if e.Key.IsHub() && e.Key.Path == "" {
		return auth.HubKey
	}
	if e.Key.Path == "" {
		return e.Key.Host
	}
	return e.Key.Host + "/" + e.Key.Path
}

// authEntry is one member of a docker config's auths.
type authEntry struct {
	Auth          string `json:"auth,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
}

// dockerConfig is the part of docker's config.json this package writes.
type dockerConfig struct {
	Auths map[string]authEntry `json:"auths"`
}

// build returns the docker config for entries; a later entry for the same
// key replaces an earlier one.
func build(entries []Entry) dockerConfig {
	cfg := dockerConfig{Auths: make(map[string]authEntry, len(entries))}
	for _, e := range entries {
		c := e.Credential
		if c.IsIdentityToken() {
			cfg.Auths[e.ConfigKey()] = authEntry{IdentityToken: c.Secret}
			continue
		}
		cfg.Auths[e.ConfigKey()] = authEntry{Auth: base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Secret))}
	}
	return cfg
}

// DockerConfigJSON returns a docker config.json holding entries, indented,
// with a final newline. Identity tokens are written as "identitytoken",
// which docker and buildkit use; the kubelet ignores them.
func DockerConfigJSON(entries []Entry) ([]byte, error) {
	b, err := json.MarshalIndent(build(entries), "", "\t")
	if err != nil {
		return nil, fmt.Errorf("encoding docker config: %w", err)
	}
	return append(b, '\n'), nil
}

// dnsSubdomain and dnsLabel are Kubernetes' RFC 1123 name rules for a
// Secret's name and a namespace.
var (
	dnsSubdomain = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	})
	dnsLabel = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`) })
)

// ValidateSecretName checks a Secret name (RFC 1123 subdomain, at most 253
// characters) and a namespace (RFC 1123 label, at most 63; empty means the
// manifest names none).
func ValidateSecretName(name, namespace string) error {
	if len(name) > 253 || !dnsSubdomain().MatchString(name) {
		return fmt.Errorf("secret name %q: want lower-case letters, digits, '-' and '.' (RFC 1123), at most 253 characters", name)
	}
	if namespace != "" && (len(namespace) > 63 || !dnsLabel().MatchString(namespace)) {
		return fmt.Errorf("namespace %q: want lower-case letters, digits and '-' (RFC 1123 label), at most 63 characters", namespace)
	}
	return nil
}

// KubernetesSecret returns a Secret manifest (YAML) of type
// kubernetes.io/dockerconfigjson named name, in namespace unless it is
// empty, for `kubectl apply -f -` and imagePullSecrets.
func KubernetesSecret(name, namespace string, entries []Entry) ([]byte, error) {
	if err := ValidateSecretName(name, namespace); err != nil {
		return nil, err
	}
	cfg, err := json.Marshal(build(entries))
	if err != nil {
		return nil, fmt.Errorf("encoding docker config: %w", err)
	}
	var b strings.Builder
	b.WriteString("# Written by regkey export; it holds registry credentials.\n")
	b.WriteString("apiVersion: v1\nkind: Secret\nmetadata:\n")
	fmt.Fprintf(&b, "  name: %s\n", name)
	if namespace != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", namespace)
	}
	b.WriteString("  labels:\n    app.kubernetes.io/managed-by: regkey\n")
	b.WriteString("type: kubernetes.io/dockerconfigjson\ndata:\n")
	fmt.Fprintf(&b, "  .dockerconfigjson: %s\n", base64.StdEncoding.EncodeToString(cfg))
	return []byte(b.String()), nil
}

// Env returns POSIX shell exports: REGKEY_AUTH_<HOST>='user:secret' for
// every entry without a repository path (another regkey reads them through
// its env provider), and DOCKER_AUTH_CONFIG holding the docker config of
// all entries (GitLab runners and `regkey`-less jobs read it). Values are
// single-quoted, so sourcing the file runs nothing.
//
// A variable is written only for a host the env provider serves by that
// variable and no other (envcred.CheckHost): for any other host, such as
// "reg.example.5000", whose variable another regkey would also read for
// "reg.example:5000", Env fails naming the host, and the caller writes
// nothing.
func Env(entries []Entry) ([]byte, error) {
	vars := map[string]string{}
	for _, e := range entries {
		if e.Key.Path != "" {
			continue
		}
		if err := envcred.CheckHost(e.Key.Host); err != nil {
			return nil, fmt.Errorf("%s has no unambiguous %s variable: %w; export it with --format %s",
				e.Key.Host, envcred.AuthPrefix+"<HOST>", err, FormatDockerConfigJSON)
		}
		vars[envcred.AuthVar(e.Key.Host)] = e.Credential.Username + ":" + e.Credential.Secret
	}
	cfg, err := json.Marshal(build(entries))
	if err != nil {
		return nil, fmt.Errorf("encoding docker config: %w", err)
	}
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Written by regkey export; it holds registry credentials.\n")
	for _, n := range names {
		fmt.Fprintf(&b, "export %s=%s\n", n, shellQuote(vars[n]))
	}
	fmt.Fprintf(&b, "export DOCKER_AUTH_CONFIG=%s\n", shellQuote(string(cfg)))
	return []byte(b.String()), nil
}

// shellQuote quotes s for a POSIX shell: inside single quotes nothing is
// special but the quote itself, which is written as quote, backslash,
// quote, quote (close, escaped quote, reopen).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
