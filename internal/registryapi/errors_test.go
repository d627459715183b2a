package registryapi

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/regkey/regkey/auth"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://registry.example/v2/app/manifests/v1?x=1")
	tests := []struct {
		name   string
		status int
		body   string
		want   string // "" for no error
	}{
		{"2xx", 202, ``, ""},
		{"registry error", 404, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v1"}}]}`,
			"DELETE https://registry.example/v2/app/manifests/v1: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown"},
		{"several", 400, `{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match"},{"code":"UNSUPPORTED"}]}`,
			"DELETE https://registry.example/v2/app/manifests/v1: 400 Bad Request: DIGEST_INVALID: provided digest did not match; UNSUPPORTED"},
		{"message only, with control characters", 403, `{"errors":[{"message":"no\nway"}]}`,
			"DELETE https://registry.example/v2/app/manifests/v1: 403 Forbidden: no way"},
		{"proxy page", 502, "<html>Bad gateway</html>\n<body>…</body>",
			"DELETE https://registry.example/v2/app/manifests/v1: 502 Bad Gateway: <html>Bad gateway</html>"},
		{"empty", 405, ``, "DELETE https://registry.example/v2/app/manifests/v1: 405 Method Not Allowed"},
		{"echoed secret", 401, `{"errors":[{"code":"UNAUTHORIZED","message":"bad password s3cret-pw"}]}`,
			"DELETE https://registry.example/v2/app/manifests/v1: 401 Unauthorized: UNAUTHORIZED: bad password ***"},
	}
	c := New("registry.example", Options{})
	c.cred = auth.Credential{Username: "alice", Secret: "s3cret-pw"}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.status, Status: fmt.Sprintf("%d %s", tt.status, http.StatusText(tt.status)),
			Request: &http.Request{Method: "DELETE", URL: u}}
		err := c.Check(resp, []byte(tt.body))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("%s: error = %v\nwant %s", tt.name, err, tt.want)
		}
	}
}
