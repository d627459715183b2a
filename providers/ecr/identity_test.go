package ecr

import (
	"context"
	"errors"
	"github.com/regkey/regkey/auth/authtest"
	"os"
	"strings"
	"testing"

	"github.com/regkey/regkey/providers"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
)

// Identity selection: profiles, assumed roles, SSO. See ecr_test.go for
// isolate and the environment rules.

func TestProfilesGiveDifferentTokens(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	env := isolate(t, fake, nil)
	creds := "[dev]\naws_access_key_id = AKIDDEV0000000000001\naws_secret_access_key = devsecret\n\n" +
		"[prod]\naws_access_key_id = AKIDPROD000000000001\naws_secret_access_key = prodsecret\n"
	if err := os.WriteFile(env["AWS_SHARED_CREDENTIALS_FILE"], []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	k := authtest.Key(t, "123456789012.dkr.ecr.us-west-2.amazonaws.com")
	got := map[string]string{}
	keys := map[string]string{}
	for _, profile := range []string{"dev", "prod"} {
		p, err := New(env, map[string]string{OptProfile: profile})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := p.Get(context.Background(), k)
		if err != nil {
			t.Fatalf("profile %s: %v", profile, err)
		}
		got[profile], keys[profile] = tok.Secret, p.CacheKey(k)
	}
	if got["dev"] != ecrfake.Password("AKIDDEV0000000000001", "us-west-2") || got["prod"] != ecrfake.Password("AKIDPROD000000000001", "us-west-2") {
		t.Errorf("tokens = %v", got)
	}
	if keys["dev"] == keys["prod"] {
		t.Errorf("two profiles share the cache key %q", keys["dev"])
	}

	// AWS_PROFILE in the environment selects the profile for built-in detection.
	env = isolate(t, fake, map[string]string{"AWS_PROFILE": "prod",
		"AWS_CONFIG_FILE": env["AWS_CONFIG_FILE"], "AWS_SHARED_CREDENTIALS_FILE": env["AWS_SHARED_CREDENTIALS_FILE"]})
	p, _ := New(env, nil)
	tok, err := p.Get(context.Background(), k)
	if err != nil || tok.Secret != got["prod"] {
		t.Errorf("AWS_PROFILE=prod: %q, %v", tok.Secret, err)
	}
	if p.CacheKey(k) != keys["prod"] {
		t.Errorf("AWS_PROFILE=prod cache key %q, want the prod rule's %q", p.CacheKey(k), keys["prod"])
	}

	// A rule naming a profile that does not exist is a clear error.
	p, _ = New(env, map[string]string{OptProfile: "nosuch"})
	if _, err := p.Get(context.Background(), k); err == nil || !strings.Contains(err.Error(), `AWS profile "nosuch"`) {
		t.Errorf("missing profile: %v", err)
	}
}

func TestAssumeRole(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	env := isolate(t, fake, staticKeys())
	role := "arn:aws:iam::210987654321:role/puller"
	p, err := New(env, map[string]string{OptRoleARN: role, OptExternalID: "ext-1", OptRegion: "ap-south-1"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.Get(context.Background(), authtest.Key(t, "210987654321.dkr.ecr.us-east-1.amazonaws.com"))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if tok.Secret != ecrfake.Password(ecrfake.RoleAccessKey, "ap-south-1") {
		t.Errorf("secret %q: want a token for the assumed role in the rule's region", tok.Secret)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || reqs[0].Op != "sts:AssumeRole" || reqs[0].RoleARN != role || reqs[0].ExternalID != "ext-1" ||
		reqs[0].AccessKey != testKeyID || reqs[1].AccessKey != ecrfake.RoleAccessKey {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestExpiredSSOSession(t *testing.T) {
	fake := ecrfake.New()
	defer fake.Close()
	env := isolate(t, fake, nil)
	conf := "[profile corp-reader]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Reader\n\n" +
		"[sso-session corp]\nsso_start_url = https://corp.awsapps.example/start\nsso_region = us-east-1\n"
	if err := os.WriteFile(env["AWS_CONFIG_FILE"], []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p, _ := New(env, map[string]string{OptProfile: "corp-reader"})
	_, err := p.Get(context.Background(), authtest.Key(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com"))
	if err == nil || errors.Is(err, providers.ErrNoCredentials) || !strings.Contains(err.Error(), "aws sso login --profile corp-reader") {
		t.Fatalf("err = %v, want a hint to log in again", err)
	}
	if len(fake.Requests()) != 0 {
		t.Errorf("requests reached the fake: %+v", fake.Requests())
	}
}
