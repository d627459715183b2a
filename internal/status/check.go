package status

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/providers"
)

// checkConcurrency bounds how many registries --check talks to at once.
const checkConcurrency = 4

// Checker verifies credentials with their registries.
type Checker struct {
	// Verify checks a credential with its registry (regauth.Verify).
	Verify func(context.Context, string, auth.Credential, regauth.Options) (regauth.Result, error)
	// Options are passed to Verify.
	Options regauth.Options
	// Timeout bounds the check of one registry.
	Timeout time.Duration
}

// CheckRows verifies, concurrently, the credential regkey serves for each
// row with its registry, each within c.Timeout, and sets the rows' Check
// (left nil where regkey serves nothing, and for glob rules).
func (c Checker) CheckRows(ctx context.Context, inv *inventory.Snapshot, rows []Row) {
	sem := make(chan struct{}, checkConcurrency)
	var wg sync.WaitGroup
	for i := range rows {
		if rows[i].Docker == "-" {
			continue // a glob rule names no single registry
		}
		wg.Add(1)
		go func(r *Row) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, c.Timeout)
			defer cancel()
			start := time.Now()
			r.Check = c.checkOne(cctx, inv, r)
			if r.Check != nil {
				r.Check.Millis = time.Since(start).Milliseconds()
			}
		}(&rows[i])
	}
	wg.Wait()
}

func (c Checker) checkOne(ctx context.Context, inv *inventory.Snapshot, r *Row) *Check {
	cred, err := servedCredential(ctx, inv, r)
	if errors.Is(err, auth.ErrNotFound) {
		return nil // regkey serves nothing for it: nothing to check
	}
	if err != nil {
		return &Check{Message: cmderr.OneLine(err)}
	}
	res, err := c.Verify(ctx, r.Registry, cred, c.Options)
	if err != nil {
		if ctx.Err() != nil {
			return &Check{Message: fmt.Sprintf("no answer within %s", c.Timeout)}
		}
		return &Check{Message: cmderr.OneLine(err)}
	}
	if res.Anonymous {
		return &Check{OK: true, Message: regauth.AnonymousNote}
	}
	return &Check{OK: true, Message: string(res.Method) + " authentication succeeded"}
}

// servedCredential is the credential regkey gives clients for a row: the
// provider's token (through the cache) or the keystore entry.
func servedCredential(ctx context.Context, inv *inventory.Snapshot, r *Row) (auth.Credential, error) {
	k, err := auth.ParseKey(r.Registry)
	if err != nil {
		return auth.Credential{}, err
	}
	if p := r.route.Provider; p != nil {
		var c auth.Credential
		if inv.Cache != nil {
			c, _, err = inv.Cache.Get(ctx, p, k)
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
	if len(r.Keys) == 0 || inv.Store == nil {
		return auth.Credential{}, auth.ErrNotFound
	}
	return inv.Store.Get(ctx, r.Keys[0])
}
