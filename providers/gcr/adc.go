package gcr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/regkey/regkey/providers"
)

// noCredentialsHint is the one line a user sees when ADC finds nothing.
const noCredentialsHint = "no Google credentials found: run gcloud auth application-default login " +
	"or set GOOGLE_APPLICATION_CREDENTIALS"

// defaultIAMEndpoint serves generateAccessToken for impersonation.
const defaultIAMEndpoint = "https://iamcredentials.googleapis.com"

// maxCredentialsFile caps a credentials file; real ones are a few KiB.
const maxCredentialsFile = 1 << 20

// fileTypes are the credential file types regkey accepts. OAuth client
// files ("installed", "web") would start a browser flow, and GDCH keys need
// an audience regkey does not know; both are refused.
var fileTypes = map[string]bool{
	"service_account":                  true,
	"authorized_user":                  true,
	"external_account":                 true,
	"external_account_authorized_user": true,
	"impersonated_service_account":     true,
}

// source is a token source and what to call it in errors.
type source struct {
	ts   oauth2.TokenSource
	what string
}

// source finds Application Default Credentials in ADC's order. A file that
// is named but unreadable is an error; finding nothing at all wraps
// providers.ErrNoCredentials.
func (p *provider) source(ctx context.Context, client *http.Client) (source, error) {
	if p.credFile != "" {
		data, err := readCredentials(p.credFile)
		if err != nil {
			return source{}, err
		}
		return p.fromJSON(ctx, p.credFile, data)
	}
	if path := wellKnownFile(p.env); path != "" {
		data, err := readCredentials(path)
		switch {
		case err == nil:
			return p.fromJSON(ctx, path, data)
		case !errors.Is(err, fs.ErrNotExist):
			return source{}, err
		}
	}
	// Even a metadata host named by GCE_METADATA_HOST is probed: one that
	// does not answer means no credentials (public images still pull), not
	// a broken provider.
	host := p.env["GCE_METADATA_HOST"]
	if host == "" {
		host = metadataIP
	}
	if !onGCE(ctx, client, host) {
		return source{}, fmt.Errorf("%w: %s", providers.ErrNoCredentials, noCredentialsHint)
	}
	var ts oauth2.TokenSource = metadataSource{ctx: ctx, client: client}
	what := "the metadata server"
	if p.impersonate != "" {
		ts = impersonation{ctx: ctx, client: client, base: ts, url: p.generateURL()}
		what += " impersonating " + p.impersonate
	}
	return source{ts: ts, what: what}, nil
}

// fromJSON builds a token source from a credentials file's content with
// x/oauth2/google, wrapping it in an impersonated_service_account
// configuration when the rule asks for impersonation, so that the library's
// own impersonation does the generateAccessToken call.
func (p *provider) fromJSON(ctx context.Context, path string, data []byte) (source, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return source{}, fmt.Errorf("parsing credentials file %s: %w", path, err)
	}
	if !fileTypes[head.Type] {
		return source{}, fmt.Errorf("credentials file %s: unsupported type %q", path, head.Type)
	}
	typ, what := head.Type, head.Type+" credentials "+path
	if p.impersonate != "" {
		wrapped, err := json.Marshal(map[string]any{
			"type":                              "impersonated_service_account",
			"service_account_impersonation_url": p.generateURL(),
			"source_credentials":                json.RawMessage(data),
		})
		if err != nil {
			return source{}, fmt.Errorf("credentials file %s: %w", path, err)
		}
		data, typ = wrapped, "impersonated_service_account"
		what += " impersonating " + p.impersonate
	}
	creds, err := google.CredentialsFromJSONWithTypeAndParams(ctx, data, google.CredentialsType(typ),
		google.CredentialsParams{Scopes: []string{scope}})
	if err != nil {
		return source{}, fmt.Errorf("loading credentials file %s: %w", path, oneLine{err})
	}
	return source{ts: creds.TokenSource, what: what}, nil
}

// generateURL is the IAM Credentials generateAccessToken URL for the
// impersonated service account.
func (p *provider) generateURL() string {
	base := p.iamEndpoint
	if base == "" {
		base = defaultIAMEndpoint
	}
	return base + "/v1/projects/-/serviceAccounts/" + url.PathEscape(p.impersonate) + ":generateAccessToken"
}

// wellKnownFile is gcloud's ADC file: $CLOUDSDK_CONFIG, else
// %APPDATA%\gcloud or ~/.config/gcloud, then
// application_default_credentials.json. "" when no directory is known.
func wellKnownFile(env map[string]string) string {
	const name = "application_default_credentials.json"
	if d := env["CLOUDSDK_CONFIG"]; d != "" {
		return filepath.Join(d, name)
	}
	if runtime.GOOS == "windows" {
		if d := env["APPDATA"]; d != "" {
			return filepath.Join(d, "gcloud", name)
		}
		return ""
	}
	if h := env["HOME"]; h != "" {
		return filepath.Join(h, ".config", "gcloud", name)
	}
	return ""
}

// readCredentials reads a credentials file, capped in size.
func readCredentials(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading credentials file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCredentialsFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading credentials file %s: %w", path, err)
	}
	if len(data) > maxCredentialsFile {
		return nil, fmt.Errorf("reading credentials file %s: larger than %d bytes", path, maxCredentialsFile)
	}
	return data, nil
}
