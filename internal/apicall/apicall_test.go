package apicall

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/registryapi"
	"github.com/regkey/regkey/internal/testenv"
)

// apiFake is a Basic-auth registry with a paginated catalog of three
// repositories, one manifest and a record of what it received.
type apiFake struct {
	srv *httptest.Server

	mu   sync.Mutex
	reqs []apiReq
}

type apiReq struct {
	Method, URL, Accept, ContentType, Body string
}

const apiManifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}`

func newAPIFake(t *testing.T) *apiFake {
	t.Helper()
	f := &apiFake{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *apiFake) host() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *apiFake) requests() []apiReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiReq(nil), f.reqs...)
}

func (f *apiFake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, apiReq{r.Method, r.URL.String(), r.Header.Get("Accept"), r.Header.Get("Content-Type"), string(body)})
	f.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret-pw" {
		w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
		writeJSONBody(w, 401, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
		return
	}
	repos := []string{"a", "b/c", "d"}
	switch {
	case r.URL.Path == "/v2/_catalog":
		i := 0
		for last := r.URL.Query().Get("last"); last != "" && i < len(repos) && repos[i] <= last; i++ {
		}
		if i+1 < len(repos) {
			w.Header().Set("Link", fmt.Sprintf(`</v2/_catalog?last=%s&n=1>; rel="next"`, repos[i]))
		}
		writeJSONBody(w, 200, fmt.Sprintf(`{"repositories":["%s"]}`+"\n", repos[i]))
	case r.URL.Path == "/v2/a/manifests/v1" && (r.Method == "GET" || r.Method == "HEAD"):
		w.Header().Set("Docker-Content-Digest", "sha256:1111")
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.WriteHeader(200)
		if r.Method == "GET" {
			_, _ = io.WriteString(w, apiManifest)
		}
	case r.URL.Path == "/v2/a/manifests/v2" && r.Method == "PUT":
		w.Header().Set("Docker-Content-Digest", "sha256:2222")
		w.WriteHeader(http.StatusCreated)
	case r.URL.Path == "/v2/a/manifests/v1" && r.Method == "DELETE":
		writeJSONBody(w, 400, `{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}`)
	default:
		writeJSONBody(w, 404, `{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`)
	}
}

func writeJSONBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// apiTest returns options for a run against f with the given credentials,
// the real jq as the --jq filter, and the captured streams.
func apiTest(t *testing.T, f *apiFake, creds map[string]auth.Credential, stdin string) (*Options, *strings.Builder, *strings.Builder) {
	t.Helper()
	var out, errOut strings.Builder
	env := config.Env{"PATH": filepath.Dir(testenv.RequireProgram(t, "jq"))}
	return &Options{
		In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut,
		Credential: func(_ context.Context, host string) (auth.Credential, error) {
			if c, ok := creds[host]; ok {
				return c, nil
			}
			return auth.Credential{}, fmt.Errorf("%q: %w", host, auth.ErrNotFound)
		},
		NewFilter: func(expr string, pretty bool) (Filter, error) { return NewJQ(env, expr, pretty) },
		Method:    "GET",
	}, &out, &errOut
}

func TestRun(t *testing.T) {
	t.Parallel()
	alice := auth.Credential{Username: "alice", Secret: "s3cret-pw"}
	dir := t.TempDir()
	manifest := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(manifest, []byte(apiManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		opts     Options // flags; Target is a path on the fake
		stdin    string
		creds    bool
		wrongPW  bool
		wantOut  string // stdout's start
		outHas   string // and something in it
		wantErr  string // substring; "" for success
		usage    bool
		hint     string
		wantReqs func(t *testing.T, reqs []apiReq)
	}{
		{
			name: "catalog, paginated, filtered per page", creds: true,
			opts:    Options{Target: "/v2/_catalog?n=1", Paginate: true, JQ: ".repositories[]"},
			wantOut: "a\nb/c\nd\n",
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if len(reqs) != 4 || reqs[3].URL != "/v2/_catalog?last=b/c&n=1" {
					t.Errorf("requests %+v: want a 401 and three pages", reqs)
				}
			},
		},
		{
			name: "catalog pages unfiltered", creds: true,
			opts:    Options{Target: "/v2/_catalog?n=1", Paginate: true},
			wantOut: "{\"repositories\":[\"a\"]}\n{\"repositories\":[\"b/c\"]}\n{\"repositories\":[\"d\"]}\n",
		},
		{
			name: "without --paginate, one page", creds: true,
			opts:    Options{Target: "/v2/_catalog?n=1", JQ: ".repositories"},
			wantOut: "[\"a\"]\n",
		},
		{
			name: "digest with -X HEAD -i and the manifest Accept by default", creds: true,
			opts:    Options{Target: "/v2/a/manifests/v1", Method: "HEAD", Include: true},
			wantOut: "HTTP/1.1 200 OK\n",
			outHas:  "\nDocker-Content-Digest: sha256:1111\n",
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if got := reqs[len(reqs)-1].Accept; got != registryapi.ManifestAccept {
					t.Errorf("Accept %q, want the manifest types", got)
				}
			},
		},
		{
			name: "an Accept given wins", creds: true,
			opts:    Options{Target: "/v2/a/manifests/v1", Headers: []string{"Accept: application/vnd.oci.image.manifest.v1+json"}, JQ: ".mediaType"},
			wantOut: "application/vnd.oci.image.manifest.v1+json\n",
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if got := reqs[len(reqs)-1].Accept; got != "application/vnd.oci.image.manifest.v1+json" {
					t.Errorf("Accept %q", got)
				}
			},
		},
		{
			name: "PUT from a file, Content-Type from the manifest", creds: true,
			opts: Options{Target: "/v2/a/manifests/v2", Method: "PUT", Input: manifest, Include: true, Silent: true},
			wantReqs: func(t *testing.T, reqs []apiReq) {
				// The body goes out again after the challenge.
				for _, r := range reqs {
					if r.Body != apiManifest || r.ContentType != "application/vnd.oci.image.manifest.v1+json" {
						t.Errorf("PUT sent %+v", r)
					}
				}
			},
			wantOut: "HTTP/1.1 201 Created\n",
		},
		{
			name: "PUT from stdin, Content-Type given", creds: true, stdin: apiManifest,
			opts: Options{Target: "/v2/a/manifests/v2", Method: "PUT", Input: "-", Headers: []string{"Content-Type: application/x-test"}},
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if r := reqs[len(reqs)-1]; r.Body != apiManifest || r.ContentType != "application/x-test" {
					t.Errorf("PUT sent %+v", r)
				}
			},
		},
		{
			name: "registry error: body printed, summary returned", creds: true,
			opts:    Options{Target: "/v2/a/manifests/v1", Method: "DELETE"},
			wantOut: `{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}`,
			wantErr: "400 Bad Request: DIGEST_INVALID: provided digest did not match uploaded content",
		},
		{
			name: "registry error with --jq: no body", creds: true,
			opts:    Options{Target: "/v2/nothing/tags/list", JQ: ".tags[]"},
			wantErr: "404 Not Found: NAME_UNKNOWN: repository name not known to registry",
		},
		{
			name:    "no credentials: 401 and a hint to log in",
			opts:    Options{Target: "/v2/_catalog", Silent: true},
			wantErr: "401 Unauthorized: UNAUTHORIZED: authentication required",
			hint:    "regkey has no credentials for HOST: run `regkey login HOST`",
		},
		{
			name: "a refused credential: a hint to replace it", wrongPW: true,
			opts:    Options{Target: "/v2/_catalog", JQ: ".repositories[]"},
			wantErr: "401 Unauthorized: UNAUTHORIZED: authentication required",
			hint:    "the registry refused the credentials regkey has for HOST (see `regkey status`): run `regkey login HOST`",
		},
		{
			name: "a jq that does not compile is a usage error, before any request", creds: true,
			opts:    Options{Target: "/v2/_catalog", JQ: ".repositories["},
			wantErr: "syntax error", usage: true,
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if len(reqs) != 0 {
					t.Errorf("%d requests made", len(reqs))
				}
			},
		},
		{
			name: "a jq failing at run time", creds: true,
			opts:    Options{Target: "/v2/_catalog?n=1", JQ: ".tags[]"},
			wantErr: "Cannot iterate over null",
		},
		{
			name:    "bad target",
			opts:    Options{Target: "ftp://h/v2/"},
			wantErr: "scheme", usage: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newAPIFake(t)
			creds := map[string]auth.Credential{}
			if tt.creds {
				creds[f.host()] = alice
			}
			if tt.wrongPW {
				creds[f.host()] = auth.Credential{Username: "alice", Secret: "old-pw"}
			}
			opts, out, errOut := apiTest(t, f, creds, tt.stdin)
			o := tt.opts
			o.In, o.Out, o.ErrOut, o.Credential, o.NewFilter = opts.In, opts.Out, opts.ErrOut, opts.Credential, opts.NewFilter
			if o.Method == "" {
				o.Method = "GET"
			}
			if strings.HasPrefix(o.Target, "/") {
				o.Target = f.host() + o.Target
			}
			err := Run(context.Background(), &o)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if tt.usage != cmderr.IsUsage(err) {
				t.Errorf("usage error = %v for %v", !tt.usage, err)
			}
			if tt.hint != "" {
				want := strings.ReplaceAll(tt.hint, "HOST", f.host())
				if !strings.Contains(cmderr.HintOf(err), want) {
					t.Errorf("error %v: want the hint %q", err, want)
				}
			}
			if !strings.HasPrefix(out.String(), tt.wantOut) || (tt.wantOut == "" && out.Len() > 0 && !o.Include) {
				t.Errorf("stdout %q, want %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(out.String(), tt.outHas) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.outHas)
			}
			if strings.Contains(out.String()+errOut.String(), alice.Secret) {
				t.Error("the secret reached the output")
			}
			if tt.wantReqs != nil {
				tt.wantReqs(t, f.requests())
			}
		})
	}
}

// TestRun_verbose: -v writes the trace on stderr, credential redacted,
// and leaves stdout to the body.
func TestRun_verbose(t *testing.T) {
	t.Parallel()
	f := newAPIFake(t)
	opts, out, errOut := apiTest(t, f, map[string]auth.Credential{f.host(): {Username: "alice", Secret: "s3cret-pw"}}, "")
	opts.Target, opts.Verbose = f.host()+"/v2/_catalog?n=1", true
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != "{\"repositories\":[\"a\"]}\n" {
		t.Errorf("stdout %q", out.String())
	}
	for _, want := range []string{"> GET http://" + f.host() + "/v2/_catalog?n=1\n", "< HTTP/1.1 401 Unauthorized\n",
		"> Authorization: Basic [redacted]\n", "< HTTP/1.1 200 OK\n", "< Link: </v2/_catalog?last=a&n=1>; rel=\"next\"\n"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if strings.Contains(errOut.String(), "s3cret-pw") || strings.Contains(errOut.String(), "YWxpY2U6czNjcmV0LXB3") {
		t.Errorf("the trace shows the credential:\n%s", errOut.String())
	}
}

// TestRun_plainHTTP: plain HTTP to a registry that is not loopback is a
// usage error without --insecure, before anything is sent.
func TestRun_plainHTTP(t *testing.T) {
	t.Parallel()
	f := newAPIFake(t)
	opts, _, _ := apiTest(t, f, nil, "")
	opts.Target = "http://registry.example.invalid/v2/"
	err := Run(context.Background(), opts)
	if !cmderr.IsUsage(err) || !strings.Contains(err.Error(), "--insecure") {
		t.Errorf("error = %v, want a usage error naming --insecure", err)
	}
}
