package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/providers"
)

// checkConcurrency bounds how many registries --check talks to at once.
const checkConcurrency = 4

// checkRows verifies, concurrently, the credential regkey serves for each
// row with its registry, each within opts.CheckTimeout.
func checkRows(ctx context.Context, opts *StatusOptions, inv *snapshot, rows []statusRow) {
	sem := make(chan struct{}, checkConcurrency)
	var wg sync.WaitGroup
	for i := range rows {
		if rows[i].Docker == "-" {
			continue // a glob rule names no single registry
		}
		wg.Add(1)
		go func(r *statusRow) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, opts.CheckTimeout)
			defer cancel()
			start := time.Now()
			r.Check = checkOne(cctx, opts, inv, r)
			if r.Check != nil {
				r.Check.Millis = time.Since(start).Milliseconds()
			}
		}(&rows[i])
	}
	wg.Wait()
}

func checkOne(ctx context.Context, opts *StatusOptions, inv *snapshot, r *statusRow) *statusCheck {
	cred, err := servedCredential(ctx, inv, r)
	if errors.Is(err, auth.ErrNotFound) {
		return nil // regkey serves nothing for it: nothing to check
	}
	if err != nil {
		return &statusCheck{Message: cmderr.OneLine(err)}
	}
	res, err := opts.Verify(ctx, r.Registry, cred, opts.VerifyOptions)
	if err != nil {
		if ctx.Err() != nil {
			return &statusCheck{Message: fmt.Sprintf("no answer within %s", opts.CheckTimeout)}
		}
		return &statusCheck{Message: cmderr.OneLine(err)}
	}
	if res.Anonymous {
		return &statusCheck{OK: true, Message: regauth.AnonymousNote}
	}
	return &statusCheck{OK: true, Message: string(res.Method) + " authentication succeeded"}
}

// servedCredential is the credential regkey gives clients for a row: the
// provider's token (through the cache) or the keystore entry.
func servedCredential(ctx context.Context, inv *snapshot, r *statusRow) (auth.Credential, error) {
	k, err := auth.ParseKey(r.Registry)
	if err != nil {
		return auth.Credential{}, err
	}
	if p := r.route.Provider; p != nil {
		var c auth.Credential
		if inv.cache != nil {
			c, _, err = inv.cache.Get(ctx, p, k)
		} else {
			var t providers.Token
			t, err = p.Get(ctx, k)
			c = t.Credential
		}
		switch {
		case errors.Is(err, providers.ErrNoCredentials) && len(r.Keys) == 0:
			return c, fmt.Errorf("provider %s: %w", r.Provider, err)
		case err == nil && !c.Empty():
			return c, nil
		case err != nil && len(r.Keys) == 0:
			return c, fmt.Errorf("provider %s: %w", r.Provider, err)
		}
	}
	if len(r.Keys) == 0 || inv.store == nil {
		return auth.Credential{}, auth.ErrNotFound
	}
	return inv.store.Get(ctx, r.Keys[0])
}
