package registryapi

import (
	"strings"
	"testing"
)

func TestScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path, want string
	}{
		{"GET", "/v2/_catalog", "registry:catalog:*"},
		{"GET", "/v2/", ""},
		{"GET", "/v2", ""},
		{"GET", "/other", ""},
		{"GET", "/v2/app/tags/list", "repository:app:pull"},
		{"GET", "/v2/team/app/tags/list", "repository:team/app:pull"},
		{"HEAD", "/v2/team/app/manifests/v1", "repository:team/app:pull"},
		{"GET", "/v2/app/blobs/sha256:abc", "repository:app:pull"},
		{"GET", "/v2/app/referrers/sha256:abc", "repository:app:pull"},
		{"PUT", "/v2/app/manifests/v2", "repository:app:pull,push"},
		{"put", "/v2/app/manifests/v2", "repository:app:pull,push"},
		{"POST", "/v2/app/blobs/uploads/", "repository:app:pull,push"},
		{"PATCH", "/v2/app/blobs/uploads/3f-uuid", "repository:app:pull,push"},
		{"PUT", "/v2/app/blobs/uploads/3f-uuid", "repository:app:pull,push"},
		{"DELETE", "/v2/app/manifests/sha256:abc", "repository:app:delete"},
		{"DELETE", "/v2/a/b/blobs/sha256:abc", "repository:a/b:delete"},
		{"DELETE", "/v2/app/blobs/uploads/3f-uuid", "repository:app:pull,push"},
		// A repository may be named like a route: the route is the suffix.
		{"GET", "/v2/manifests/manifests/v1", "repository:manifests:pull"},
		{"GET", "/v2/x/tags/list/tags/list", "repository:x/tags/list:pull"},
		{"GET", "/v2/x/blobs/blobs/sha256:abc", "repository:x/blobs:pull"},
		{"GET", "/v2/app/manifests/", ""},
		{"GET", "/v2/manifests/v1", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(Scopes(tt.method, tt.path), " "); got != tt.want {
			t.Errorf("Scopes(%s, %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestMergeScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b []string
		want string
	}{
		{nil, nil, ""},
		{[]string{"repository:app:pull"}, []string{"repository:app:pull"}, "repository:app:pull"},
		{[]string{"repository:app:delete"}, []string{"repository:app:pull"}, "repository:app:delete,pull"},
		{[]string{"repository:app:pull,push"}, []string{"registry:catalog:*"}, "repository:app:pull,push registry:catalog:*"},
		// Several scopes in one challenge parameter; a port in the name.
		{[]string{"repository:a:pull repository:localhost:5000/b:push"}, []string{"repository:localhost:5000/b:pull"},
			"repository:a:pull repository:localhost:5000/b:pull,push"},
		// The challenge's order of actions does not carry over.
		{[]string{"repository:app:push,pull"}, []string{"repository:app:pull,push"}, "repository:app:pull,push"},
		{[]string{"repository:app:push,delete,pull"}, nil, "repository:app:delete,pull,push"},
		{[]string{"junk", "repository:"}, []string{"repository:a:pull"}, "repository:a:pull"},
	}
	for _, tt := range tests {
		if got := strings.Join(MergeScopes(tt.a, tt.b), " "); got != tt.want {
			t.Errorf("MergeScopes(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestIsManifest(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		"/v2/app/manifests/v1":      true,
		"/v2/a/b/manifests/sha256:": true,
		"/v2/app/tags/list":         false,
		"/v2/app/blobs/sha256:abc":  false,
		"/v2/app/manifests/":        false,
		"/app/manifests/v1":         false,
	} {
		if got := IsManifest(path); got != want {
			t.Errorf("IsManifest(%s) = %v", path, got)
		}
	}
}

func TestMediaType(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`: "application/vnd.oci.image.manifest.v1+json",
		`{"schemaVersion":2}`: "",
		`not json`:            "",
		``:                    "",
	} {
		r := strings.NewReader(body)
		if got := MediaType(r); got != want {
			t.Errorf("MediaType(%q) = %q, want %q", body, got, want)
		}
		if r.Len() != len(body) {
			t.Errorf("MediaType(%q) left the body at %d", body, len(body)-r.Len())
		}
	}
}
