package gcr

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
)

func TestMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"gcr.io", true},
		{"GCR.io", true},
		{"https://gcr.io/v2/", true},
		{"gcr.io/my-project/app", true},
		{"gcr.io:443", true},
		{"us.gcr.io", true},
		{"eu.gcr.io", true},
		{"asia.gcr.io", true},
		{"marketplace.gcr.io", true},
		{"k8s.gcr.io", true},
		{"us-docker.pkg.dev", true},
		{"europe-west1-docker.pkg.dev", true},
		{"northamerica-northeast1-docker.pkg.dev/proj/repo/img", true},
		{"docker.us-central1.rep.pkg.dev", true},
		{"docker.europe-west4.rep.pkg.dev", true},

		{"xgcr.io", false},
		{"gcr.io.evil.example", false},
		{"us.gcr.io.evil.example", false},
		{"a.b.gcr.io", false},
		{"-x.gcr.io", false},
		{"gcr.io:5000", false},
		{"pkg.dev", false},
		{"docker.pkg.dev", false},
		{"-docker.pkg.dev", false},
		{"us-docker.pkg.dev.evil.example", false},
		{"x.pkg.dev.evil.example", false},
		{"us-maven.pkg.dev", false},
		{"evil.us-docker.pkg.dev", false},
		{"docker.rep.pkg.dev", false},
		{"docker.us-central1.rep.pkg.dev.evil.example", false},
		{"podman.us-central1.rep.pkg.dev", false},
		{"evil.example/gcr.io", false},
		{"gcr.io@evil.example", false},
		{"gcr.com", false},
	}
	for _, tt := range tests {
		k, err := auth.ParseKey(tt.key)
		if err != nil {
			if tt.want {
				t.Errorf("ParseKey(%q): %v", tt.key, err)
			}
			continue
		}
		if got := Matches(k); got != tt.want {
			t.Errorf("Matches(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts    map[string]string
		wantErr string
	}{
		{nil, ""},
		{map[string]string{optCredentialsFile: "/etc/regkey/sa.json"}, ""},
		{map[string]string{optCredentialsFile: " "}, "empty path"},
		{map[string]string{optImpersonate: "puller@proj.iam.gserviceaccount.com"}, ""},
		{map[string]string{optImpersonate: "puller"}, "service account email"},
		{map[string]string{optImpersonate: "a/b@proj.iam.gserviceaccount.com"}, "service account email"},
		{map[string]string{"azure_tenant_id": "x"}, `unknown option "azure_tenant_id"`},
	}
	for _, tt := range tests {
		_, err := New(map[string]string{}, tt.opts)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("New(%v): %v", tt.opts, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("New(%v) error %v, want one mentioning %q", tt.opts, err, tt.wantErr)
		}
	}
}

func TestCacheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		opts map[string]string
		want string
	}{
		{nil, nil, "gcr|adc|"},
		{map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": "/k.json"}, nil, "gcr|/k.json|"},
		{map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": "/k.json"}, map[string]string{optCredentialsFile: "/r.json"}, "gcr|/r.json|"},
		{nil, map[string]string{optImpersonate: "p@proj.iam.gserviceaccount.com"}, "gcr|adc|p@proj.iam.gserviceaccount.com"},
		// Two gcloud configurations, or another metadata server, never share.
		{map[string]string{"HOME": "/home/a"}, nil, "gcr|adc:" + filepath.Join("/home/a", ".config", "gcloud", "application_default_credentials.json") + "|"},
		{map[string]string{"HOME": "/home/a", "CLOUDSDK_CONFIG": "/cfg/work"}, nil, "gcr|adc:" + filepath.Join("/cfg/work", "application_default_credentials.json") + "|"},
		{map[string]string{"GCE_METADATA_HOST": "127.0.0.1:8080"}, nil, "gcr|adc,metadata=127.0.0.1:8080|"},
	}
	for _, tt := range tests {
		p, err := New(tt.env, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		// One token per identity: the host does not matter.
		for _, host := range []string{"gcr.io", "us-docker.pkg.dev", "docker.us-central1.rep.pkg.dev"} {
			if got := p.CacheKey(auth.Key{Raw: host, Host: host}); got != tt.want {
				t.Errorf("CacheKey(%s) with %v %v = %q, want %q", host, tt.env, tt.opts, got, tt.want)
			}
		}
	}
}

func TestProxyFunc(t *testing.T) {
	t.Parallel()
	env := map[string]string{"https_proxy": "http://proxy.example:3128", "HTTP_PROXY": "http://proxy.example:3128",
		"GCE_METADATA_HOST": "metadata.internal.example:8080"}
	pv, err := New(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := pv.(*provider).httpClient().Transport.(*http.Transport).Proxy
	for target, want := range map[string]string{
		"https://oauth2.googleapis.com/token":                   "proxy.example:3128",
		"http://169.254.169.254/computeMetadata/v1/":            "",
		"http://metadata.google.internal/computeMetadata/v1/":   "",
		"http://metadata.internal.example:8080/computeMetadata": "",
		"https://127.0.0.1:8443/token":                          "",
	} {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		u, err := f(req)
		got := ""
		if u != nil {
			got = u.Host
		}
		if err != nil || got != want {
			t.Errorf("proxy for %s = %q, %v; want %q", target, got, err, want)
		}
	}
}
