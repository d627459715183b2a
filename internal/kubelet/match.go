package kubelet

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
)

// MatchImage reports whether a matchImages entry (or an auth key of a
// response) matches an image, with the kubelet's semantics (REFERENCE.md
// §7.5):
//
//   - both are parsed as "https://" + the string;
//   - the ports must be equal as strings: no port matches only no port;
//   - the hosts must have the same number of dot-separated labels, and each
//     pattern label matches its image label as a filepath.Match glob, so
//     "*" stays within one label and "*.io" does not match "a.b.io";
//   - the pattern's path must be a plain string prefix of the image's path.
//
// The error is a pattern or image that does not parse, or a malformed glob.
func MatchImage(pattern, image string) (bool, error) {
	pu, err := parseSchemeless(pattern)
	if err != nil {
		return false, err
	}
	iu, err := parseSchemeless(image)
	if err != nil {
		return false, err
	}
	phost, pport, err := splitPort(pu.Host)
	if err != nil {
		return false, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	ihost, iport, err := splitPort(iu.Host)
	if err != nil {
		return false, fmt.Errorf("image %q: %w", image, err)
	}
	if pport != iport {
		return false, nil
	}
	plabels, ilabels := strings.Split(phost, "."), strings.Split(ihost, ".")
	if len(plabels) != len(ilabels) {
		return false, nil
	}
	for i, pl := range plabels {
		ok, err := filepath.Match(pl, ilabels[i])
		if err != nil {
			return false, fmt.Errorf("pattern %q: label %q: %w", pattern, pl, err)
		}
		if !ok {
			return false, nil
		}
	}
	return strings.HasPrefix(iu.Path, pu.Path), nil
}

// ValidateMatchImage checks a matchImages entry as the kubelet does when it
// loads its CredentialProviderConfig: it must parse as "https://" + entry
// and name a host, and its globs must be well formed.
func ValidateMatchImage(pattern string) error {
	u, err := parseSchemeless(pattern)
	if err != nil {
		return err
	}
	if u.Host == "" {
		return fmt.Errorf("matchImages entry %q names no host", pattern)
	}
	host, _, err := splitPort(u.Host)
	if err != nil {
		return fmt.Errorf("matchImages entry %q: %w", pattern, err)
	}
	for _, l := range strings.Split(host, ".") {
		if _, err := filepath.Match(l, ""); err != nil {
			return fmt.Errorf("matchImages entry %q: label %q: %w", pattern, l, err)
		}
	}
	return nil
}

// splitPort splits host[:port]; a host without a colon has no port.
func splitPort(hostport string) (host, port string, err error) {
	if !strings.Contains(hostport, ":") {
		return hostport, "", nil
	}
	return net.SplitHostPort(hostport)
}
