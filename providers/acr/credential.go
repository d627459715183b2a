package acr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/regkey/regkey/providers"
)

// credKind names the Entra credential the provider uses.
type credKind string

const (
	kindDefault  credKind = "default"     // bounded DefaultAzureCredential
	kindEnv      credKind = "env"         // asked for env, but it names neither secret nor certificate
	kindSecret   credKind = "secret"      // AZURE_CLIENT_SECRET
	kindCert     credKind = "certificate" // AZURE_CLIENT_CERTIFICATE_PATH
	kindWorkload credKind = "workload"    // AZURE_FEDERATED_TOKEN_FILE
	kindManaged  credKind = "managed"     // IMDS, App Service, Arc, ...
	kindCLI      credKind = "cli"         // az account get-access-token
)

// credKinds are the rule's azure_credential values ("" = not set).
var credKinds = map[string]credKind{
	"": kindDefault, "default": kindDefault, "env": kindEnv,
	"workload": kindWorkload, "managed": kindManaged, "cli": kindCLI,
}

// noCredentialsHint is the one line a user sees when no identity is found.
const noCredentialsHint = "no Azure identity found: set AZURE_TENANT_ID, AZURE_CLIENT_ID and " +
	"AZURE_CLIENT_SECRET (or AZURE_FEDERATED_TOKEN_FILE), use a managed identity, or run az login"

// chooseKind narrows the requested kind to the credential the environment
// names: DefaultAzureCredential would probe IMDS and run az, azd and pwsh
// before giving up, so it is used only when the environment names nothing.
func chooseKind(requested credKind, env map[string]string) credKind {
	switch requested {
	case kindDefault, kindEnv:
		switch {
		case env["AZURE_CLIENT_SECRET"] != "":
			return kindSecret
		case env["AZURE_CLIENT_CERTIFICATE_PATH"] != "":
			return kindCert
		case requested == kindEnv:
			return kindEnv
		case env["AZURE_FEDERATED_TOKEN_FILE"] != "":
			return kindWorkload
		case env["IDENTITY_ENDPOINT"] != "" || env["MSI_ENDPOINT"] != "":
			return kindManaged
		}
	}
	return requested
}

// entra is a constructed Entra credential.
type entra struct {
	cred azcore.TokenCredential
	kind credKind
}

// credential builds the Entra credential of p's kind for cloud c. Nothing
// here makes a request; missing configuration is reported now.
func (p *provider) credential(c cloudInfo, client *http.Client) (entra, error) {
	co := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: c.authority},
		Transport: client,
		// Fail fast: azcore's default (3 retries, IMDS 6 with up to 25 s
		// backoff) can outlast any sensible wait of a docker pull.
		Retry: policy.RetryOptions{MaxRetries: 1, TryTimeout: 8 * time.Second, RetryDelay: 500 * time.Millisecond, MaxRetryDelay: 2 * time.Second},
	}
	noDiscovery := disableInstanceDiscovery(c.authority)
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch p.kind {
	case kindSecret:
		if err := p.needIDs("AZURE_CLIENT_SECRET"); err != nil {
			return entra{}, err
		}
		cred, err = azidentity.NewClientSecretCredential(p.tenant, p.clientID, p.env["AZURE_CLIENT_SECRET"],
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery})
	case kindCert:
		cred, err = p.certificateCredential(co, noDiscovery)
	case kindWorkload:
		file := p.env["AZURE_FEDERATED_TOKEN_FILE"]
		if file == "" {
			return entra{}, fmt.Errorf("%w: workload identity needs AZURE_FEDERATED_TOKEN_FILE", providers.ErrNoCredentials)
		}
		if err := p.needIDs("AZURE_FEDERATED_TOKEN_FILE"); err != nil {
			return entra{}, err
		}
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, ClientID: p.clientID, TenantID: p.tenant, TokenFilePath: file,
			DisableInstanceDiscovery: noDiscovery,
		})
	case kindManaged:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if p.clientID != "" {
			o.ID = azidentity.ClientID(p.clientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(o)
	case kindCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: p.tenant})
	case kindEnv:
		return entra{}, fmt.Errorf("%w: azure_credential env needs AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH", providers.ErrNoCredentials)
	default:
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: co, TenantID: p.tenant, DisableInstanceDiscovery: noDiscovery,
		})
	}
	if err != nil {
		return entra{}, fmt.Errorf("configuring %s credential: %w", p.kind, oneLine{err})
	}
	return entra{cred: cred, kind: p.kind}, nil
}

// needIDs checks that a credential named by variable also has its tenant and
// client: a half-configured environment is a mistake to report, not a
// reason to fall back to another identity.
func (p *provider) needIDs(variable string) error {
	switch {
	case p.tenant == "":
		return fmt.Errorf("%s is set but AZURE_TENANT_ID (or azure_tenant_id) is not", variable)
	case p.clientID == "":
		return fmt.Errorf("%s is set but AZURE_CLIENT_ID (or azure_client_id) is not", variable)
	}
	return nil
}

// maxCertFile caps a client certificate file; PEM or PKCS#12 bundles are a
// few KiB.
const maxCertFile = 1 << 20

func (p *provider) certificateCredential(co azcore.ClientOptions, noDiscovery bool) (azcore.TokenCredential, error) {
	path := p.env["AZURE_CLIENT_CERTIFICATE_PATH"]
	if err := p.needIDs("AZURE_CLIENT_CERTIFICATE_PATH"); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading client certificate: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCertFile))
	if err != nil {
		return nil, fmt.Errorf("reading client certificate %s: %w", path, err)
	}
	var password []byte
	if pw := p.env["AZURE_CLIENT_CERTIFICATE_PASSWORD"]; pw != "" {
		password = []byte(pw)
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		return nil, fmt.Errorf("parsing client certificate %s: %w", path, err)
	}
	chain := p.env["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"]
	return azidentity.NewClientCertificateCredential(p.tenant, p.clientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: noDiscovery,
			SendCertificateChain: chain == "1" || chain == "true",
		})
}

// token gets an Entra access token for scope. For the credentials that
// search (DefaultAzureCredential, the az CLI) "unavailable" means no
// identity is configured, which wraps providers.ErrNoCredentials; an
// authentication failure or a timeout is an error naming the credential.
func (e entra) token(ctx context.Context, scope string) (azcore.AccessToken, error) {
	tok, err := e.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err == nil {
		return tok, nil
	}
	if providers.TimedOut(ctx, err) {
		return tok, fmt.Errorf("getting Entra token with %s credential: %s: %w", e.kind, providers.TimeoutText(ctx), oneLine{err})
	}
	var failed *azidentity.AuthenticationFailedError
	if (e.kind == kindDefault || e.kind == kindCLI) && !errors.As(err, &failed) {
		return tok, fmt.Errorf("%w: %s", providers.ErrNoCredentials, noCredentialsHint)
	}
	return tok, fmt.Errorf("getting Entra token with %s credential: %w", e.kind, oneLine{err})
}
