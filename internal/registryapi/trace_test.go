package registryapi

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
)

// TestTrace: -v shows every request and response line and header, token
// requests included, and no secret: not the password, its Basic encoding,
// a token, a refresh token, a cookie, or the signature of a storage URL.
func TestTrace(t *testing.T) {
	t.Parallel()
	storage, _ := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "storage-cookie-77"})
		_, _ = w.Write([]byte("blob"))
	})
	for _, cred := range []auth.Credential{
		{Username: "alice", Secret: "s3cret-pw"},
		{Username: auth.TokenUsername, Secret: "rt-42"},
	} {
		var trace bytes.Buffer
		f := (&fakeRegistry{bearer: true, refresh: "rt-42", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, storage.URL+"/blob?X-Amz-Signature=sig-f00d&X-Amz-Credential=AKIA-key", http.StatusTemporaryRedirect)
		}}).start(t)
		c := New(f.host(), Options{Trace: &trace, Credential: credFunc(cred, nil, nil)})
		header := http.Header{"Cookie": {"c=hand-set-cookie"}}
		if code, body := call(t, c, "GET", f.url(t, "/v2/app/blobs/sha256:abc"), header, nil); code != 200 || body != "blob" {
			t.Fatalf("%s: got %d %q", cred.Username, code, body)
		}
		out := trace.String()
		wants := []string{
			"> GET " + f.srv.URL + "/v2/app/blobs/sha256:abc\n",
			"< HTTP/1.1 401 Unauthorized\n",
			"< Www-Authenticate: Bearer realm=",
			"> Authorization: Bearer [redacted]\n",
			"< HTTP/1.1 307 Temporary Redirect\n",
			"< Location: " + storage.URL + "/blob?[redacted]\n",
			"> GET " + storage.URL + "/blob?[redacted]\n",
			"< Set-Cookie: [redacted]\n",
			"> Cookie: [redacted]\n",
		}
		if cred.IsIdentityToken() {
			wants = append(wants, "> POST "+f.tokenSrv.URL+"/token\n", "-byte body not shown]\n")
		} else {
			// The token server's query (account, scope) is shown; the
			// password is not.
			wants = append(wants, "> GET "+f.tokenSrv.URL+"/token?account=alice&scope=repository%3Aapp%3Apull&service=fake\n",
				"> Authorization: Basic [redacted]\n")
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("%s: trace lacks %q:\n%s", cred.Username, w, out)
			}
		}
		tok := encodeToken([]string{"repository:app:pull"})
		for _, secret := range []string{cred.Secret, basicValue(cred), tok, "sig-f00d", "AKIA-key", "storage-cookie-77", "hand-set-cookie", `"token"`} {
			if strings.Contains(out, secret) {
				t.Errorf("%s: trace shows %q:\n%s", cred.Username, secret, out)
			}
		}
	}
}
