package resolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/auth/authtest"
	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/tokencache"
)

// dynProvider answers every Get with answer, counting calls.
type dynProvider struct {
	mu     sync.Mutex
	calls  int
	answer providers.Token
	err    error
}

func (p *dynProvider) Name() string               { return "ecr" }
func (p *dynProvider) CacheKey(k auth.Key) string { return "ecr|" + k.Host }
func (p *dynProvider) Get(context.Context, auth.Key) (providers.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	return p.answer, p.err
}

const dynHost = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

// newDynamic routes dynHost (by detection) and "custom.example" (by a rule
// whose options are bad) to p; everything else to the keystore.
func newDynamic(t *testing.T, p *dynProvider, built *int) *Dynamic {
	t.Helper()
	ctor := func(opts map[string]string) (providers.Provider, error) {
		*built++
		if opts["bad"] != "" {
			return nil, errors.New(`unknown option "bad"`)
		}
		return p, nil
	}
	r, err := providers.NewRouter(
		[]providers.Rule{{Match: "custom.example", Provider: "ecr", Options: map[string]string{"bad": "1"}}},
		[]providers.Detector{{Name: "ecr", Matches: func(k auth.Key) bool { return providers.HostIs(k, dynHost) }}},
		map[string]providers.Constructor{"ecr": ctor})
	if err != nil {
		t.Fatal(err)
	}
	return &Dynamic{Router: r, Cache: &tokencache.Cache{Dir: filepath.Join(t.TempDir(), "cache")}}
}

func TestDynamicGet(t *testing.T) {
	t.Parallel()
	tok := providers.Token{Credential: auth.Credential{Username: "AWS", Secret: "tok"}, Expires: time.Now().Add(12 * time.Hour)}
	noCreds := fmt.Errorf("ecr: no AWS credentials found: %w", providers.ErrNoCredentials)
	broken := errors.New("ecr: GetAuthorizationToken: AccessDeniedException: no")
	tests := []struct {
		name      string
		key       string
		answer    providers.Token
		err       error
		wantOwned bool
		wantCred  string
		wantErr   error  // errors.Is target
		wantText  string // error substring
	}{
		{name: "not owned", key: "quay.io", answer: tok},
		{name: "token", key: dynHost + "/team/app", answer: tok, wantOwned: true, wantCred: "tok"},
		{name: "no identity", key: dynHost, err: noCreds, wantOwned: true, wantErr: providers.ErrNoCredentials},
		{name: "empty credential", key: dynHost, wantOwned: true, wantErr: providers.ErrNoCredentials},
		{name: "provider fails", key: dynHost, err: broken, wantOwned: true, wantErr: broken},
		{name: "bad rule options", key: "custom.example", answer: tok, wantOwned: true, wantText: `rule "custom.example", provider ecr: unknown option "bad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &dynProvider{answer: tt.answer, err: tt.err}
			built := 0
			d := newDynamic(t, p, &built)
			c, owned, err := d.Get(context.Background(), authtest.Key(t, tt.key))
			if owned != tt.wantOwned || c.Secret != tt.wantCred {
				t.Fatalf("Get = %+v, owned %v, %v", c, owned, err)
			}
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			case tt.wantText != "" && (err == nil || !strings.Contains(err.Error(), tt.wantText)):
				t.Errorf("err = %v, want %q", err, tt.wantText)
			case tt.wantErr == nil && tt.wantText == "" && err != nil:
				t.Errorf("err = %v", err)
			}
			if !tt.wantOwned && (built != 0 || p.calls != 0) {
				t.Errorf("a keystore host built %d providers and made %d calls", built, p.calls)
			}
		})
	}
}

func TestDynamicCaches(t *testing.T) {
	t.Parallel()
	p := &dynProvider{answer: providers.Token{Credential: auth.Credential{Username: "AWS", Secret: "tok"}, Expires: time.Now().Add(12 * time.Hour)}}
	built := 0
	d := newDynamic(t, p, &built)
	for range 3 {
		if c, owned, err := d.Get(context.Background(), authtest.Key(t, dynHost)); err != nil || !owned || c.Secret != "tok" {
			t.Fatalf("Get = %+v, %v, %v", c, owned, err)
		}
	}
	if p.calls != 1 || built != 1 {
		t.Errorf("%d provider calls and %d constructions for three gets, want 1 and 1", p.calls, built)
	}
}

// TestDynamicInResolver runs the agreed decision table through Resolver.Get.
func TestDynamicInResolver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name, stored, want string
		err                error
		wantWarn           bool
	}{
		{name: "provider answers first", stored: "login", want: "tok"},
		{name: "no identity: explicit docker login used", stored: "login", err: providers.ErrNoCredentials, want: "login"},
		{name: "no identity, no login: not found, with the reason", err: providers.ErrNoCredentials, wantWarn: true},
		{name: "provider fails: login used with a warning", stored: "login", err: errors.New("throttled"), want: "login", wantWarn: true},
		{name: "provider fails, no login: the error", err: errors.New("throttled")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &dynProvider{err: tt.err}
			if tt.err == nil {
				p.answer = providers.Token{Credential: auth.Credential{Username: "AWS", Secret: "tok"}, Expires: time.Now().Add(time.Hour)}
			}
			built := 0
			store := keystore.NewMemory()
			if tt.stored != "" {
				if err := store.Set(ctx, dynHost, auth.Credential{Username: "AWS", Secret: tt.stored}); err != nil {
					t.Fatal(err)
				}
			}
			var stderr bytes.Buffer
			r := New(store, Options{Dynamic: newDynamic(t, p, &built), Stderr: &stderr})
			c, err := r.Get(ctx, "https://"+dynHost)
			switch {
			case tt.want != "" && (err != nil || c.Secret != tt.want):
				t.Errorf("Get = %+v, %v; want %q", c, err, tt.want)
			case tt.want == "" && tt.err == providers.ErrNoCredentials && !errors.Is(err, auth.ErrNotFound):
				t.Errorf("Get = %+v, %v; want not found", c, err)
			case tt.want == "" && tt.err != providers.ErrNoCredentials && (err == nil || errors.Is(err, auth.ErrNotFound)):
				t.Errorf("Get = %+v, %v; want the provider's error", c, err)
			}
			if got := strings.Contains(stderr.String(), "warning"); got != tt.wantWarn {
				t.Errorf("stderr = %q, want warning: %v", stderr.String(), tt.wantWarn)
			}
		})
	}
}
