package registryapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/regkey/regkey/internal/regauth"
)

// hostTransports is an http.RoundTripper that keeps one transport per host,
// each with the TLS configuration docker would use for that host (its own
// certs.d directory). Certificate verification is off only for the registry
// itself, and only with Insecure: never for its token server or storage.
type hostTransports struct {
	endpoint string
	opts     Options

	mu sync.Mutex
	m  map[string]*http.Transport
}

var _ http.RoundTripper = (*hostTransports)(nil)

func (h *hostTransports) RoundTrip(req *http.Request) (*http.Response, error) {
	t, err := h.transport(req.URL.Host)
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	return t.RoundTrip(req)
}

// transport returns host's transport, building it on first use.
func (h *hostTransports) transport(host string) (*http.Transport, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t, ok := h.m[host]; ok {
		return t, nil
	}
	tc, err := regauth.TLSConfig(host, h.opts.CertDirs, h.opts.Insecure && host == h.endpoint)
	if err != nil {
		return nil, err
	}
	timeout := h.opts.timeout()
	t := &http.Transport{
		Proxy:                 h.opts.Proxy,
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   2,
	}
	if h.m == nil {
		h.m = map[string]*http.Transport{}
	}
	h.m[host] = t
	return t, nil
}

// close drops every idle connection.
func (h *hostTransports) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range h.m {
		t.CloseIdleConnections()
	}
}

// idleBody is a response body that fails when no byte arrives for the
// idle timeout: a registry or storage server that stops sending must not
// hang regkey. Downloads of any size still work.
type idleBody struct {
	rc      io.ReadCloser
	timer   *time.Timer
	idle    time.Duration
	cancel  context.CancelFunc
	mu      sync.Mutex
	expired bool
}

func newIdleBody(rc io.ReadCloser, idle time.Duration, cancel context.CancelFunc) *idleBody {
	b := &idleBody{rc: rc, idle: idle, cancel: cancel}
	b.timer = time.AfterFunc(idle, func() {
		b.mu.Lock()
		b.expired = true
		b.mu.Unlock()
		cancel()
	})
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		b.mu.Lock()
		expired := b.expired
		b.mu.Unlock()
		if expired {
			return n, fmt.Errorf("reading the response: nothing received for %s: %w", b.idle, err)
		}
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel()
	return err
}
