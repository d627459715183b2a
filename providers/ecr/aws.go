package ecr

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/regkey/regkey/providers"
)

const (
	// callTimeout bounds one Get: configuration, credentials and the token
	// call together. Docker and podman give helpers no deadline of their own.
	callTimeout = 20 * time.Second
	// probeTimeout bounds credential retrieval when nothing names a
	// credential source, so the chain ends at the EC2 metadata service: on a
	// machine that is not in EC2 it must fail fast, not after minutes.
	probeTimeout = 3 * time.Second
	// maxAttempts keeps SDK retries modest.
	maxAttempts = 2
)

// noCredentialsHint is the one-line hint for a machine with no AWS identity.
const noCredentialsHint = "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID, run `aws sso login`, " +
	"or give the registry's rule an aws_profile"

// loadConfig loads the SDK's default configuration chain (environment, shared
// files and profiles, SSO, web identity, container and EC2 roles,
// credential_process) for region, applies the rule's profile and role, and
// checks that credentials can be retrieved. When none can and nothing named
// a credential source, the error wraps providers.ErrNoCredentials.
func loadConfig(ctx context.Context, env map[string]string, s settings, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = 2 * time.Second
			})
		}),
	}
	if s.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var nope config.SharedConfigProfileNotExistError
		if errors.As(err, &nope) {
			return cfg, fmt.Errorf("AWS profile %q is not in the AWS config files", nope.Profile)
		}
		return cfg, fmt.Errorf("loading AWS configuration: %w", redact(err))
	}
	if s.role != "" {
		client := sts.NewFromConfig(cfg)
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, s.role,
			func(o *stscreds.AssumeRoleOptions) {
				if s.externalID != "" {
					o.ExternalID = aws.String(s.externalID)
				}
				o.RoleSessionName = s.sessionName
				if o.RoleSessionName == "" {
					o.RoleSessionName = "regkey"
				}
			}))
	}
	named := s.profile != "" || s.role != "" || sourceNamed(env, cfg)
	rctx := ctx
	if !named {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, probeTimeout)
		defer cancel()
	}
	if _, err := cfg.Credentials.Retrieve(rctx); err != nil {
		if !named && ctx.Err() == nil {
			return cfg, fmt.Errorf("%s: %w", noCredentialsHint, providers.ErrNoCredentials)
		}
		var sso *ssocreds.InvalidTokenError
		if errors.As(err, &sso) || usesSSO(cfg) {
			return cfg, fmt.Errorf("getting AWS SSO credentials (if the login expired, run `aws sso login%s`): %w",
				profileFlag(env, s), redact(err))
		}
		if s.role != "" {
			return cfg, fmt.Errorf("assuming role %s: %w", s.role, callErr(ctx, "STS", err))
		}
		return cfg, fmt.Errorf("retrieving AWS credentials: %w", redact(err))
	}
	return cfg, nil
}

// profileFlag is the --profile argument that selects the profile in use,
// or "" for the default profile.
func profileFlag(env map[string]string, s settings) string {
	p := s.profile
	if p == "" {
		p = env["AWS_PROFILE"]
	}
	if p == "" || p == "default" {
		return ""
	}
	return " --profile " + p
}

// usesSSO reports whether the selected profile takes its credentials from
// AWS IAM Identity Center (SSO), whose failures mostly mean an expired login.
func usesSSO(cfg aws.Config) bool {
	for _, src := range cfg.ConfigSources {
		if sc, ok := src.(config.SharedConfig); ok && (sc.SSOSessionName != "" || sc.SSOStartURL != "") {
			return true
		}
	}
	return false
}

// sourceNamed reports whether the environment or the selected profile of the
// shared config files names a credential source. When neither does, the
// default chain can only end at the EC2 metadata service.
func sourceNamed(env map[string]string, cfg aws.Config) bool {
	for _, name := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	} {
		if env[name] != "" {
			return true
		}
	}
	for _, src := range cfg.ConfigSources {
		sc, ok := src.(config.SharedConfig)
		if !ok {
			continue
		}
		if sc.Credentials.HasKeys() || sc.CredentialSource != "" || sc.CredentialProcess != "" ||
			sc.WebIdentityTokenFile != "" || sc.SSOSessionName != "" || sc.SSOStartURL != "" ||
			sc.RoleARN != "" || sc.SourceProfileName != "" || sc.LoginSession != "" {
			return true
		}
	}
	return false
}

// callError is an SDK error rewritten so that nothing signed or secret can
// leak: API errors keep only their code and message, transport errors lose
// the query string of their URL. Unwrap keeps errors.Is working for context
// deadlines and the like.
type callError struct {
	msg string
	err error
}

func (e *callError) Error() string { return e.msg }
func (e *callError) Unwrap() error { return e.err }

// callErr describes a failed API call: a call cut off by ctx's deadline in
// plain words (the SDK's own text is "https response error StatusCode: 0,
// RequestID: , canceled, context deadline exceeded"), anything else
// redacted.
func callErr(ctx context.Context, api string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return &callError{msg: "timed out: no answer from the " + api + " API (" + context.Cause(ctx).Error() + ")", err: errors.Join(err, cerr)}
	}
	return redact(err)
}

// redact returns err in a form safe to print.
func redact(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		return &callError{msg: fmt.Sprintf("%s: %s", api.ErrorCode(), api.ErrorMessage()), err: err}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &callError{msg: fmt.Sprintf("%s %s: %v", ue.Op, stripQuery(ue.URL), ue.Err), err: err}
	}
	return &callError{msg: stripURLs(err.Error()), err: err}
}

// stripQuery drops user info, query and fragment from a URL.
func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(url)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

var urlRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`https?://[^\s"']+`) })

// stripURLs rewrites every URL in s with stripQuery.
func stripURLs(s string) string {
	return urlRE().ReplaceAllStringFunc(s, stripQuery)
}
