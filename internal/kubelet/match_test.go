package kubelet

import "testing"

func TestMatchImage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, image string
		want           bool
	}{
		// REFERENCE.md §7.5 examples.
		{"*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app", true},
		{"*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app", false},
		{"*.dkr.ecr.*.amazonaws.com", "123456789012.dkr-ecr.us-east-1.on.aws/app", false},
		{"*-docker.pkg.dev", "us-docker.pkg.dev/p/r/i", true},
		{"*-docker.pkg.dev", "us-central1-docker.pkg.dev/p/r/i", true},
		{"gcr.io", "eu.gcr.io/p/i", false},
		{"*.gcr.io", "eu.gcr.io/p/i", true},
		{"gcr.io", "gcr.io/p/i", true},
		// "*" stays within one label.
		{"*.io", "a.b.io/x", false},
		{"*.io", "ghcr.io/x", true},
		{"*.azurecr.io", "myreg.azurecr.io/team/app", true},
		{"*.azurecr.io", "myreg.azurecr.io.evil.example/app", false},
		// Partial globs are legal.
		{"app*.k8s.io", "apps.k8s.io/x", true},
		{"k8s.*", "k8s.io/x", true},
		// Ports must be equal as strings.
		{"registry.io:8080", "registry.io:8080/x", true},
		{"registry.io", "registry.io:8080/x", false},
		{"registry.io:8080", "registry.io/x", false},
		{"registry.io:443", "registry.io/x", false},
		// The path is a plain string prefix.
		{"registry.io:8080/path", "registry.io:8080/pathological/x", true},
		{"registry.io:8080/path", "registry.io:8080/other", false},
		{"ghcr.io", "ghcr.io", true},
		{"docker.io", "docker.io/library/nginx", true},
	}
	for _, tc := range cases {
		got, err := MatchImage(tc.pattern, tc.image)
		if err != nil || got != tc.want {
			t.Errorf("MatchImage(%q, %q) = %v, %v; want %v", tc.pattern, tc.image, got, err, tc.want)
		}
	}
}

func TestMatchImageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ pattern, image string }{
		{"[.io", "a.io/x"},
		{"a.io", "a.io:port:bad/x"},
		{"a.io:1:2", "a.io/x"},
	} {
		if _, err := MatchImage(tc.pattern, tc.image); err == nil {
			t.Errorf("MatchImage(%q, %q): no error", tc.pattern, tc.image)
		}
	}
}

func TestValidateMatchImage(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"*.dkr.ecr.*.amazonaws.com", "gcr.io", "registry.io:8080/path", "*-docker.pkg.dev"} {
		if err := ValidateMatchImage(ok); err != nil {
			t.Errorf("ValidateMatchImage(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/path", "[.io", "a b.io", "%zz"} {
		if err := ValidateMatchImage(bad); err == nil {
			t.Errorf("ValidateMatchImage(%q): no error", bad)
		}
	}
}

func TestRegistryOf(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/app": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"docker.io/library/nginx":                          "docker.io",
		"127.0.0.1:5000/team/app":                          "127.0.0.1:5000",
		"ghcr.io":                                          "ghcr.io",
	}
	for image, want := range cases {
		if got, err := RegistryOf(image); err != nil || got != want {
			t.Errorf("RegistryOf(%q) = %q, %v; want %q", image, got, err, want)
		}
	}
	for _, bad := range []string{"/app", "user@host/app", "%zz",
		// not hosts by regkey's rule, though url.Parse takes them (and
		// decodes the %2e to a dot)
		"ghcr.\u0130o/owner/app", "GHCR.\u0130O/owner/app", "gcr.\u0131o/p/i", "\uff47hcr.io/o/i", "ghcr%2eio/o/i",
		"https://index.docker.io/v1/access-token"} {
		if got, err := RegistryOf(bad); err == nil {
			t.Errorf("RegistryOf(%q) = %q, want an error", bad, got)
		}
	}
}
