package ecr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth/authtest"
	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
)

// The SDK reads the process environment, so these tests set it with
// t.Setenv and do not run in parallel. Every AWS_* variable of the outer
// environment is removed first; config files, HOME and endpoints point at
// the test's own directory and fake.

const (
	testKeyID  = "AKIDENVTEST00000001"
	testSecret = "envsecretenvsecretenvsecret"
)

// isolate clears AWS_* from the environment, applies the defaults and set
// (an empty value unsets), and returns the resulting environment as a map.
func isolate(t *testing.T, fake *ecrfake.Server, set map[string]string) map[string]string {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	dir := t.TempDir()
	vars := map[string]string{
		"HOME":                        dir,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL_ECR":        fake.URL,
		"AWS_ENDPOINT_URL_ECR_PUBLIC": fake.URL,
		"AWS_ENDPOINT_URL_STS":        fake.URL,
		"HTTPS_PROXY":                 "http://127.0.0.1:9",
		"HTTP_PROXY":                  "http://127.0.0.1:9",
		"NO_PROXY":                    "127.0.0.1,localhost",
	}
	for k, v := range set {
		vars[k] = v
	}
	for k, v := range vars {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

func staticKeys() map[string]string {
	return map[string]string{"AWS_ACCESS_KEY_ID": testKeyID, "AWS_SECRET_ACCESS_KEY": testSecret}
}

func TestGetPrivate(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	env := isolate(t, fake, staticKeys())
	p, err := New(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tok, err := p.Get(context.Background(), authtest.Key(t, "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/"))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if tok.Username != "AWS" || tok.Secret != ecrfake.Password(testKeyID, "eu-west-1") {
		t.Errorf("token = %q/%q", tok.Username, tok.Secret)
	}
	if d := tok.Expires.Sub(start); d < 11*time.Hour || d > 13*time.Hour {
		t.Errorf("expires in %v, want about 12h", d)
	}
	reqs := fake.Requests()
	want := ecrfake.Request{Op: "ecr", AccessKey: testKeyID, Region: "eu-west-1", Service: "ecr"}
	if len(reqs) != 1 || reqs[0] != want {
		t.Errorf("requests = %+v, want [%+v]", reqs, want)
	}
}

func TestGetPublic(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	env := isolate(t, fake, staticKeys())
	p, err := NewPublic(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"public.ecr.aws", "ECR-PUBLIC.aws.com:443"} {
		tok, err := p.Get(context.Background(), authtest.Key(t, host))
		if err != nil {
			t.Fatalf("Get(%s): %v", host, err)
		}
		if tok.Username != "AWS" || tok.Secret != ecrfake.Password(testKeyID, "us-east-1") || tok.Expires.IsZero() {
			t.Errorf("Get(%s) = %+v", host, tok)
		}
	}
	for _, r := range fake.Requests() {
		if r.Op != "ecr-public" || r.Region != "us-east-1" || r.Service != "ecr-public" {
			t.Errorf("request %+v, want ecr-public in us-east-1", r)
		}
	}
	if p.CacheKey(authtest.Key(t, "public.ecr.aws")) != p.CacheKey(authtest.Key(t, "ecr-public.aws.com")) {
		t.Error("the two public hosts do not share a token")
	}
}

func TestNoCredentials(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	env := isolate(t, fake, nil)
	for name, newP := range map[string]func(map[string]string, map[string]string) (providers.Provider, error){"ecr": New, "ecr-public": NewPublic} {
		p, _ := newP(env, nil)
		_, err := p.Get(context.Background(), authtest.Key(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com"))
		if !errors.Is(err, providers.ErrNoCredentials) {
			t.Fatalf("%s: err = %v, want ErrNoCredentials", name, err)
		}
		if msg := err.Error(); strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "AWS_PROFILE") {
			t.Errorf("%s: %q, want a one-line hint", name, msg)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the fake without credentials", n)
	}
}

func TestAPIFailure(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	fake.Fail = "AccessDeniedException"
	env := isolate(t, fake, staticKeys())
	p, _ := New(env, nil)
	_, err := p.Get(context.Background(), authtest.Key(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com"))
	if err == nil || errors.Is(err, providers.ErrNoCredentials) {
		t.Fatalf("err = %v, want an API failure", err)
	}
	msg := err.Error()
	for _, want := range []string{"ecr", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "AccessDeniedException", "not authorized"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if strings.Contains(msg, testSecret) || strings.Contains(msg, "Signature=") {
		t.Errorf("error leaks a secret: %q", msg)
	}
}

// TestGetHonoursDeadline: the ECR API never answers; the caller's context
// ends the call with an error that says it timed out. A canceled context
// shows that it is the caller's context that ended it: the provider's own
// 20 s bound would say "deadline exceeded".
func TestGetHonoursDeadline(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	fake.Hang = true
	env := isolate(t, fake, staticKeys())
	p, _ := New(env, nil)
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"Deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}, context.DeadlineExceeded},
		{"Canceled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		ctx, cancel := tc.ctx()
		err := testenv.Returns(t, "Get from an ECR API that never answers", func() error {
			_, err := p.Get(ctx, authtest.Key(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com"))
			return err
		})
		cancel()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v does not wrap %v", tc.name, err, tc.want)
		}
		if msg := fmt.Sprint(err); !strings.Contains(msg, "timed out: no answer from the ECR API") || strings.Contains(msg, "StatusCode") {
			t.Errorf("%s: error %q does not say plainly that the call timed out", tc.name, msg)
		}
	}
}

func TestCustomDomain(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	env := isolate(t, fake, staticKeys())
	p, err := New(env, map[string]string{OptRegion: "eu-central-1", OptAccountID: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	k := authtest.Key(t, "127.0.0.1:5000")
	tok, err := p.Get(context.Background(), k)
	if err != nil || tok.Secret != ecrfake.Password(testKeyID, "eu-central-1") {
		t.Fatalf("Get = %+v, %v", tok, err)
	}
	if ck := p.CacheKey(k); !strings.HasSuffix(ck, "|123456789012|eu-central-1") {
		t.Errorf("CacheKey = %q", ck)
	}

	// Without a region the provider says what to configure.
	env = isolate(t, fake, staticKeys())
	p, _ = New(env, nil)
	if _, err := p.Get(context.Background(), k); err == nil || !strings.Contains(err.Error(), OptRegion) {
		t.Errorf("no region: %v", err)
	}
	if ck := p.CacheKey(k); ck != "" {
		t.Errorf("CacheKey without a region = %q, want empty (not cacheable)", ck)
	}
}
