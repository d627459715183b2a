package acr

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/regkey/regkey/providers"
)

// maxResponse caps what is read from the exchange endpoint.
const maxResponse = 1 << 20

// exchange trades an Entra access token for an ACR refresh token at the
// registry's /oauth2/exchange endpoint (Azure/acr docs/AAD-OAuth.md). host is
// the registry's service name; the endpoint is on that host unless the rule
// set exchange_url.
func (p *provider) exchange(ctx context.Context, client *http.Client, host, tenant, aadToken string) (string, error) {
	endpoint := p.exchangeURL
	if endpoint == "" {
		endpoint = "https://" + host + "/oauth2/exchange"
	}
	form := url.Values{
		"grant_type":   {"access_token"},
		"service":      {host},
		"access_token": {aadToken},
	}
	if tenant != "" {
		form.Set("tenant", tenant)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("exchanging Entra token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the message already; keep it short
		}
		if providers.TimedOut(ctx, err) {
			return "", fmt.Errorf("exchanging Entra token at %s: %s: %w", endpoint, providers.TimeoutText(ctx), err)
		}
		return "", fmt.Errorf("exchanging Entra token at %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", fmt.Errorf("exchanging Entra token at %s: reading response: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("exchanging Entra token at %s: %s%s", endpoint, resp.Status, registryError(body))
	}
	var out struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "", fmt.Errorf("exchanging Entra token at %s: decoding response: %w", endpoint, err)
	}
	if out.RefreshToken == "" {
		return "", fmt.Errorf("exchanging Entra token at %s: response has no refresh_token", endpoint)
	}
	return out.RefreshToken, nil
}

// registryError extracts the code and message of a registry error body
// ({"errors":[{"code":…,"message":…}]}) as ": CODE message", or "". Bodies
// are not echoed otherwise: they are not ours to print.
func registryError(body []byte) string {
	var e struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	s := strings.TrimSpace(e.Errors[0].Code + " " + e.Errors[0].Message)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return ": " + s
}

// claims are the JWT claims regkey reads, without verifying the signature:
// they only inform caching and the exchange's tenant field; the registry
// and Entra verify the tokens.
type claims struct {
	Exp      float64 `json:"exp"`
	TenantID string  `json:"tid"`
}

// jwtClaims decodes the payload of a JWT; a malformed token has no claims.
func jwtClaims(token string) claims {
	var c claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return c
	}
	_ = json.Unmarshal(payload, &c)
	return c
}

// expiry is the exp claim as a time, or the zero time.
func (c claims) expiry() time.Time {
	if c.Exp <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(c.Exp), 0)
}
