// Package kubelet speaks the kubelet's image credential provider plugin
// protocol: a CredentialProviderRequest on stdin, a
// CredentialProviderResponse on stdout (REFERENCE.md §7; kubernetes/kubelet
// pkg/apis/credentialprovider/v1). It also implements the kubelet's
// matchImages glob semantics, so that regkey can check that the auth keys it
// answers with match the image they are for.
//
// The product uses these small structs with exactly the fields of the
// official types; the tests decode what they produce with the official
// types and a strict decoder, as the kubelet does. The kubelet rejects a
// response with an unknown or duplicate field, a kind other than
// CredentialProviderResponse, or an apiVersion other than the one it sent.
package kubelet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
)

// API versions of the protocol. The request and response shapes are the same
// in all three; a response carries the request's version.
const (
	APIVersionV1       = "credentialprovider.kubelet.k8s.io/v1"
	APIVersionV1beta1  = "credentialprovider.kubelet.k8s.io/v1beta1"
	APIVersionV1alpha1 = "credentialprovider.kubelet.k8s.io/v1alpha1"
)

// Kinds of the protocol's two objects.
const (
	KindRequest  = "CredentialProviderRequest"
	KindResponse = "CredentialProviderResponse"
)

// CacheKeyType values: how the kubelet caches a response.
const (
	CacheKeyImage    = "Image"
	CacheKeyRegistry = "Registry"
	CacheKeyGlobal   = "Global"
)

// MaxRequestSize caps what is read from stdin. A request holds an image name
// and at most a service account token and its annotations.
const MaxRequestSize = 1 << 20

// ErrBadRequest marks a request the plugin cannot answer: not JSON, an
// unknown apiVersion or kind, no image.
var ErrBadRequest = errors.New("bad credential provider request")

// Request is a CredentialProviderRequest. Fields the kubelet may add later
// are ignored; the service account token is never logged.
type Request struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Image is the normalised repository name, without tag or digest
	// ("docker.io/library/nginx").
	Image string `json:"image"`
	// ServiceAccountToken and ServiceAccountAnnotations are sent only when
	// the provider is configured with tokenAttributes; regkey does not use
	// them.
	ServiceAccountToken       string            `json:"serviceAccountToken,omitempty"`
	ServiceAccountAnnotations map[string]string `json:"serviceAccountAnnotations,omitempty"`
}

// Response is a CredentialProviderResponse, field for field.
type Response struct {
	APIVersion   string `json:"apiVersion"`
	Kind         string `json:"kind"`
	CacheKeyType string `json:"cacheKeyType"`
	// CacheDuration is a Go duration string; nil lets the kubelet use the
	// provider's defaultCacheDuration, "0s" means do not cache.
	CacheDuration *string `json:"cacheDuration,omitempty"`
	// Auth maps a matchImages-style key to a username and password. Nil
	// means no credentials.
	Auth map[string]AuthConfig `json:"auth,omitempty"`
}

// AuthConfig is a username and password; both are always written, and an
// empty pair would mean anonymous access.
type AuthConfig struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// knownVersion reports whether v is an apiVersion regkey answers.
func knownVersion(v string) bool {
	switch v {
	case APIVersionV1, APIVersionV1beta1, APIVersionV1alpha1:
		return true
	}
	return false
}

// DecodeRequest reads one request from r (at most MaxRequestSize bytes)
// and checks its apiVersion, kind and image. Errors wrap ErrBadRequest.
func DecodeRequest(r io.Reader) (Request, error) {
	var req Request
	data, err := io.ReadAll(io.LimitReader(r, MaxRequestSize+1))
	if err != nil {
		return req, fmt.Errorf("reading the request: %w", err)
	}
	if len(data) > MaxRequestSize {
		return req, fmt.Errorf("%w: larger than %d bytes", ErrBadRequest, MaxRequestSize)
	}
	if err := json.Unmarshal(data, &req); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	switch {
	case !knownVersion(req.APIVersion):
		return req, fmt.Errorf("%w: apiVersion %q: want %s (or v1beta1, v1alpha1)", ErrBadRequest, req.APIVersion, APIVersionV1)
	case req.Kind != KindRequest:
		return req, fmt.Errorf("%w: kind %q: want %s", ErrBadRequest, req.Kind, KindRequest)
	case strings.TrimSpace(req.Image) == "":
		return req, fmt.Errorf("%w: no image", ErrBadRequest)
	}
	if _, err := RegistryOf(req.Image); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	return req, nil
}

// RegistryOf returns the registry host[:port] of an image as the kubelet
// sees it: the host of "https://" + image, spelled as the image spells it
// (the kubelet matches the auth keys of a response against the image). The
// image must also name a registry by regkey's host rule (auth.ParseKey:
// ASCII only), the rule every credential lookup applies: url.Parse accepts
// non-ASCII hosts and decodes %XX in them, so it alone would let an image
// spell one host two ways.
func RegistryOf(image string) (string, error) {
	u, err := parseSchemeless(image)
	if err != nil {
		return "", err
	}
	if u.Host == "" || u.User != nil {
		return "", fmt.Errorf("image %q names no registry host", image)
	}
	k, err := auth.ParseKey(image)
	switch {
	case err != nil:
		return "", fmt.Errorf("image %q: %w", image, err)
	case k.Opaque:
		return "", fmt.Errorf("image %q names no registry host", image)
	}
	return u.Host, nil
}

// parseSchemeless parses s as the kubelet does: "https://" + s.
func parseSchemeless(s string) (*url.URL, error) {
	u, err := url.Parse("https://" + s)
	if err != nil {
		return nil, fmt.Errorf("parsing %q: %w", s, err)
	}
	return u, nil
}

// NewResponse returns an empty response (no credentials) for req.
func NewResponse(req Request) Response {
	return Response{APIVersion: req.APIVersion, Kind: KindResponse, CacheKeyType: CacheKeyRegistry}
}

// SetCacheDuration sets the cache duration, whole seconds, never negative.
func (r *Response) SetCacheDuration(d time.Duration) {
	s := max(d.Truncate(time.Second), 0).String()
	r.CacheDuration = &s
}

// Encode writes r as one line of JSON.
func (r Response) Encode(w io.Writer) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding the response: %w", err)
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("writing the response: %w", err)
	}
	return nil
}
