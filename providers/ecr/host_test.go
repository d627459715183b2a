package ecr

import (
	"errors"
	"fmt"
	"github.com/regkey/regkey/auth/authtest"
	"net/url"
	"strings"
	"testing"
)

func TestParseHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw  string
		want Registry
		ok   bool
	}{
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com", Registry{"123456789012", "us-east-1", false, "amazonaws.com"}, true},
		{"https://123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM:443/v2/repo", Registry{"123456789012", "us-east-1", false, "amazonaws.com"}, true},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", Registry{"123456789012", "us-gov-west-1", true, "amazonaws.com"}, true},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", Registry{"123456789012", "cn-north-1", false, "amazonaws.com.cn"}, true},
		{"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", Registry{"123456789012", "eusc-de-east-1", false, "amazonaws.eu"}, true},
		{"123456789012.dkr-ecr.eu-west-1.on.aws", Registry{"123456789012", "eu-west-1", false, "on.aws"}, true},
		{"123456789012.dkr-ecr-fips.us-east-2.on.aws", Registry{"123456789012", "us-east-2", true, "on.aws"}, true},
		{"123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn", Registry{"123456789012", "cn-northwest-1", false, "on.amazonwebservices.com.cn"}, true},
		{"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", Registry{"123456789012", "us-iso-east-1", false, "c2s.ic.gov"}, true},
		{"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", Registry{"123456789012", "us-isob-east-1", false, "sc2s.sgov.gov"}, true},
		{"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", Registry{"123456789012", "eu-isoe-west-1", false, "cloud.adc-e.uk"}, true},
		{"123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", Registry{"123456789012", "us-isof-south-1", false, "csp.hci.ic.gov"}, true},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com:5000", Registry{}, false},
		{"12345678901.dkr.ecr.us-east-1.amazonaws.com", Registry{}, false},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example", Registry{}, false},
		{"public.ecr.aws", Registry{}, false},
	}
	for _, tc := range cases {
		got, ok := ParseHost(authtest.Key(t, tc.raw))
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseHost(%q) = %+v, %v; want %+v, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		opts map[string]string
		want string // error substring; "" = valid
	}{
		{nil, ""},
		{map[string]string{OptRegion: "eu-west-1", OptProfile: "prod", OptAccountID: "123456789012",
			OptRoleARN: "arn:aws:iam::123456789012:role/x", OptExternalID: "e", OptRoleSessionName: "s"}, ""},
		{map[string]string{OptRoleARN: "arn:aws-cn:iam::123456789012:role/path/x"}, ""},
		{map[string]string{"aws_secret_access_key": "x"}, `unknown option "aws_secret_access_key"`},
		{map[string]string{OptAccountID: "1234"}, "12-digit"},
		{map[string]string{OptRegion: "EU WEST"}, "not an AWS region"},
		{map[string]string{OptRoleARN: "puller"}, "arn:aws:iam::"},
		{map[string]string{OptExternalID: "e"}, "need aws_role_arn"},
		{map[string]string{OptProfile: " prod"}, "spaces"},
		{map[string]string{OptProfile: ""}, "empty"},
	}
	for _, tc := range cases {
		_, err := New(nil, tc.opts)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("New(%v) = %v, want %q", tc.opts, err, tc.want)
		}
	}
	if _, err := NewPublic(nil, map[string]string{OptRegion: "eu-west-1"}); err == nil {
		t.Error("ecr-public accepted aws_region")
	}
}

func TestCacheKey(t *testing.T) {
	t.Parallel()
	host := authtest.Key(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com")
	key := func(env, opts map[string]string, raw string) string {
		p, err := New(env, opts)
		if err != nil {
			t.Fatal(err)
		}
		return p.CacheKey(authtest.Key(t, raw))
	}
	base := key(map[string]string{"AWS_ACCESS_KEY_ID": testKeyID, "AWS_SECRET_ACCESS_KEY": "s"}, nil, host.Raw)
	if strings.Contains(base, testKeyID) {
		t.Errorf("cache key %q holds the access key id in clear", base)
	}
	if got := key(map[string]string{"AWS_ACCESS_KEY_ID": testKeyID, "AWS_SECRET_ACCESS_KEY": "other"}, nil, host.Raw+"/repo"); got != base {
		t.Errorf("same identity and registry: %q != %q", got, base)
	}
	distinct := map[string]string{
		"base":        base,
		"other key":   key(map[string]string{"AWS_ACCESS_KEY_ID": "AKIDOTHER", "AWS_SECRET_ACCESS_KEY": "s"}, nil, host.Raw),
		"profile a":   key(map[string]string{"AWS_PROFILE": "a"}, nil, host.Raw),
		"profile b":   key(map[string]string{"AWS_PROFILE": "b"}, nil, host.Raw),
		"rule b":      key(map[string]string{"AWS_PROFILE": "a"}, map[string]string{OptProfile: "b", OptRegion: "eu-west-1"}, host.Raw),
		"default":     key(map[string]string{}, nil, host.Raw),
		"other files": key(map[string]string{"AWS_CONFIG_FILE": "/x/config"}, nil, host.Raw),
		"endpoint":    key(map[string]string{"AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:1"}, nil, host.Raw),
		"role":        key(map[string]string{}, map[string]string{OptRoleARN: "arn:aws:iam::123456789012:role/x"}, host.Raw),
		"region":      key(map[string]string{}, nil, "123456789012.dkr.ecr.us-west-2.amazonaws.com"),
		"account":     key(map[string]string{}, nil, "210987654321.dkr.ecr.us-east-1.amazonaws.com"),
		"fips":        key(map[string]string{}, nil, "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com"),
		"web id":      key(map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"}, nil, host.Raw),
	}
	seen := map[string]string{}
	for name, k := range distinct {
		if prev, dup := seen[k]; dup {
			t.Errorf("%s and %s share the cache key %q", name, prev, k)
		}
		seen[k] = name
		if !strings.HasPrefix(k, "ecr|") {
			t.Errorf("%s: cache key %q", name, k)
		}
	}
	if got := key(map[string]string{"AWS_PROFILE": "a"}, nil, host.Raw); got != key(map[string]string{"AWS_DEFAULT_PROFILE": "a"}, nil, host.Raw) {
		t.Errorf("AWS_DEFAULT_PROFILE differs from AWS_PROFILE: %q", got)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	ue := &url.Error{Op: "Get", URL: "https://user:pw@portal.sso.example/federation?X-Amz-Signature=abc&token=s3cr3t", Err: errors.New("timeout")}
	wrapped := fmt.Errorf("operation error SSO: %w", ue)
	got := redact(wrapped).Error()
	if strings.Contains(got, "s3cr3t") || strings.Contains(got, "Signature") || strings.Contains(got, "pw@") {
		t.Errorf("redact = %q", got)
	}
	if !errors.Is(redact(wrapped), ue.Err) {
		t.Error("redact lost the cause")
	}
	plain := errors.New(`exec: credential_process https://idp.example/x?code=s3cr3t failed`)
	if got := redact(plain).Error(); strings.Contains(got, "s3cr3t") || !strings.Contains(got, "https://idp.example/x") {
		t.Errorf("redact = %q", got)
	}
}

func TestDecodeToken(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"QVdTOnB3":    "",                  // AWS:pw
		"not base64!": "not base64",        //
		"QVdTcHc=":    "not USER:PASSWORD", // AWSpw
		"OnB3":        "not USER:PASSWORD", // :pw
	} {
		tok, err := decodeToken(in, nil)
		if want == "" {
			if err != nil || tok.Username != "AWS" || tok.Secret != "pw" {
				t.Errorf("decodeToken(%q) = %+v, %v", in, tok, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("decodeToken(%q) = %v, want %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), in) {
			t.Errorf("error echoes the token: %v", err)
		}
	}
}
