package cli

import (
	"context"
	"crypto/tls"
	"net/http"
	"sync"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/regauth"
)

// clockClient asks registries for their time only: it sends no credential,
// so it skips certificate verification (a private CA must not hide a skew).
func clockClient(f *Factory) *http.Client {
	return &http.Client{
		Timeout: clockProbeTimeout,
		Transport: &http.Transport{
			Proxy:           proxyFunc(f.Env),
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // no secret is sent; only the Date header is read
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// clock: compare the local clock with each registry's Date header.
func (d *doctor) clock(ctx context.Context) {
	if d.opts.HTTP == nil {
		return
	}
	hosts := d.served()
	if len(hosts) > maxClockProbes {
		hosts = hosts[:maxClockProbes]
	}
	skews := make([]*time.Duration, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			skews[i] = d.probeClock(ctx, h)
		}()
	}
	wg.Wait()
	for i, h := range hosts {
		s := skews[i]
		switch {
		case s == nil:
			continue
		case s.Abs() >= clockSkewFail:
			d.add("clock", sevFail, "set the clock right (NTP): registry tokens are rejected when clocks disagree", "%s: this machine's clock is %s off the registry's", h, s.Round(time.Second))
		case s.Abs() >= clockSkewWarn:
			d.add("clock", sevWarn, "set the clock right (NTP)", "%s: this machine's clock is %s off the registry's", h, s.Round(time.Second))
		default:
			d.add("clock", sevOK, "", "%s: clocks agree", h)
		}
	}
}

// probeClock returns local time minus the registry's, or nil when the
// registry could not be asked.
func (d *doctor) probeClock(ctx context.Context, host string) *time.Duration {
	endpoint := host
	if host == auth.HubHost {
		endpoint = "registry-1.docker.io"
	}
	schemes := []string{"https"}
	if regauth.IsLoopback(host) {
		schemes = append(schemes, "http")
	}
	for _, s := range schemes {
		cctx, cancel := context.WithTimeout(ctx, clockProbeTimeout)
		req, err := http.NewRequestWithContext(cctx, http.MethodGet, s+"://"+endpoint+"/v2/", nil)
		if err != nil {
			cancel()
			return nil
		}
		start := time.Now()
		resp, err := d.opts.HTTP.Do(req)
		cancel()
		if err != nil {
			continue
		}
		resp.Body.Close()
		t, err := http.ParseTime(resp.Header.Get("Date"))
		if err != nil {
			return nil
		}
		// The Date header has one-second resolution; compare with the
		// middle of the round trip.
		mid := start.Add(time.Since(start) / 2)
		skew := mid.Truncate(time.Second).Sub(t)
		return &skew
	}
	return nil
}
