package providers

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/regkey/regkey/auth"
)

// Built-in detection matches hosts strictly, in one of three ways only: the
// exact host, a suffix that starts at a label boundary ("." + domain), or a
// regular expression anchored at both ends. Substring and unanchored
// matches are how other helpers came to hand cloud tokens to hosts such as
// "myreg.azurecr.io.evil.example"; none of that is possible here.
//
// Every helper below looks only at the normalised host of an auth.Key (Host
// is lower-case ASCII by auth.ParseKey's host rule, without scheme or path,
// so comparing bytes is comparing hosts); the repository path never takes
// part, so "evil.example/ghcr.io" is the host "evil.example". Built-in
// detection only considers the default HTTPS port: no port or ":443". A cloud
// registry reached on another port is not the cloud registry, and a user who
// tunnels one routes it with an explicit rule.

// DefaultPortHost returns k's host name without its port when k names the
// default HTTPS port (no port, or 443), and false otherwise, including for
// opaque keys.
func DefaultPortHost(k auth.Key) (string, bool) {
	if k.Opaque || k.Host == "" {
		return "", false
	}
	switch k.Port() {
	case "", "443":
		return k.HostOnly(), true
	}
	return "", false
}

// HostIs reports whether k's host (on the default port) is exactly one of
// names. names must be lower-case host names without a port.
func HostIs(k auth.Key, names ...string) bool {
	h, ok := DefaultPortHost(k)
	if !ok {
		return false
	}
	for _, n := range names {
		if h == n {
			return true
		}
	}
	return false
}

// HostUnder reports whether k's host (on the default port) lies strictly
// below one of the domains: "x.gcr.io" is under "gcr.io", but "gcr.io" and
// "xgcr.io" are not. Domains are written without a leading dot.
func HostUnder(k auth.Key, domains ...string) bool {
	h, ok := DefaultPortHost(k)
	if !ok {
		return false
	}
	for _, d := range domains {
		if strings.HasSuffix(h, "."+d) && len(h) > len(d)+1 {
			return true
		}
	}
	return false
}

// HostPattern is a regular expression over a host name, anchored at both
// ends. Build one with MustHostPattern.
type HostPattern struct {
	re   func() *regexp.Regexp // compiled on first use: a cached get pays for no pattern it does not try
	expr string
}

// MustHostPattern compiles expr, which must start with "^" and end with "$".
// It panics otherwise: patterns are package-level constants, and an
// unanchored one is a security bug that must not build. The body is wrapped
// in a non-capturing group, so a top-level alternation ("^a|b$") cannot
// escape the anchors; submatch numbering is unchanged.
func MustHostPattern(expr string) HostPattern {
	if len(expr) < 2 || !strings.HasPrefix(expr, "^") || !strings.HasSuffix(expr, "$") || strings.HasSuffix(expr, `\$`) {
		panic(fmt.Sprintf("providers: host pattern %q is not anchored with ^...$", expr))
	}
	body := expr[1 : len(expr)-1]
	return HostPattern{re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("^(?:" + body + ")$") }), expr: expr}
}

// Match returns the submatches of k's host (on the default port), or nil
// when it does not match.
func (p HostPattern) Match(k auth.Key) []string {
	h, ok := DefaultPortHost(k)
	if !ok || p.re == nil {
		return nil
	}
	return p.re().FindStringSubmatch(h)
}

// Matches reports whether k's host (on the default port) matches p.
func (p HostPattern) Matches(k auth.Key) bool { return p.Match(k) != nil }

// String returns the expression p was built from.
func (p HostPattern) String() string { return p.expr }
