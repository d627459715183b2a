package ecr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Rule options the ECR providers accept. ECR Public takes only the identity
// options (profile, role, external id, session name).
const (
	OptRegion          = "aws_region"
	OptProfile         = "aws_profile"
	OptRoleARN         = "aws_role_arn"
	OptAccountID       = "aws_account_id"
	OptExternalID      = "aws_external_id"
	OptRoleSessionName = "aws_role_session_name"
)

var (
	privateOptions = []string{OptAccountID, OptExternalID, OptProfile, OptRegion, OptRoleARN, OptRoleSessionName}
	publicOptions  = []string{OptExternalID, OptProfile, OptRoleARN, OptRoleSessionName}

	accountRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d{12}$`) })
	regionRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`) })
	roleRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^arn:[a-z-]+:iam::\d{12}:role/.+$`) })
)

// settings are the validated rule options.
type settings struct {
	region, profile, role, account, externalID, sessionName string
}

// parseOptions validates rule options against the names in allowed.
func parseOptions(opts map[string]string, allowed []string) (settings, error) {
	var s settings
	for k, v := range opts {
		if !slices.Contains(allowed, k) {
			return s, fmt.Errorf("unknown option %q (want %s)", k, strings.Join(allowed, ", "))
		}
		if strings.TrimSpace(v) != v || v == "" {
			return s, fmt.Errorf("option %s: empty or padded with spaces", k)
		}
	}
	s = settings{
		region: opts[OptRegion], profile: opts[OptProfile], role: opts[OptRoleARN],
		account: opts[OptAccountID], externalID: opts[OptExternalID], sessionName: opts[OptRoleSessionName],
	}
	switch {
	case s.account != "" && !accountRE().MatchString(s.account):
		return s, fmt.Errorf("option %s %q: want a 12-digit AWS account id", OptAccountID, s.account)
	case s.region != "" && !regionRE().MatchString(s.region):
		return s, fmt.Errorf("option %s %q: not an AWS region name", OptRegion, s.region)
	case s.role != "" && !roleRE().MatchString(s.role):
		return s, fmt.Errorf("option %s %q: want arn:aws:iam::ACCOUNT:role/NAME", OptRoleARN, s.role)
	case (s.externalID != "" || s.sessionName != "") && s.role == "":
		return s, fmt.Errorf("options %s and %s need %s", OptExternalID, OptRoleSessionName, OptRoleARN)
	}
	return s, nil
}

// identity names the AWS identity the SDK's default chain will pick, from
// the environment alone (no files read), following the SDK's precedence: a
// rule's profile, then static keys in the environment, then web identity,
// then the environment's profile (or "default"). Config file locations,
// container credential endpoints and endpoint overrides are folded in, so
// that tokens from a different setup are never shared.
func identity(env map[string]string, s settings, service string) string {
	var id string
	switch {
	case s.profile != "":
		id = "profile=" + s.profile
	case env["AWS_ACCESS_KEY_ID"] != "" && env["AWS_SECRET_ACCESS_KEY"] != "":
		id = "key=" + digest(env["AWS_ACCESS_KEY_ID"])
	case env["AWS_WEB_IDENTITY_TOKEN_FILE"] != "":
		id = "webid=" + digest(env["AWS_ROLE_ARN"]+"\x00"+env["AWS_WEB_IDENTITY_TOKEN_FILE"])
	default:
		p := env["AWS_PROFILE"]
		if p == "" {
			p = env["AWS_DEFAULT_PROFILE"]
		}
		if p == "" {
			p = "default"
		}
		id = "profile=" + p
	}
	var extra []string
	for _, name := range []string{
		"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL_STS",
	} {
		if v := env[name]; v != "" {
			extra = append(extra, name+"="+v)
		}
	}
	if len(extra) > 0 {
		id += "+" + digest(strings.Join(extra, "\x00"))
	}
	return id
}

// digest is a short, stable, non-reversible name for a value that must not
// appear in a cache key in clear (an access key id, a file path).
func digest(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:8])
}
