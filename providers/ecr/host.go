package ecr

import (
	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/providers"
)

// privateHost is the registry host pattern used by amazon-ecr-credential-helper
// and the kubelet ECR plugin: account, "-fips", region and partition suffix.
// It covers the standard, FIPS, China (.amazonaws.com.cn), European Sovereign
// Cloud (.amazonaws.eu), dual-stack (dkr-ecr… .on.aws and
// .on.amazonwebservices.com.cn) and ISO partitions.
var privateHost = providers.MustHostPattern(
	`^(\d{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$`)

// publicHosts are ECR Public's registry hosts (IPv4 and dual-stack).
var publicHosts = []string{"public.ecr.aws", "ecr-public.aws.com"}

// Registry is what an ECR private registry host says about itself.
type Registry struct {
	// Account is the 12-digit AWS account id.
	Account string
	// Region is the AWS region, e.g. "us-east-1".
	Region string
	// FIPS is set for the FIPS endpoints (dkr.ecr-fips.…).
	FIPS bool
	// Partition is the DNS suffix, e.g. "amazonaws.com" or "on.aws".
	Partition string
}

// ParseHost returns the account, region and partition of an ECR private
// registry host, or false when k is not one. Only the default HTTPS port
// matches (see providers.DefaultPortHost).
func ParseHost(k auth.Key) (Registry, bool) {
	m := privateHost.Match(k)
	if m == nil {
		return Registry{}, false
	}
	return Registry{Account: m[1], FIPS: m[2] != "", Region: m[3], Partition: m[4]}, true
}

// Matches reports whether k is an ECR private registry host. It is the
// built-in detector for the "ecr" provider.
func Matches(k auth.Key) bool { return privateHost.Matches(k) }

// MatchesPublic reports whether k is an ECR Public registry host. It is the
// built-in detector for the "ecr-public" provider.
func MatchesPublic(k auth.Key) bool { return providers.HostIs(k, publicHosts...) }
