package ecr

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// publicRegion is the only region that serves ECR Public's
// GetAuthorizationToken.
const publicRegion = "us-east-1"

// public is the ECR Public provider. Its token is account-wide, so one
// token serves both public hosts.
type public struct {
	env map[string]string
	s   settings
}

var _ providers.Provider = (*public)(nil)

// NewPublic returns the "ecr-public" provider. opts are a rule's options
// (aws_profile, aws_role_arn, aws_external_id, aws_role_session_name), nil
// for built-in detection. Anonymous pulls from ECR Public work without it;
// a token raises rate limits and allows pushes.
func NewPublic(env map[string]string, opts map[string]string) (providers.Provider, error) {
	s, err := parseOptions(opts, publicOptions)
	if err != nil {
		return nil, err
	}
	return &public{env: env, s: s}, nil
}

// Name implements providers.Provider.
func (p *public) Name() string { return PublicName }

// CacheKey implements providers.Provider: the identity and role only.
func (p *public) CacheKey(auth.Key) string {
	return strings.Join([]string{PublicName, identity(p.env, p.s, "ECR_PUBLIC"), p.s.role}, "|")
}

// Get implements providers.Provider with ecr-public:GetAuthorizationToken
// in us-east-1. The caller needs ecr-public:GetAuthorizationToken and
// sts:GetServiceBearerToken.
func (p *public) Get(ctx context.Context, k auth.Key) (providers.Token, error) {
	ctx, cancel := providers.WithBound(ctx, callTimeout)
	defer cancel()
	cfg, err := loadConfig(ctx, p.env, p.s, publicRegion)
	if err != nil {
		return providers.Token{}, fmt.Errorf("%s %s: %w", PublicName, k.Host, err)
	}
	out, err := ecrpublic.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecrpublic.GetAuthorizationTokenInput{})
	if err != nil {
		return providers.Token{}, fmt.Errorf("%s %s: GetAuthorizationToken: %w", PublicName, k.Host, callErr(ctx, "ECR Public", err))
	}
	if out.AuthorizationData == nil {
		return providers.Token{}, fmt.Errorf("%s %s: GetAuthorizationToken: no authorization data", PublicName, k.Host)
	}
	tok, err := decodeToken(aws.ToString(out.AuthorizationData.AuthorizationToken), out.AuthorizationData.ExpiresAt)
	if err != nil {
		return providers.Token{}, fmt.Errorf("%s %s: %w", PublicName, k.Host, err)
	}
	return tok, nil
}
