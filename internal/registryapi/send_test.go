package registryapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/regauth"
)

// userHeaders are headers a person might pass with -H, two of them
// credentials that must not follow a redirect to another host.
func userHeaders() http.Header {
	return http.Header{
		"Accept":        {"application/octet-stream"},
		"Authorization": {"Bearer hand-set-token"},
		"Cookie":        {"session=hand-set-cookie"},
	}
}

// TestRedirectToStorage: a blob GET redirected to storage on another host
// (another port, or the same port under another name: localhost is not
// 127.0.0.1) is followed, and storage receives no credential of any kind:
// not the registry's Authorization, not the password or token, not the
// credentials set by hand; the harmless headers still go.
func TestRedirectToStorage(t *testing.T) {
	t.Parallel()
	for _, bearer := range []bool{false, true} {
		for _, target := range []string{"other port", "same port, localhost"} {
			t.Run(fmt.Sprintf("bearer=%v/%s", bearer, target), func(t *testing.T) {
				t.Parallel()
				storage, storageRec := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
					_, _ = w.Write([]byte("blob bytes"))
				})
				f := &fakeRegistry{bearer: bearer}
				f.handler = func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/storage/blob" { // reached under the other name
						_, _ = w.Write([]byte("blob bytes"))
						return
					}
					loc := storage.URL + "/blob?X-Amz-Signature=sig-f00d"
					if target != "other port" {
						loc = "http://localhost:" + strings.Split(f.host(), ":")[1] + "/storage/blob?X-Amz-Signature=sig-f00d"
					}
					http.Redirect(w, r, loc, http.StatusTemporaryRedirect)
				}
				f.start(t)
				c := New(f.host(), Options{Credential: credFunc(auth.Credential{Username: f.user, Secret: f.pass}, nil, nil)})
				resp, err := c.Do(context.Background(), Request{Method: "GET", URL: f.url(t, "/v2/app/blobs/sha256:abc"), Header: userHeaders()})
				if err != nil {
					t.Fatal(err)
				}
				body := new(bytes.Buffer)
				_, _ = body.ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || body.String() != "blob bytes" {
					t.Fatalf("got %d %q", resp.StatusCode, body)
				}
				var hops []seen
				if target == "other port" {
					hops = storageRec.all()
				} else {
					for _, r := range f.rec.all() {
						if strings.HasPrefix(r.Host, "localhost:") {
							hops = append(hops, r)
						}
					}
				}
				if len(hops) != 1 || hops[0].Header.Get("Accept") != "application/octet-stream" {
					t.Fatalf("storage requests %+v, want one with the Accept header", hops)
				}
				rec := &recorder{reqs: hops}
				rec.assertNoSecret(t, f.pass, "hand-set-token", "hand-set-cookie", "tok-")
			})
		}
	}
}

// TestRedirectPolicy: what each kind of redirect carries.
func TestRedirectPolicy(t *testing.T) {
	t.Parallel()
	cred := auth.Credential{Username: "alice", Secret: "s3cret-pw"}
	basic := "Basic " + basicValue(cred)

	t.Run("same host keeps the credential", func(t *testing.T) {
		t.Parallel()
		f := (&fakeRegistry{handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/app/blobs/sha256:abc" {
				http.Redirect(w, r, "/v2/app/blobs/sha256:def", http.StatusTemporaryRedirect)
				return
			}
			okHandler(w, r)
		}}).start(t)
		c := New(f.host(), Options{Credential: credFunc(cred, nil, nil)})
		if code, _ := call(t, c, "GET", f.url(t, "/v2/app/blobs/sha256:abc"), nil, nil); code != 200 {
			t.Fatalf("got %d", code)
		}
		reqs := f.rec.all()
		if last := reqs[len(reqs)-1]; last.URL != "/v2/app/blobs/sha256:def" || last.Header.Get("Authorization") != basic {
			t.Errorf("redirected request %s with Authorization %q", last.URL, last.Header.Get("Authorization"))
		}
	})

	t.Run("a hop that left the registry never gets it back", func(t *testing.T) {
		t.Parallel()
		var f *fakeRegistry
		bounce, bounceRec := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, f.srv.URL+"/v2/app/blobs/sha256:def", http.StatusFound)
		})
		f = (&fakeRegistry{handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, bounce.URL+"/elsewhere", http.StatusFound)
		}}).start(t)
		c := New(f.host(), Options{Credential: credFunc(cred, nil, nil)})
		code, _ := call(t, c, "GET", f.url(t, "/v2/app/blobs/sha256:abc"), nil, nil)
		if code != http.StatusUnauthorized {
			t.Errorf("got %d, want the registry's 401 to the credential-less hop, unanswered", code)
		}
		reqs := f.rec.all()
		if last := reqs[len(reqs)-1]; last.URL != "/v2/app/blobs/sha256:def" || last.Header.Get("Authorization") != "" {
			t.Errorf("the hop back to the registry: %s with Authorization %q", last.URL, last.Header.Get("Authorization"))
		}
		bounceRec.assertNoSecret(t, cred.Secret)
	})

	t.Run("307 keeps method and body, 303 turns into GET", func(t *testing.T) {
		t.Parallel()
		storage, storageRec := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/see-other" {
				http.Redirect(w, r, "/done", http.StatusSeeOther)
				return
			}
			w.WriteHeader(http.StatusCreated)
		})
		f := (&fakeRegistry{handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, storage.URL+"/see-other", http.StatusTemporaryRedirect)
		}}).start(t)
		c := New(f.host(), Options{Credential: credFunc(cred, nil, nil)})
		if code, _ := call(t, c, "PUT", f.url(t, "/v2/app/blobs/uploads/u1?digest=sha256:abc"), nil, strings.NewReader("layer data")); code != http.StatusCreated {
			t.Fatalf("got %d", code)
		}
		got := storageRec.all()
		if len(got) != 2 || got[0].Method != "PUT" || got[0].Body != "layer data" || got[1].Method != "GET" || got[1].Body != "" {
			t.Errorf("storage requests %+v: want PUT with the body, then GET without", got)
		}
		storageRec.assertNoSecret(t, cred.Secret)
	})

	t.Run("HTTPS down to HTTP drops the credential", func(t *testing.T) {
		t.Parallel()
		// A TLS registry redirecting to plain HTTP on its own host and
		// port: what the client sent is in its trace.
		var trace bytes.Buffer
		reg, _ := newServer(t, true, func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != cred.Username || p != cred.Secret {
				w.Header().Set("WWW-Authenticate", `Basic realm="r"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, strings.Replace(r.URL.String(), "/v2/", "http://"+r.Host+"/v2/x/", 1), http.StatusTemporaryRedirect)
		})
		c := New(hostOf(reg), Options{Insecure: true, Trace: &trace, Credential: credFunc(cred, nil, nil)})
		u, _ := url.Parse(reg.URL + "/v2/app/blobs/sha256:abc")
		if resp, err := c.Do(context.Background(), Request{Method: "GET", URL: u}); err == nil {
			resp.Body.Close() // the TLS port answers the plain request with 400
		}
		hops := strings.Split(trace.String(), "> GET ")
		last := hops[len(hops)-1]
		if !strings.HasPrefix(last, "http://") || strings.Contains(last, "Authorization") {
			t.Errorf("downgraded hop:\n%s\nwant http:// and no Authorization", last)
		}
		if !strings.Contains(trace.String(), "Authorization: Basic [redacted]") {
			t.Errorf("the HTTPS request did not carry the credential:\n%s", trace.String())
		}
	})

	t.Run("plain HTTP to another host is refused", func(t *testing.T) {
		t.Parallel()
		f := (&fakeRegistry{handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://storage.example.invalid/blob", http.StatusTemporaryRedirect)
		}}).start(t)
		c := New(f.host(), Options{Insecure: true, Credential: credFunc(cred, nil, nil)})
		_, err := c.Do(context.Background(), Request{Method: "GET", URL: f.url(t, "/v2/app/blobs/sha256:abc")})
		if !errors.Is(err, regauth.ErrPlainHTTP) || !strings.Contains(err.Error(), "storage.example.invalid") {
			t.Errorf("error = %v, want ErrPlainHTTP naming the host", err)
		}
	})

	t.Run("redirect loop", func(t *testing.T) {
		t.Parallel()
		f := (&fakeRegistry{handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}}).start(t)
		c := New(f.host(), Options{Credential: credFunc(cred, nil, nil)})
		_, err := c.Do(context.Background(), Request{Method: "GET", URL: f.url(t, "/v2/")})
		if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
			t.Errorf("error = %v", err)
		}
	})

	t.Run("token requests are not redirected", func(t *testing.T) {
		t.Parallel()
		storage, storageRec := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"token":"stolen"}`)
		})
		tokenSrv, _ := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, storage.URL+"/token", http.StatusTemporaryRedirect)
		})
		reg, _ := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="s"`, tokenSrv.URL))
			w.WriteHeader(http.StatusUnauthorized)
		})
		for _, cr := range []auth.Credential{cred, {Username: auth.TokenUsername, Secret: "rt-9"}} {
			c := New(hostOf(reg), Options{Credential: credFunc(cr, nil, nil)})
			u, _ := url.Parse(reg.URL + "/v2/_catalog")
			_, err := c.Do(context.Background(), Request{Method: "GET", URL: u})
			if err == nil || !strings.Contains(err.Error(), "307") {
				t.Errorf("%s: error = %v, want the token server's 307 as a failure", cr.Username, err)
			}
		}
		if n := len(storageRec.all()); n != 0 {
			t.Errorf("the redirect target got %d requests", n)
		}
	})
}

func basicValue(c auth.Credential) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(c.Username, c.Secret)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
