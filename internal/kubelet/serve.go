package kubelet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/regkey/regkey/auth"
)

// Lookup finds registry credentials for the plugin. It is declared here, by
// its only consumer; internal/resolve implements it over the provider router,
// the token cache and the keystore.
type Lookup interface {
	// Credential returns the credential for the registry of image (the
	// request's image, "HOST/REPO"). An error wrapping auth.ErrNotFound
	// means there is none; any other error means a source that owns the
	// registry failed.
	Credential(ctx context.Context, image string) (Found, error)
}

// Found is a Lookup's answer.
type Found struct {
	Credential auth.Credential
	// Expires is when the credential expires: the zero time when unknown,
	// as for a stored password.
	Expires time.Time
	// PerImage means the credential may not be the one for the registry's
	// other repositories: the registry's credentials differ by repository
	// (regkey's keystore holds one stored for HOST/ORG). Serve then answers
	// for this image alone, so that the kubelet neither caches the answer
	// for the whole registry nor uses it for another repository.
	PerImage bool
}

// Options configure Serve. Lookup is required.
type Options struct {
	Lookup Lookup
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Stderr receives warnings, which the kubelet puts in its log; nil
	// discards them.
	Stderr io.Writer
}

// Serve answers one CredentialProviderRequest read from in with a
// CredentialProviderResponse written to out.
//
// A credential is answered under the image's registry host with
// cacheKeyType Registry, and with a cacheDuration of half the token's
// remaining lifetime, so the kubelet asks again well before it expires (a
// credential with no known expiry leaves the duration to the provider's
// defaultCacheDuration). A credential the Lookup marks PerImage is answered
// under the image itself ("HOST/REPO") with cacheKeyType Image instead: the
// kubelet matches an auth key's path as a prefix of the image's, and caches
// a Registry answer for every repository of the host. No credential, or one
// the kubelet cannot use (an identity token: the kubelet supports only
// username and password), is a valid response without auth and with
// cacheDuration "0s", so that the kubelet asks again on the next pull
// instead of caching the absence. A bad request or a failed lookup is an
// error and nothing is written: the kubelet then logs stderr and pulls
// without credentials from regkey.
//
// Serve reads in and asks Lookup within ctx; the caller bounds ctx well
// inside the kubelet's one-minute limit.
func Serve(ctx context.Context, in io.Reader, out io.Writer, o Options) error {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	warn := o.Stderr
	if warn == nil {
		warn = io.Discard
	}
	req, err := readRequest(ctx, in)
	if err != nil {
		return err
	}
	host, _ := RegistryOf(req.Image) // checked by DecodeRequest
	resp := NewResponse(req)
	found, err := lookup(ctx, o.Lookup, req.Image)
	c := found.Credential
	switch {
	case errors.Is(err, auth.ErrNotFound) || (err == nil && c.Empty()):
		resp.SetCacheDuration(0)
		return resp.Encode(out)
	case err != nil:
		return fmt.Errorf("credentials for %s: %w", host, err)
	case c.IsIdentityToken():
		fmt.Fprintf(warn, "regkey: warning: %s: the credential is an identity token, which the kubelet cannot use; answering no credentials\n", host)
		resp.SetCacheDuration(0)
		return resp.Encode(out)
	}
	key := host
	if found.PerImage {
		key, resp.CacheKeyType = req.Image, CacheKeyImage
	}
	resp.Auth = map[string]AuthConfig{key: {Username: c.Username, Password: c.Secret}}
	if !found.Expires.IsZero() {
		resp.SetCacheDuration(found.Expires.Sub(now()) / 2)
	}
	return resp.Encode(out)
}

// lookup asks l, giving up when ctx ends even if l does not (a keyring
// call blocked on D-Bus): the kubelet kills a plugin after a minute, and an
// error it can log is better than a kill.
func lookup(ctx context.Context, l Lookup, image string) (Found, error) {
	type result struct {
		found Found
		err   error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := l.Credential(ctx, image)
		ch <- result{f, err}
	}()
	select {
	case r := <-ch:
		return r.found, r.err
	case <-ctx.Done():
		return Found{}, fmt.Errorf("looking up credentials: %w", ctx.Err())
	}
}

// readRequest decodes the request from in, giving up when ctx ends: the
// kubelet closes stdin after writing the request, but a caller that does not
// must not hang the plugin.
func readRequest(ctx context.Context, in io.Reader) (Request, error) {
	type result struct {
		req Request
		err error
	}
	ch := make(chan result, 1)
	go func() {
		req, err := DecodeRequest(in)
		ch <- result{req, err}
	}()
	select {
	case r := <-ch:
		return r.req, r.err
	case <-ctx.Done():
		return Request{}, fmt.Errorf("reading the request: %w", ctx.Err())
	}
}
