package registryapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/regkey/regkey/internal/regauth"
)

// MaxErrorBody caps how much of an error response is read to summarise it.
const MaxErrorBody = 1 << 20

// APIError is one entry of a registry's error body, as the distribution
// spec defines it: {"errors":[{"code":"...","message":"...","detail":...}]}.
type APIError struct {
	// Code is the registry's error code, as sent ("MANIFEST_UNKNOWN",
	// "DIGEST_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED").
	Code string `json:"code"`
	// Message is the registry's explanation.
	Message string `json:"message"`
}

// HTTPError is a registry answer other than 2xx.
type HTTPError struct {
	// Method and URL of the request that got the answer; the URL has no
	// query string.
	Method, URL string
	// Status is the status line ("404 Not Found"); StatusCode its code.
	Status     string
	StatusCode int
	// Errors are the entries of a registry error body; empty when the
	// body was not one.
	Errors []APIError
	// Text is the first line of a body that was not a registry error
	// (an HTML page from a proxy, say), cut short.
	Text string
}

// Error renders "DELETE https://host/v2/app/manifests/v1: 400 Bad Request:
// DIGEST_INVALID: provided digest did not match uploaded content".
func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", e.Method, e.URL, e.Status)
	for i, ae := range e.Errors {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		switch {
		case ae.Code != "" && ae.Message != "":
			fmt.Fprintf(&b, "%s%s: %s", sep, oneLine(ae.Code), oneLine(ae.Message))
		case ae.Code != "":
			fmt.Fprintf(&b, "%s%s", sep, oneLine(ae.Code))
		default:
			fmt.Fprintf(&b, "%s%s", sep, oneLine(ae.Message))
		}
	}
	if len(e.Errors) == 0 && e.Text != "" {
		fmt.Fprintf(&b, ": %s", e.Text)
	}
	return b.String()
}

// Check returns nil for a 2xx answer, else an *HTTPError summarising body
// (the response's body, read by the caller, capped at MaxErrorBody). A
// server that echoes the client's secret has it masked.
func (c *Client) Check(resp *http.Response, body []byte) error {
	err := checkResponse(resp, body)
	if e, ok := err.(*HTTPError); ok && c.cred.Secret != "" {
		for i := range e.Errors {
			e.Errors[i].Message = strings.ReplaceAll(e.Errors[i].Message, c.cred.Secret, "***")
		}
		e.Text = strings.ReplaceAll(e.Text, c.cred.Secret, "***")
	}
	return err
}

func checkResponse(resp *http.Response, body []byte) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	e := &HTTPError{Status: resp.Status, StatusCode: resp.StatusCode}
	if resp.Request != nil {
		e.Method, e.URL = resp.Request.Method, regauth.RedactURL(resp.Request.URL.String())
	}
	var v struct {
		Errors []APIError `json:"errors"`
	}
	if json.Unmarshal(body, &v) == nil && len(v.Errors) > 0 {
		e.Errors = v.Errors
		return e
	}
	line, _, _ := bytes.Cut(bytes.TrimSpace(body), []byte("\n"))
	if utf8.Valid(line) {
		e.Text = oneLine(string(line))
	}
	return e
}

// oneLine keeps a server's text to one printable line of sensible length.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	const max = 200
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strings.TrimSpace(s)
}
