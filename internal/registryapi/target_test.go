package registryapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                   string
		host, endpoint, want string
		schemeGiven          bool
		wantErr              string
	}{
		{in: "127.0.0.1:5000/v2/_catalog?n=1", host: "127.0.0.1:5000", endpoint: "127.0.0.1:5000", want: "https://127.0.0.1:5000/v2/_catalog?n=1"},
		{in: "Registry.Example.com/v2/app/tags/list", host: "registry.example.com", endpoint: "registry.example.com", want: "https://registry.example.com/v2/app/tags/list"},
		{in: "https://ghcr.io/v2/owner/img/tags/list", host: "ghcr.io", endpoint: "ghcr.io", want: "https://ghcr.io/v2/owner/img/tags/list", schemeGiven: true},
		{in: "http://localhost:5000/v2/", host: "localhost:5000", endpoint: "localhost:5000", want: "http://localhost:5000/v2/", schemeGiven: true},
		{in: "HTTPS://h.example/v2/a/manifests/v1#frag", host: "h.example", endpoint: "h.example", want: "https://h.example/v2/a/manifests/v1", schemeGiven: true},
		{in: "h.example", host: "h.example", endpoint: "h.example", want: "https://h.example/v2/"},
		{in: "h.example/", host: "h.example", endpoint: "h.example", want: "https://h.example/v2/"},
		{in: "docker.io/v2/library/alpine/tags/list", host: "docker.io", endpoint: "registry-1.docker.io", want: "https://registry-1.docker.io/v2/library/alpine/tags/list"},
		{in: "[::1]:5000/v2/", host: "[::1]:5000", endpoint: "[::1]:5000", want: "https://[::1]:5000/v2/"},
		{in: "", wantErr: "empty target"},
		{in: "ftp://h.example/v2/", wantErr: "scheme"},
		{in: "https://alice:pw@h.example/v2/", wantErr: "user info"},
		{in: "alice:pw@h.example/v2/", wantErr: "user info"},
		{in: "https:///v2/", wantErr: "no registry host"},
		{in: "h..example/v2/", wantErr: "not a registry host"},
		{in: "h.example:99999/v2/", wantErr: "not a registry host"},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseTarget(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tt.in, err)
			continue
		}
		if got.Host != tt.host || got.Endpoint != tt.endpoint || got.URL.String() != tt.want || got.SchemeGiven != tt.schemeGiven {
			t.Errorf("ParseTarget(%q) = {%s %s %s %v}, want {%s %s %s %v}", tt.in,
				got.Host, got.Endpoint, got.URL, got.SchemeGiven, tt.host, tt.endpoint, tt.want, tt.schemeGiven)
		}
	}
}

func TestNextPage(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://127.0.0.1:5000/v2/_catalog?n=1")
	tests := []struct {
		name  string
		links []string
		want  string
	}{
		{"none", nil, ""},
		{"distribution's relative link", []string{`</v2/_catalog?last=ra%2Fimg&n=1>; rel="next"`}, "http://127.0.0.1:5000/v2/_catalog?last=ra%2Fimg&n=1"},
		{"absolute", []string{`<https://other.example/v2/_catalog?last=b>; rel="next"`}, "https://other.example/v2/_catalog?last=b"},
		{"unquoted rel, other links first", []string{`</first>; rel=first, </v2/x?last=c>; rel=next`}, "http://127.0.0.1:5000/v2/x?last=c"},
		{"several rel values", []string{`</p2>; rel="last next"`}, "http://127.0.0.1:5000/p2"},
		{"comma inside the URL", []string{`</v2/_catalog?last=a,b&n=1>; rel="next"`}, "http://127.0.0.1:5000/v2/_catalog?last=a,b&n=1"},
		{"second header", []string{`</prev>; rel="prev"`, `</v2/next>; rel="next"`}, "http://127.0.0.1:5000/v2/next"},
		{"only prev", []string{`</prev>; rel="prev"`}, ""},
		{"malformed", []string{`/v2/next; rel="next"`}, ""},
	}
	for _, tt := range tests {
		resp := &http.Response{Header: http.Header{"Link": tt.links}, Request: &http.Request{URL: base}}
		got, err := NextPage(resp)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if s := urlString(got); s != tt.want {
			t.Errorf("%s: NextPage = %q, want %q", tt.name, s, tt.want)
		}
	}
}

func urlString(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.String()
}
