package acr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/auth/authtest"
)

func TestMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"myregistry.azurecr.io", true},
		{"MyRegistry.AzureCR.io", true},
		{"https://myregistry.azurecr.io/v2/", true},
		{"myregistry.azurecr.io/team/app", true},
		{"myregistry.azurecr.io:443", true},
		{"myregistry.azurecr.cn", true},
		{"myregistry.azurecr.us", true},
		{"myregistry.azurecr.de", true},
		{"myregistry.eastus.geo.azurecr.io", true},
		{"abcde.azurecr.io", true},
		{strings.Repeat("a", 50) + ".azurecr.io", true},

		{"abcd.azurecr.io", false},                       // name too short
		{strings.Repeat("a", 51) + ".azurecr.io", false}, // name too long
		{"my-registry.azurecr.io", false},                // names are alphanumeric
		{"azurecr.io", false},                            // no registry name
		{"myregistry.azurecr.io.evil.example", false},    // look-alike suffix
		{"myregistry.azurecr.io:5000", false},            // other port
		{"evil.example/myregistry.azurecr.io", false},    // path is not host
		{"myregistry.azurecr.com", false},                // not an ACR domain
		{"myregistryazurecr.io", false},                  // missing dot
		{"x.myregistry.azurecr.io", false},               // extra label
		{"myregistry.eastus.data.azurecr.io", false},     // data endpoint, not a login server
		{"myregistry.east-us.geo.azurecr.io", false},     // region labels are alphanumeric
		{"myregistry.azurecr.io.", false},                // rejected by ParseKey or here
		{"mcr.microsoft.com", false},                     // public, anonymous
		{"myregistry.azurecr.io@evil.example", false},    // userinfo trick
		{"https://evil.example/?x=myregistry.azurecr.io", false},
	}
	for _, tt := range tests {
		k, err := auth.ParseKey(tt.key)
		if err != nil {
			if tt.want {
				t.Errorf("ParseKey(%q): %v", tt.key, err)
			}
			continue
		}
		if got := Matches(k); got != tt.want {
			t.Errorf("Matches(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts    map[string]string
		wantErr string
	}{
		{nil, ""},
		{map[string]string{optTenantID: "t", optClientID: "c", optCredential: "workload"}, ""},
		{map[string]string{optCredential: "default"}, ""},
		{map[string]string{optCredential: "env"}, ""},
		{map[string]string{optCredential: "managed"}, ""},
		{map[string]string{optCredential: "cli"}, ""},
		{map[string]string{optCredential: "browser"}, "azure_credential"},
		{map[string]string{optAuthorityHost: "https://login.example.test/"}, ""},
		{map[string]string{optAuthorityHost: "http://login.example.test/"}, "https"},
		{map[string]string{optCloud: "china"}, ""},
		{map[string]string{optCloud: "mars"}, "azure_cloud"},
		{map[string]string{optExchangeURL: "https://127.0.0.1:8443/oauth2/exchange"}, ""},
		{map[string]string{optExchangeURL: "http://127.0.0.1:8443/oauth2/exchange"}, "https"},
		{map[string]string{"aws_profile": "prod"}, `unknown option "aws_profile"`},
	}
	for _, tt := range tests {
		_, err := New(map[string]string{}, tt.opts)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("New(%v): %v", tt.opts, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("New(%v) error %v, want one mentioning %q", tt.opts, err, tt.wantErr)
		}
	}
	if _, err := New(map[string]string{"AZURE_AUTHORITY_HOST": "http://x"}, nil); err == nil {
		t.Error("New accepted a non-https AZURE_AUTHORITY_HOST")
	}
}

func TestCacheKeyAndKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env      map[string]string
		opts     map[string]string
		key      string
		wantKind credKind
		wantKey  string
	}{
		{nil, nil, "reg01.azurecr.io", kindDefault, "acr||default|reg01.azurecr.io"},
		{nil, nil, "reg01.azurecr.io:443", kindDefault, "acr||default|reg01.azurecr.io"},
		{map[string]string{"AZURE_TENANT_ID": "T", "AZURE_CLIENT_ID": "C", "AZURE_CLIENT_SECRET": "x"}, nil,
			"reg01.azurecr.io", kindSecret, "acr|T|C|reg01.azurecr.io"},
		{map[string]string{"AZURE_TENANT_ID": "T", "AZURE_CLIENT_ID": "C", "AZURE_CLIENT_CERTIFICATE_PATH": "/nonexistent"}, nil,
			"reg01.azurecr.io", kindCert, "acr|T|C|reg01.azurecr.io"},
		{map[string]string{"AZURE_TENANT_ID": "T", "AZURE_CLIENT_ID": "C", "AZURE_FEDERATED_TOKEN_FILE": "/f"}, nil,
			"reg01.azurecr.io", kindWorkload, "acr|T|C|reg01.azurecr.io"},
		{map[string]string{"IDENTITY_ENDPOINT": "http://x", "IDENTITY_HEADER": "h"}, nil,
			"reg01.azurecr.io", kindManaged, "acr||managed|reg01.azurecr.io"},
		{map[string]string{"AZURE_TENANT_ID": "T", "AZURE_FEDERATED_TOKEN_FILE": "/f"},
			map[string]string{optCredential: "cli"}, "reg01.azurecr.io", kindCLI, "acr|T|cli|reg01.azurecr.io"},
		{map[string]string{"AZURE_FEDERATED_TOKEN_FILE": "/f"}, map[string]string{optCredential: "env"},
			"reg01.azurecr.io", kindEnv, "acr||env|reg01.azurecr.io"},
		{map[string]string{"AZURE_TENANT_ID": "T", "AZURE_CLIENT_ID": "C"},
			map[string]string{optTenantID: "RT", optClientID: "RC"}, "registry.example.com",
			kindDefault, "acr|RT|RC|registry.example.com"},
		// Two az CLI logins (AZURE_CONFIG_DIR) and two authorities never share.
		{map[string]string{"AZURE_CONFIG_DIR": "/home/a/.azure-work"}, nil,
			"reg01.azurecr.io", kindDefault, "acr||default@/home/a/.azure-work|reg01.azurecr.io"},
		{map[string]string{"AZURE_CONFIG_DIR": "/home/a/.azure-work"}, map[string]string{optCredential: "cli"},
			"reg01.azurecr.io", kindCLI, "acr||cli@/home/a/.azure-work|reg01.azurecr.io"},
		{map[string]string{"AZURE_CONFIG_DIR": "/d", "AZURE_TENANT_ID": "T", "AZURE_CLIENT_ID": "C", "AZURE_CLIENT_SECRET": "x",
			"AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us/"}, nil,
			"reg01.azurecr.us", kindSecret, "acr|T|C|reg01.azurecr.us|https://login.microsoftonline.us/"},
		// Set but empty is not configured.
		{map[string]string{"AZURE_CLIENT_SECRET": "", "AZURE_FEDERATED_TOKEN_FILE": ""}, nil,
			"reg01.azurecr.io", kindDefault, "acr||default|reg01.azurecr.io"},
	}
	for i, tt := range tests {
		pv, err := New(tt.env, tt.opts)
		if err != nil {
			t.Fatalf("%d: New: %v", i, err)
		}
		p := pv.(*provider)
		if p.kind != tt.wantKind {
			t.Errorf("%d: kind %q, want %q", i, p.kind, tt.wantKind)
		}
		if got := p.CacheKey(authtest.Key(t, tt.key)); got != tt.wantKey {
			t.Errorf("%d: CacheKey %q, want %q", i, got, tt.wantKey)
		}
	}
}

func TestCloudFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cloud, authority, host   string
		wantAuthority, wantScope string
	}{
		{"", "", "reg01.azurecr.io", "https://login.microsoftonline.com/", "https://containerregistry.azure.net/.default"},
		{"", "", "reg01.azurecr.us", "https://login.microsoftonline.us/", "https://containerregistry.azure.us/.default"},
		{"", "", "reg01.azurecr.cn", "https://login.chinacloudapi.cn/", "https://containerregistry.azure.cn/.default"},
		{"", "", "registry.example.com", "https://login.microsoftonline.com/", "https://containerregistry.azure.net/.default"},
		{"", "https://login.microsoftonline.us", "registry.example.com", "https://login.microsoftonline.us", "https://containerregistry.azure.us/.default"},
		{"china", "", "registry.example.com", "https://login.chinacloudapi.cn/", "https://containerregistry.azure.cn/.default"},
		{"", "https://127.0.0.1:8443", "reg01.azurecr.io", "https://127.0.0.1:8443", "https://containerregistry.azure.net/.default"},
	}
	for _, tt := range tests {
		p := &provider{cloud: tt.cloud, authority: tt.authority}
		c := p.cloudFor(tt.host)
		if c.authority != tt.wantAuthority || c.scope != tt.wantScope {
			t.Errorf("cloudFor(%q, cloud %q, authority %q) = %+v, want %s %s", tt.host, tt.cloud, tt.authority, c, tt.wantAuthority, tt.wantScope)
		}
	}
}

func TestDisableInstanceDiscovery(t *testing.T) {
	t.Parallel()
	for authority, want := range map[string]bool{
		"https://login.microsoftonline.com/":  false,
		"https://LOGIN.microsoftonline.us":    false,
		"https://login.chinacloudapi.cn/":     false,
		"https://127.0.0.1:8443":              true,
		"https://login.microsoftonline.com.x": true,
		"https://adfs.contoso.example/adfs/":  true,
		// Unicode case rules fold these onto known authorities; they are
		// other hosts, whose instance MSAL must not take on trust.
		"https://log\u0130n.microsoftonline.com/": true,
		"https://login.microso\u017ftonline.us":   true,
	} {
		if got := disableInstanceDiscovery(authority); got != want {
			t.Errorf("disableInstanceDiscovery(%q) = %v, want %v", authority, got, want)
		}
	}
	// And an authority or exchange URL must have an ASCII host at all.
	for _, opt := range []string{optAuthorityHost, optExchangeURL} {
		if _, err := New(nil, map[string]string{opt: "https://log\u0130n.microsoftonline.com/"}); err == nil || !strings.Contains(err.Error(), "U+0130") {
			t.Errorf("New with %s on a U+0130 host: %v; want an error naming U+0130", opt, err)
		}
	}
}

func TestJWTClaims(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(time.Hour).Unix()
	c := jwtClaims(makeJWT(map[string]any{"exp": exp, "tid": "T"}))
	if c.TenantID != "T" || c.expiry().Unix() != exp {
		t.Errorf("claims %+v", c)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + "bm90IGpzb24" + ".c"} {
		if c := jwtClaims(bad); !c.expiry().IsZero() || c.TenantID != "" {
			t.Errorf("jwtClaims(%q) = %+v, want none", bad, c)
		}
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	base := errors.New("ClientSecretCredential authentication failed. \nPOST https://x/t/oauth2/v2.0/token\n" +
		"--------------------------------------------------------------------------------\nRESPONSE 401: 401 Unauthorized\n" +
		"--------------------------------------------------------------------------------\n{\n  \"error\": \"invalid_client\"\n}\n" +
		"--------------------------------------------------------------------------------\nTo troubleshoot, visit https://aka.ms/x")
	err := fmt.Errorf("wrapped: %w", oneLine{base})
	want := `wrapped: ClientSecretCredential authentication failed. POST https://x/t/oauth2/v2.0/token RESPONSE 401: 401 Unauthorized { "error": "invalid_client" }`
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err.Error(), want)
	}
	if !errors.Is(err, base) {
		t.Error("oneLine does not unwrap")
	}
}
