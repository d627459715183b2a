// Package ecr issues registry credentials for Amazon ECR private registries
// ("ecr") and ECR Public ("ecr-public") with aws-sdk-go-v2's default
// credential chain: environment, shared config and credentials files with
// profiles, SSO, web identity, container and EC2 roles, credential_process.
//
// Constructors only validate rule options; the SDK configuration (files, CA
// bundle, credential chain) is loaded inside Get, so a token cache hit never
// pays for it. The AWS SDK reads the process environment itself: the env map
// handed to New must be that environment (internal/cli passes its snapshot);
// it is used for CacheKey and region fallbacks.
//
// References: REFERENCE.md §5.1, §5.2; awslabs/amazon-ecr-credential-helper.
package ecr

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// Provider names.
const (
	Name       = "ecr"
	PublicName = "ecr-public"
)

// private is the ECR private registry provider.
type private struct {
	env map[string]string
	s   settings
}

var _ providers.Provider = (*private)(nil)

// New returns the "ecr" provider. opts are a rule's options (aws_region,
// aws_profile, aws_role_arn, aws_account_id, aws_external_id,
// aws_role_session_name), nil for built-in detection. For a host that is not
// an ECR host (a custom domain), the region comes from aws_region, else
// AWS_REGION or AWS_DEFAULT_REGION.
func New(env map[string]string, opts map[string]string) (providers.Provider, error) {
	s, err := parseOptions(opts, privateOptions)
	if err != nil {
		return nil, err
	}
	return &private{env: env, s: s}, nil
}

// Name implements providers.Provider.
func (p *private) Name() string { return Name }

// target is the account and region a token for k is requested for.
func (p *private) target(k auth.Key) (Registry, error) {
	reg, _ := ParseHost(k)
	if p.s.account != "" {
		reg.Account = p.s.account
	}
	if p.s.region != "" {
		reg.Region = p.s.region
	}
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if reg.Region == "" {
			reg.Region = p.env[name]
		}
	}
	if reg.Region == "" {
		return reg, fmt.Errorf("%s is not an ECR registry host and no region is known: set %s in its rule", k.Host, OptRegion)
	}
	return reg, nil
}

// CacheKey implements providers.Provider: the identity, role, account and
// region, so two profiles or two regions never share a token.
func (p *private) CacheKey(k auth.Key) string {
	reg, err := p.target(k)
	if err != nil {
		return ""
	}
	key := strings.Join([]string{Name, identity(p.env, p.s, "ECR"), p.s.role, reg.Account, reg.Region}, "|")
	if reg.FIPS {
		key += "|fips"
	}
	return key
}

// Get implements providers.Provider with ecr:GetAuthorizationToken.
func (p *private) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	reg, err := p.target(k)
	if err != nil {
		return providers.Token{}, fmt.Errorf("%s: %w", Name, err)
	}
	ctx, cancel := providers.WithBound(ctx, callTimeout)
	defer cancel()
	cfg, err := loadConfig(ctx, p.env, p.s, reg.Region)
	if err != nil {
		return providers.Token{}, fmt.Errorf("%s %s: %w", Name, k.Host, err)
	}
	client := ecr.NewFromConfig(cfg, func(o *ecr.Options) {
		if reg.FIPS && o.BaseEndpoint == nil {
			o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
		}
	})
	out, err := client.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return providers.Token{}, fmt.Errorf("%s %s: GetAuthorizationToken in %s: %w", Name, k.Host, reg.Region, callErr(ctx, "ECR", err))
	}
	if len(out.AuthorizationData) == 0 {
		return providers.Token{}, fmt.Errorf("%s %s: GetAuthorizationToken in %s: no authorization data", Name, k.Host, reg.Region)
	}
	d := out.AuthorizationData[0]
	tok, err := decodeToken(aws.ToString(d.AuthorizationToken), d.ExpiresAt)
	if err != nil {
		return providers.Token{}, fmt.Errorf("%s %s: %w", Name, k.Host, err)
	}
	return tok, nil
}

// decodeToken turns an ECR authorization token (base64 "AWS:password") and
// its expiry into a Token.
func decodeToken(b64 string, expires *time.Time) (providers.Token, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return providers.Token{}, errors.New("authorization token is not base64")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || pass == "" {
		return providers.Token{}, errors.New("authorization token is not USER:PASSWORD")
	}
	t := providers.Token{Credential: auth.Credential{Username: user, Secret: pass}}
	if expires != nil {
		t.Expires = *expires
	}
	return t, nil
}
