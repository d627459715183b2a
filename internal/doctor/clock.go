package doctor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/netenv"
	"github.com/regkey/regkey/internal/regauth"
)

// ClockClient is the HTTP client for the clock check, with env's proxy
// settings. It asks registries for their time only: it sends no
// credential, so it skips certificate verification (a private CA must not
// hide a skew).
func ClockClient(env config.Env) *http.Client {
	return &http.Client{
		Timeout: clockProbeTimeout,
		Transport: &http.Transport{
			Proxy:           netenv.ProxyFunc(env),
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // no secret is sent; only the Date header is read
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// clockUnreachableFix is the fix for a registry the clock check could not
// ask.
const clockUnreachableFix = "check that the registry is up and reachable from here (host, port, firewall, HTTPS_PROXY/NO_PROXY); `regkey doctor --offline` skips the checks that use the network"

// clock: compare the local clock with each registry's Date header. A
// registry that cannot be asked is reported, not passed over: the check
// did not happen.
func (d *doctor) clock(ctx context.Context) {
	if d.opts.HTTP == nil {
		return
	}
	hosts := d.served()
	if len(hosts) == 0 {
		d.add("clock", SevInfo, "", "no registry to compare this machine's clock with")
		return
	}
	if len(hosts) > maxClockProbes {
		d.add("clock", SevInfo, "", "comparing the clock with the first %d of %d registries", maxClockProbes, len(hosts))
		hosts = hosts[:maxClockProbes]
	}
	skews := make([]time.Duration, len(hosts))
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			skews[i], errs[i] = d.probeClock(ctx, h)
		}()
	}
	wg.Wait()
	for i, h := range hosts {
		s := skews[i]
		switch {
		case errs[i] != nil:
			d.add("clock", SevWarn, clockUnreachableFix, "%s: clock not compared: %s", h, cmderr.OneLine(errs[i]))
		case s.Abs() >= clockSkewFail:
			d.add("clock", SevFail, "set the clock right (NTP): registry tokens are rejected when clocks disagree", "%s: this machine's clock is %s off the registry's", h, s.Round(time.Second))
		case s.Abs() >= clockSkewWarn:
			d.add("clock", SevWarn, "set the clock right (NTP)", "%s: this machine's clock is %s off the registry's", h, s.Round(time.Second))
		default:
			d.add("clock", SevOK, "", "%s: clocks agree", h)
		}
	}
}

// probeClock returns local time minus the registry's, or why the registry
// could not be asked.
func (d *doctor) probeClock(ctx context.Context, host string) (time.Duration, error) {
	endpoint := host
	if host == auth.HubHost {
		endpoint = "registry-1.docker.io"
	}
	schemes := []string{"https"}
	if regauth.IsLoopback(host) {
		schemes = append(schemes, "http")
	}
	var msgs []string
	for _, s := range schemes {
		skew, err := d.probeClockURL(ctx, s+"://"+endpoint+"/v2/")
		if err == nil {
			return skew, nil
		}
		msgs = append(msgs, cmderr.OneLine(err))
	}
	return 0, errors.New(strings.Join(msgs, "; "))
}

// probeClockURL asks url for its Date header, within clockProbeTimeout.
func (d *doctor) probeClockURL(ctx context.Context, url string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, clockProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := d.opts.HTTP.Do(req)
	if err != nil {
		var ne net.Error
		if ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
			return 0, fmt.Errorf("GET %s: no answer within %s", url, clockProbeTimeout)
		}
		return 0, err
	}
	resp.Body.Close()
	t, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return 0, fmt.Errorf("GET %s: answered %s without a usable Date header", url, resp.Status)
	}
	// The Date header has one-second resolution; compare with the middle
	// of the round trip.
	mid := start.Add(time.Since(start) / 2)
	return mid.Truncate(time.Second).Sub(t), nil
}
