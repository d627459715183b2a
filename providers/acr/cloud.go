package acr

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/regkey/regkey/auth"
)

// cloudInfo is what differs between Azure clouds for ACR: the Entra
// authority and the container registry token audience.
type cloudInfo struct {
	authority string
	scope     string
}

// clouds are the rule's azure_cloud values.
var clouds = map[string]cloudInfo{
	"public": {
		authority: "https://login.microsoftonline.com/",
		scope:     "https://containerregistry.azure.net/.default",
	},
	"usgovernment": {
		authority: "https://login.microsoftonline.us/",
		scope:     "https://containerregistry.azure.us/.default",
	},
	"china": {
		authority: "https://login.chinacloudapi.cn/",
		scope:     "https://containerregistry.azure.cn/.default",
	},
}

// authorityClouds maps sovereign authority hosts to their cloud, so that a
// custom domain in front of ACR gets the right audience from
// AZURE_AUTHORITY_HOST alone.
var authorityClouds = map[string]string{
	"login.microsoftonline.us":         "usgovernment",
	"login.usgovcloudapi.net":          "usgovernment",
	"login-us.microsoftonline.com":     "usgovernment",
	"login.chinacloudapi.cn":           "china",
	"login.partner.microsoftonline.cn": "china",
}

// knownAuthorities are the authority hosts MSAL trusts without instance
// discovery. For any other host (Azure Stack, a test fake) discovery must be
// disabled: MSAL would otherwise ask login.microsoftonline.com to validate
// it, which fails and takes 16-21 s with retries (TESTING-AZURE.md F1).
var knownAuthorities = map[string]bool{
	"login.microsoftonline.com":        true,
	"login.microsoft.com":              true,
	"login.windows.net":                true,
	"sts.windows.net":                  true,
	"login.microsoftonline.us":         true,
	"login.usgovcloudapi.net":          true,
	"login-us.microsoftonline.com":     true,
	"login.chinacloudapi.cn":           true,
	"login.partner.microsoftonline.cn": true,
	"login.microsoftonline.de":         true,
	"login.sovcloud-identity.fr":       true,
	"login.sovcloud-identity.de":       true,
	"login.sovcloud-identity.sg":       true,
}

// cloudFor returns the authority and scope for a registry host: the rule's
// azure_cloud if set, else the cloud the registry's domain or the configured
// authority belongs to, else the public cloud. A configured authority host
// always replaces the cloud's default authority.
func (p *provider) cloudFor(host string) cloudInfo {
	name := p.cloud
	if name == "" {
		name = cloudOfHost(host)
	}
	if name == "" && p.authority != "" {
		name = authorityClouds[authorityHostname(p.authority)]
	}
	if name == "" {
		name = "public"
	}
	c := clouds[name]
	if p.authority != "" {
		c.authority = p.authority
	}
	return c
}

// cloudOfHost names the cloud of an ACR login server, or "" for a host that
// is not under an ACR domain (a custom domain, a test registry).
func cloudOfHost(host string) string {
	switch {
	case strings.HasSuffix(host, ".azurecr.us"):
		return "usgovernment"
	case strings.HasSuffix(host, ".azurecr.cn"):
		return "china"
	case strings.HasSuffix(host, ".azurecr.io"), strings.HasSuffix(host, ".azurecr.de"):
		// Azure Germany (.de) was closed in 2021; its registries moved to
		// the public cloud's identity.
		return "public"
	}
	return ""
}

// disableInstanceDiscovery reports whether MSAL must skip instance
// discovery for authority: true for any host MSAL does not already trust.
func disableInstanceDiscovery(authority string) bool {
	return !knownAuthorities[authorityHostname(authority)]
}

func authorityHostname(authority string) string {
	u, err := url.Parse(authority)
	if err != nil {
		return ""
	}
	return auth.LowerASCII(u.Hostname())
}

// checkHTTPSURL accepts an absolute https URL with a host: Entra authorities
// must be https (azidentity refuses anything else), and so must anything
// that receives an Entra token. The host follows regkey's host rule
// (auth.ParseKey: ASCII only), so that no look-alike of a known authority
// passes for it.
func checkHTTPSURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("%q: want an https URL with a host", s)
	}
	if _, err := auth.ParseKey(u.Host); err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	return nil
}
