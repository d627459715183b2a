// Package ghcr provides credentials for the GitHub Container Registry
// (ghcr.io) from the places a GitHub user or workflow already keeps a token:
// the GH_TOKEN or GITHUB_TOKEN environment variable, then the gh CLI's login.
//
// ghcr.io authenticates with Basic auth on its token endpoint, where the
// password is a personal access token (classic) or a workflow's GITHUB_TOKEN
// and the username is not used to select the identity: any non-empty name is
// accepted (the Actions runner sends the workflow's actor, and
// go-containerregistry's GitHub keychain sends "unset" when GITHUB_ACTOR is
// empty). This provider sends, in order: the rule's username option, the
// gh login's user (gh source only), GITHUB_ACTOR, and else
// PlaceholderUsername.
//
// A token stored with `regkey login ghcr.io` is not read here: it lives in
// the static keystore, which the router consults when this provider reports
// providers.ErrNoCredentials.
//
// References:
//   - https://docs.github.com/packages/working-with-a-github-packages-registry/working-with-the-container-registry
//   - https://cli.github.com/manual/gh_help_environment (GH_TOKEN before GITHUB_TOKEN)
package ghcr

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// Name is the provider's name in config rules.
const Name = "ghcr"

// Host is the registry host this provider detects on its own.
const Host = "ghcr.io"

// PlaceholderUsername is the username sent when no GitHub login name is
// known. ghcr.io ignores the username for token authentication; this is
// the name GitHub uses for token-only Basic auth elsewhere (git over HTTPS
// with an installation token), so it reads as what it is in server logs.
const PlaceholderUsername = "x-access-token"

// Token sources, as written in a rule's token_source option.
const (
	SourceAuto     = "auto"     // environment, then the gh CLI
	SourceEnv      = "env"      // GH_TOKEN or GITHUB_TOKEN only
	SourceGH       = "gh"       // the gh CLI's login only
	SourceKeystore = "keystore" // none here: the static keystore answers
)

// ghTimeout bounds one run of `gh auth token`: the 20s every provider's
// network call gets. gh answers from its config file in tens of
// milliseconds when warm, but a cold start of its large binary on a loaded
// CI runner took more than 3s (the bound this once was), and a pull that
// fails there is worse than one that waits; a keyring prompt or a hung
// wrapper still cannot stall a pull for longer than a registry could.
const ghTimeout = 20 * time.Second

// envTokenVars are read in this order, the precedence the gh CLI documents.
var envTokenVars = []string{"GH_TOKEN", "GITHUB_TOKEN"}

var ghcrKey = auth.Key{Raw: Host, Host: Host}

// Matches reports whether k names ghcr.io: exactly that host, in any case
// (keys are normalised to lower case), on no port or :443. Hosts that merely
// contain the name ("ghcr.io.evil.example", "xghcr.io") and other ports do
// not match; a repository path never takes part.
func Matches(k auth.Key) bool {
	return !k.Opaque && auth.SameRegistry(k, ghcrKey)
}

// Provider answers for ghcr.io. It is safe for concurrent use.
type Provider struct {
	env      map[string]string
	source   string
	username string
	// gh runs the gh CLI; its zero value runs the real one.
	gh ghRunner
}

var _ providers.Provider = (*Provider)(nil)

// New returns the GHCR provider. env is the process environment snapshot;
// opts are a user rule's options (nil for built-in detection):
//
//	token_source: auto (default) | env | gh | keystore
//	username:     the username to send (default: see the package doc)
//
// An unknown option or value is an error.
func New(env map[string]string, opts map[string]string) (providers.Provider, error) {
	p := &Provider{env: env, source: SourceAuto, gh: ghRunner{timeout: ghTimeout}}
	for k, v := range opts {
		switch k {
		case "token_source":
			switch v {
			case "", SourceAuto:
			case SourceEnv, SourceGH, SourceKeystore:
				p.source = v
			default:
				return nil, fmt.Errorf("ghcr: token_source %q: want auto, env, gh or keystore", v)
			}
		case "username":
			if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == ':' }) {
				return nil, fmt.Errorf("ghcr: username %q: must not contain spaces or ':'", v)
			}
			p.username = v
		default:
			return nil, fmt.Errorf("ghcr: unknown option %q (known: token_source, username)", k)
		}
	}
	return p, nil
}

// Name returns "ghcr".
func (p *Provider) Name() string { return Name }

// CacheKey is empty: GHCR tokens carry no expiry and are read afresh on
// every get, so the token cache stays out of the way (no lock file, no
// cache directory, no warning when that directory cannot be made).
func (p *Provider) CacheKey(auth.Key) string { return "" }

// Get returns a token from the configured source. With no token anywhere it
// returns an error wrapping providers.ErrNoCredentials.
func (p *Provider) Get(ctx context.Context, key auth.Key) (providers.Token, error) {
	if p.source == SourceKeystore {
		return providers.Token{}, fmt.Errorf("ghcr %s: token_source is keystore (run `regkey login %s`): %w",
			key.Host, key.Host, providers.ErrNoCredentials)
	}
	if p.source != SourceGH {
		if tok := p.envToken(); tok != "" {
			return p.token(tok, ""), nil
		}
		if p.source == SourceEnv {
			return providers.Token{}, fmt.Errorf("ghcr %s: GH_TOKEN and GITHUB_TOKEN are unset: %w",
				key.Host, providers.ErrNoCredentials)
		}
	}
	tok, err := p.gh.token(ctx, p.env)
	if err != nil {
		return providers.Token{}, fmt.Errorf("ghcr %s: %w", key.Host, err)
	}
	return p.token(tok, ghUser(p.env)), nil
}

// envToken returns the value of the first non-empty token variable.
func (p *Provider) envToken() string {
	for _, n := range envTokenVars {
		if t := strings.TrimSpace(p.env[n]); t != "" {
			return t
		}
	}
	return ""
}

// token builds the answer, picking the username as the package doc says.
func (p *Provider) token(secret, loginUser string) providers.Token {
	user := p.username
	for _, u := range []string{loginUser, p.env["GITHUB_ACTOR"], PlaceholderUsername} {
		if user != "" {
			break
		}
		user = strings.TrimSpace(u)
	}
	return providers.Token{Credential: auth.Credential{Username: user, Secret: secret}}
}
