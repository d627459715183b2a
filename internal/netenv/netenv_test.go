package netenv

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestProxyFunc(t *testing.T) {
	t.Parallel()
	env := map[string]string{"https_proxy": "http://proxy.example:3128", "HTTP_PROXY": "http://up.example:8080", "NO_PROXY": "skip.example"}
	for _, tc := range []struct{ url, want string }{
		{"https://ghcr.io/v2/", "http://proxy.example:3128"},
		{"http://registry.example/v2/", "http://up.example:8080"},
		{"https://skip.example/v2/", ""},
		{"http://127.0.0.1:5000/v2/", ""},
		{"http://localhost:5000/v2/", ""},
		{"http://169.254.169.254/token", ""},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.url, nil)
		u, err := ProxyFunc(env, "169.254.169.254")(req)
		got := ""
		if u != nil {
			got = u.String()
		}
		if err != nil || got != tc.want {
			t.Errorf("proxy for %s = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
}

func TestClientRefusesRedirects(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.example/", http.StatusFound)
	}))
	defer srv.Close()
	_, err := Client(nil, nil).Get(srv.URL)
	if !errors.Is(err, ErrRedirect) {
		t.Fatalf("Get = %v, want ErrRedirect", err)
	}
}
