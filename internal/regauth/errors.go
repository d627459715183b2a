package regauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Sentinel errors; callers branch on them with errors.Is.
var (
	// ErrInvalidCredentials means the registry or its token server
	// rejected the credentials (401 or 403, or OAuth2 invalid_grant).
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrPlainHTTP means the registry answered HTTPS with plain HTTP, and
	// plain HTTP is allowed only for loopback hosts or with Insecure.
	ErrPlainHTTP = errors.New("registry speaks plain HTTP")
	// ErrCertificate means the registry's TLS certificate could not be
	// verified against the system roots and docker's certs.d directories.
	ErrCertificate = errors.New("untrusted registry certificate")
	// ErrUnsupported means the registry asked for an authentication scheme
	// regkey cannot complete, or gave no usable challenge.
	ErrUnsupported = errors.New("unsupported registry authentication")
	// ErrRedirect means the registry or its token server answered with a
	// redirect to another origin (host, port or scheme), which is refused:
	// see SameOriginRedirects.
	ErrRedirect = errors.New("refusing redirect")
	// ErrPlainHTTPTokenServer means the registry named a token server on
	// plain HTTP that may not have the credentials in clear: one that is
	// not on loopback with a loopback registry, nor, with Insecure, the
	// registry itself.
	ErrPlainHTTPTokenServer = errors.New("refusing to send credentials to plain-HTTP token server")
)

// StatusError is an unexpected HTTP answer from a registry or token server,
// with the error the server gave in its body, if any. It never holds the
// request's credentials or the response's tokens.
type StatusError struct {
	// Method and URL of the request; the URL has no query string.
	Method, URL string
	// Status is the HTTP status line ("401 Unauthorized").
	Status string
	// StatusCode is the HTTP status code.
	StatusCode int
	// Message is the server's explanation, from a registry error body
	// ({"errors":[{"code","message"}]}) or an OAuth2 one ({"error",
	// "error_description"}), rendered as docker does ("unauthorized: bad").
	Message string
}

// Error renders "GET https://host/v2/: 401 Unauthorized: unauthorized: bad".
func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s %s: %s", e.Method, e.URL, e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// maxErrorBody caps how much of an error response is read.
const maxErrorBody = 64 << 10

// statusError builds a StatusError from resp, reading (and capping) its
// body. Any occurrence of secret in the server's message is masked, so that
// a server echoing a password does not put it into an error.
func statusError(resp *http.Response, secret string) *StatusError {
	u := *resp.Request.URL
	u.RawQuery, u.Fragment, u.User = "", "", nil
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	msg := errorMessage(body)
	if secret != "" && msg != "" {
		msg = strings.ReplaceAll(msg, secret, "***")
	}
	return &StatusError{
		Method:     resp.Request.Method,
		URL:        u.String(),
		Status:     resp.Status,
		StatusCode: resp.StatusCode,
		Message:    msg,
	}
}

// errorMessage extracts a human message from a registry or OAuth2 JSON error
// body. Bodies that are not JSON (HTML from a proxy) give "".
func errorMessage(body []byte) string {
	var v struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Details     string `json:"details"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	var parts []string
	for _, e := range v.Errors {
		code := strings.ToLower(strings.ReplaceAll(e.Code, "_", " "))
		switch {
		case code != "" && e.Message != "":
			parts = append(parts, code+": "+e.Message)
		case e.Message != "":
			parts = append(parts, e.Message)
		case code != "":
			parts = append(parts, code)
		}
	}
	if len(parts) > 0 {
		return clean(strings.Join(parts, "; "))
	}
	switch {
	case v.Error != "" && v.Description != "":
		return clean(v.Error + ": " + v.Description)
	case v.Error != "":
		return clean(v.Error)
	case v.Details != "":
		return clean(v.Details)
	}
	return ""
}

// clean keeps a server message to one printable line of sensible length.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	const max = 300
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strings.TrimSpace(s)
}

// rejected wraps a 401/403 StatusError so that it matches
// ErrInvalidCredentials.
func rejected(se *StatusError) error {
	return fmt.Errorf("%w: %w", ErrInvalidCredentials, se)
}
