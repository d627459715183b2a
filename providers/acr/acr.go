// Package acr issues credentials for Azure Container Registry.
//
// The flow is the one Azure documents for token-based registry access
// (Azure/acr docs/AAD-OAuth.md):
//
//  1. get a Microsoft Entra access token for the container registry audience
//     (https://containerregistry.azure.net/.default, or the sovereign cloud's)
//     from azidentity;
//  2. POST it to https://<registry>/oauth2/exchange, which answers with an
//     ACR refresh token;
//  3. hand the refresh token to the client as the password of the null-GUID
//     user, which is how docker, podman and the kubelet all accept it.
//
// Which Entra credential is used is decided from the environment when the
// provider is built, without loading anything: the narrowest credential the
// environment names (a client secret or certificate, a federated token file,
// a managed identity endpoint), else a bounded DefaultAzureCredential.
//
// Options of a user rule (provider: acr):
//
//	azure_tenant_id       tenant (default AZURE_TENANT_ID)
//	azure_client_id       client / user-assigned identity (default AZURE_CLIENT_ID)
//	azure_credential      default | env | workload | managed | cli
//	azure_authority_host  Entra authority (default AZURE_AUTHORITY_HOST, else the cloud's)
//	azure_cloud           public | usgovernment | china, for a custom domain
//	exchange_url          https URL of /oauth2/exchange when it is not on the
//	                      registry host itself (a proxy in front of ACR; tests)
//
// When the authority is not one MSAL already trusts (Azure Stack, a test
// fake), instance discovery is disabled.
package acr

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// nullUser is the user name ACR expects together with a refresh token.
const nullUser = "00000000-0000-0000-0000-000000000000"

// getTimeout bounds one Get: Entra token plus exchange. DefaultAzureCredential
// can otherwise wait minutes on an IMDS endpoint that answers 5xx, or on a
// hanging az CLI.
const getTimeout = 20 * time.Second

// hostPattern matches ACR login servers: a 5-50 character alphanumeric
// registry name, an optional regional-endpoint label pair
// ("<region>.geo"), and one of the clouds' ACR domains. The key is already
// lower-cased by auth.ParseKey.
var hostPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9]{5,50}\.(?:[a-z0-9]+\.geo\.)?azurecr\.(?:io|cn|us|de)$`)
})

// Matches reports whether k names an ACR login server. It accepts no port
// other than 443, so look-alikes such as "myreg.azurecr.io.evil.example" or
// "myreg.azurecr.io:5000" never match.
func Matches(k auth.Key) bool {
	if k.Opaque || (k.Port() != "" && k.Port() != "443") {
		return false
	}
	return hostPattern().MatchString(k.HostOnly())
}

// Option names accepted in a user rule.
const (
	optTenantID      = "azure_tenant_id"
	optClientID      = "azure_client_id"
	optCredential    = "azure_credential"
	optAuthorityHost = "azure_authority_host"
	optCloud         = "azure_cloud"
	optExchangeURL   = "exchange_url"
)

// provider is the ACR provider. Its fields are fixed at construction; Get
// builds a fresh credential each call, so it is safe for concurrent use.
type provider struct {
	env         map[string]string
	tenant      string
	clientID    string
	kind        credKind
	authority   string // from the rule or AZURE_AUTHORITY_HOST; "" = by cloud
	cloud       string // from the rule; "" = by registry domain
	exchangeURL string // from the rule; "" = https://<registry>/oauth2/exchange

	// transport is a test seam: when nil, a clone of http.DefaultTransport
	// with proxies taken from env is used.
	transport http.RoundTripper
	now       func() time.Time
}

var _ providers.Provider = (*provider)(nil)

// New returns the ACR provider. env is the process environment snapshot;
// opts are the options of a user rule, nil for built-in detection. An
// unknown option, or an invalid value, is an error. New reads nothing and
// contacts nothing.
func New(env map[string]string, opts map[string]string) (providers.Provider, error) {
	p := &provider{env: env, now: time.Now}
	for k, v := range opts {
		switch k {
		case optTenantID:
			p.tenant = v
		case optClientID:
			p.clientID = v
		case optCredential:
			if _, ok := credKinds[v]; !ok {
				return nil, fmt.Errorf("acr option %s %q: want default, env, workload, managed or cli", k, v)
			}
		case optAuthorityHost:
			if err := checkHTTPSURL(v); err != nil {
				return nil, fmt.Errorf("acr option %s: %w", k, err)
			}
			p.authority = v
		case optCloud:
			if _, ok := clouds[v]; !ok {
				return nil, fmt.Errorf("acr option %s %q: want public, usgovernment or china", k, v)
			}
			p.cloud = v
		case optExchangeURL:
			if err := checkHTTPSURL(v); err != nil {
				return nil, fmt.Errorf("acr option %s: %w", k, err)
			}
			p.exchangeURL = v
		default:
			return nil, fmt.Errorf("acr: unknown option %q", k)
		}
	}
	if p.tenant == "" {
		p.tenant = env["AZURE_TENANT_ID"]
	}
	if p.clientID == "" {
		p.clientID = env["AZURE_CLIENT_ID"]
	}
	if p.authority == "" && env["AZURE_AUTHORITY_HOST"] != "" {
		if err := checkHTTPSURL(env["AZURE_AUTHORITY_HOST"]); err != nil {
			return nil, fmt.Errorf("acr: AZURE_AUTHORITY_HOST: %w", err)
		}
		p.authority = env["AZURE_AUTHORITY_HOST"]
	}
	p.kind = chooseKind(credKinds[opts[optCredential]], env)
	return p, nil
}

// Name returns "acr".
func (p *provider) Name() string { return "acr" }

// CacheKey is "acr|<tenant>|<client id or credential kind>|<registry host>",
// plus the authority host when one is configured: ACR refresh tokens are
// valid for one registry and one identity. Without a client id, the
// credentials that may use an az CLI login also name its directory
// (AZURE_CONFIG_DIR), so that two az logins never share a token.
func (p *provider) CacheKey(k auth.Key) string {
	who := p.clientID
	if who == "" {
		who = string(p.kind)
		if dir := p.env["AZURE_CONFIG_DIR"]; dir != "" && (p.kind == kindDefault || p.kind == kindCLI) {
			who += "@" + dir
		}
	}
	key := "acr|" + p.tenant + "|" + who + "|" + registryHost(k)
	if p.authority != "" {
		key += "|" + p.authority
	}
	return key
}

// Get returns the null-GUID user and an ACR refresh token for the registry
// named by k. It wraps providers.ErrNoCredentials when no Azure identity is
// configured anywhere.
func (p *provider) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	ctx, cancel := providers.WithBound(ctx, getTimeout)
	defer cancel()
	host := registryHost(k)
	c := p.cloudFor(host)
	client := p.httpClient()

	cred, err := p.credential(c, client)
	if err != nil {
		return providers.Token{}, fmt.Errorf("acr %s: %w", host, err)
	}
	aad, err := cred.token(ctx, c.scope)
	if err != nil {
		return providers.Token{}, fmt.Errorf("acr %s: %w", host, err)
	}
	tenant := p.tenant
	if tenant == "" {
		tenant = jwtClaims(aad.Token).TenantID
	}
	refresh, err := p.exchange(ctx, client, host, tenant, aad.Token)
	if err != nil {
		return providers.Token{}, fmt.Errorf("acr %s: %w", host, err)
	}
	expires := jwtClaims(refresh).expiry()
	if expires.IsZero() {
		// No readable exp: the refresh token lives at least as long as the
		// Entra token it was exchanged for.
		expires = aad.ExpiresOn
	}
	return providers.Token{
		Credential: auth.Credential{Username: nullUser, Secret: refresh},
		Expires:    expires,
	}, nil
}

// registryHost is the registry's service name: its host, with an explicit
// :443 dropped (ACR's service is the bare login server name).
func registryHost(k auth.Key) string {
	if k.Port() == "443" {
		return k.HostOnly()
	}
	return k.Host
}

// oneLine flattens an SDK error message (azidentity's are multi-line, with
// response dumps and links) into one short line for the protocol's single
// error line, keeping the original for errors.Is/As.
type oneLine struct{ err error }

func (e oneLine) Error() string {
	var words []string
	for _, w := range strings.Fields(e.err.Error()) {
		if strings.Trim(w, "-") == "" {
			continue // azidentity's separator lines
		}
		words = append(words, w)
	}
	s := strings.Join(words, " ")
	if i := strings.Index(s, " To troubleshoot, visit"); i > 0 {
		s = s[:i]
	}
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

func (e oneLine) Unwrap() error { return e.err }
