package gcr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"cloud.google.com/go/compute/metadata"
	"golang.org/x/oauth2"
)

// metadataIP is the GCE metadata server's fixed address.
const metadataIP = "169.254.169.254"

// probeTimeout bounds the "are we on Google Cloud?" probe. The metadata
// server answers in milliseconds; off Google Cloud the address is either
// refused at once or black-holed, and a black hole must not hold up a pull.
const probeTimeout = 1500 * time.Millisecond

// onGCE reports whether a GCE metadata server answers at host
// (169.254.169.254 or GCE_METADATA_HOST). Only a response carrying
// "Metadata-Flavor: Google" counts: a proxy or captive portal answering for
// that address does not.
func onGCE(ctx context.Context, client *http.Client, host string) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/", nil)
	if err != nil {
		return false
	}
	req.Header.Set("Metadata-Flavor", "Google")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	return resp.Header.Get("Metadata-Flavor") == "Google"
}

// metadataSource fetches the default service account's token from the
// metadata server, as google.ComputeTokenSource does, but with a context:
// the library's own source uses the process-wide metadata client and its
// once-per-process OnGCE detection, neither of which can be bounded.
// The metadata client honours GCE_METADATA_HOST from the process
// environment.
type metadataSource struct {
	ctx    context.Context
	client *http.Client
}

func (m metadataSource) Token() (*oauth2.Token, error) {
	suffix := "instance/service-accounts/default/token?" + url.Values{"scopes": {scope}}.Encode()
	body, err := metadata.NewClient(m.client).GetWithContext(m.ctx, suffix)
	if err != nil {
		return nil, err
	}
	var res struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		return nil, fmt.Errorf("decoding metadata token: %w", err)
	}
	if res.AccessToken == "" || res.ExpiresIn <= 0 {
		return nil, fmt.Errorf("metadata server returned an incomplete token")
	}
	return &oauth2.Token{
		AccessToken: res.AccessToken,
		TokenType:   res.TokenType,
		Expiry:      time.Now().Add(time.Duration(res.ExpiresIn) * time.Second),
	}, nil
}

// impersonation exchanges a base token for one of another service account
// with IAM Credentials generateAccessToken. It serves the metadata server
// base only: for credential files the library's impersonated_service_account
// type does the same call (see fromJSON).
type impersonation struct {
	ctx    context.Context
	client *http.Client
	base   oauth2.TokenSource
	url    string
}

func (im impersonation) Token() (*oauth2.Token, error) {
	base, err := im.base.Token()
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]any{"scope": []string{scope}, "lifetime": "3600s"})
	req, err := http.NewRequestWithContext(im.ctx, http.MethodPost, im.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("impersonating: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+base.AccessToken)
	resp, err := im.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("impersonating: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("impersonating: reading response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("impersonating: generateAccessToken: %s%s", resp.Status, googleError(data))
	}
	var out struct {
		AccessToken string    `json:"accessToken"`
		ExpireTime  time.Time `json:"expireTime"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("impersonating: decoding response: %w", err)
	}
	if out.AccessToken == "" {
		return nil, fmt.Errorf("impersonating: response has no accessToken")
	}
	return &oauth2.Token{AccessToken: out.AccessToken, TokenType: "Bearer", Expiry: out.ExpireTime}, nil
}

// googleError extracts ": STATUS message" from a Google API error body
// ({"error":{"status":…,"message":…}}), or "".
func googleError(body []byte) string {
	var e struct {
		Error struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || (e.Error.Status == "" && e.Error.Message == "") {
		return ""
	}
	s := e.Error.Status + " " + e.Error.Message
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return ": " + s
}
