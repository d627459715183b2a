package cli

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

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/registryapi"
	"github.com/regkey/regkey/internal/testenv"
)

func Test_NewCmdAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		want    APIOptions
		wantErr string
	}{
		{args: "h.example/v2/", want: APIOptions{Target: "h.example/v2/", Method: "GET"}},
		{args: "-X head -i h/v2/a/manifests/v1", want: APIOptions{Target: "h/v2/a/manifests/v1", Method: "HEAD", MethodGiven: true, Include: true}},
		{args: "--method DELETE h/v2/a/manifests/sha256:x", want: APIOptions{Target: "h/v2/a/manifests/sha256:x", Method: "DELETE", MethodGiven: true}},
		{args: "--input m.json h/v2/a/blobs/uploads/", want: APIOptions{Target: "h/v2/a/blobs/uploads/", Method: "POST", Input: "m.json"}},
		{args: "-X PUT --input - h/v2/a/manifests/v2", want: APIOptions{Target: "h/v2/a/manifests/v2", Method: "PUT", MethodGiven: true, Input: "-"}},
		{args: "-H Accept:a/b -H X-Y:1 h/v2/", want: APIOptions{Target: "h/v2/", Method: "GET", Headers: []string{"Accept:a/b", "X-Y:1"}}},
		{args: "--paginate -q .tags[] h/v2/a/tags/list", want: APIOptions{Target: "h/v2/a/tags/list", Method: "GET", Paginate: true, JQ: ".tags[]"}},
		{args: "--jq=.x --silent=false -v --insecure h/v2/", want: APIOptions{Target: "h/v2/", Method: "GET", JQ: ".x", Verbose: true, Insecure: true}},
		{args: "--silent h/v2/", want: APIOptions{Target: "h/v2/", Method: "GET", Silent: true}},
		{args: "", wantErr: "accepts 1 arg"},
		{args: "a b", wantErr: "accepts 1 arg"},
		{args: "-X PUT --paginate h/v2/", wantErr: "--paginate works only with GET"},
		{args: "--paginate --input f h/v2/", wantErr: "--paginate works only with GET"},
		{args: "-X GET --paginate --input f h/v2/", wantErr: "mutually exclusive"},
		{args: "--silent --jq .x h/v2/", wantErr: "mutually exclusive"},
		{args: "-X G(T h/v2/", wantErr: "not an HTTP method"},
		{args: "-H NoColon h/v2/", wantErr: "want key:value"},
		{args: "--nope h/v2/", wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.ParseArgs(t, NewCmdAPI, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(APIOptions{}, "IO", "Lookup", "ClientOptions", "NewFilter")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if got.Lookup == nil || got.NewFilter == nil || len(got.ClientOptions.CertDirs) != 2 || got.ClientOptions.Proxy == nil ||
				!strings.HasPrefix(got.ClientOptions.UserAgent, "regkey/") {
				t.Errorf("options not wired from the cmdutil.Factory: %+v", got)
			}
		})
	}
}

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
func apiTest(t *testing.T, f *apiFake, creds map[string]auth.Credential, stdin string) (*APIOptions, *strings.Builder, *strings.Builder) {
	t.Helper()
	var out, errOut strings.Builder
	env := config.Env{"PATH": filepath.Dir(testenv.RequireProgram(t, "jq"))}
	return &APIOptions{
		IO:        cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut},
		Lookup:    func() credentialSource { return mapSource{creds: creds} },
		NewFilter: func(expr string, pretty bool) (jsonFilter, error) { return newJQ(env, expr, pretty) },
		Method:    "GET",
	}, &out, &errOut
}

func Test_apiRun(t *testing.T) {
	t.Parallel()
	alice := auth.Credential{Username: "alice", Secret: "s3cret-pw"}
	dir := t.TempDir()
	manifest := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(manifest, []byte(apiManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		opts     APIOptions // flags; Target is a path on the fake
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
			opts:    APIOptions{Target: "/v2/_catalog?n=1", Paginate: true, JQ: ".repositories[]"},
			wantOut: "a\nb/c\nd\n",
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if len(reqs) != 4 || reqs[3].URL != "/v2/_catalog?last=b/c&n=1" {
					t.Errorf("requests %+v: want a 401 and three pages", reqs)
				}
			},
		},
		{
			name: "catalog pages unfiltered", creds: true,
			opts:    APIOptions{Target: "/v2/_catalog?n=1", Paginate: true},
			wantOut: "{\"repositories\":[\"a\"]}\n{\"repositories\":[\"b/c\"]}\n{\"repositories\":[\"d\"]}\n",
		},
		{
			name: "without --paginate, one page", creds: true,
			opts:    APIOptions{Target: "/v2/_catalog?n=1", JQ: ".repositories"},
			wantOut: "[\"a\"]\n",
		},
		{
			name: "digest with -X HEAD -i and the manifest Accept by default", creds: true,
			opts:    APIOptions{Target: "/v2/a/manifests/v1", Method: "HEAD", Include: true},
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
			opts:    APIOptions{Target: "/v2/a/manifests/v1", Headers: []string{"Accept: application/vnd.oci.image.manifest.v1+json"}, JQ: ".mediaType"},
			wantOut: "application/vnd.oci.image.manifest.v1+json\n",
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if got := reqs[len(reqs)-1].Accept; got != "application/vnd.oci.image.manifest.v1+json" {
					t.Errorf("Accept %q", got)
				}
			},
		},
		{
			name: "PUT from a file, Content-Type from the manifest", creds: true,
			opts: APIOptions{Target: "/v2/a/manifests/v2", Method: "PUT", Input: manifest, Include: true, Silent: true},
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
			opts: APIOptions{Target: "/v2/a/manifests/v2", Method: "PUT", Input: "-", Headers: []string{"Content-Type: application/x-test"}},
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if r := reqs[len(reqs)-1]; r.Body != apiManifest || r.ContentType != "application/x-test" {
					t.Errorf("PUT sent %+v", r)
				}
			},
		},
		{
			name: "registry error: body printed, summary returned", creds: true,
			opts:    APIOptions{Target: "/v2/a/manifests/v1", Method: "DELETE"},
			wantOut: `{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}`,
			wantErr: "400 Bad Request: DIGEST_INVALID: provided digest did not match uploaded content",
		},
		{
			name: "registry error with --jq: no body", creds: true,
			opts:    APIOptions{Target: "/v2/nothing/tags/list", JQ: ".tags[]"},
			wantErr: "404 Not Found: NAME_UNKNOWN: repository name not known to registry",
		},
		{
			name:    "no credentials: 401 and a hint to log in",
			opts:    APIOptions{Target: "/v2/_catalog", Silent: true},
			wantErr: "401 Unauthorized: UNAUTHORIZED: authentication required",
			hint:    "regkey has no credentials for HOST: run `regkey login HOST`",
		},
		{
			name: "a refused credential: a hint to replace it", wrongPW: true,
			opts:    APIOptions{Target: "/v2/_catalog", JQ: ".repositories[]"},
			wantErr: "401 Unauthorized: UNAUTHORIZED: authentication required",
			hint:    "the registry refused the credentials regkey has for HOST (see `regkey status`): run `regkey login HOST`",
		},
		{
			name: "a jq that does not compile is a usage error, before any request", creds: true,
			opts:    APIOptions{Target: "/v2/_catalog", JQ: ".repositories["},
			wantErr: "syntax error", usage: true,
			wantReqs: func(t *testing.T, reqs []apiReq) {
				if len(reqs) != 0 {
					t.Errorf("%d requests made", len(reqs))
				}
			},
		},
		{
			name: "a jq failing at run time", creds: true,
			opts:    APIOptions{Target: "/v2/_catalog?n=1", JQ: ".tags[]"},
			wantErr: "Cannot iterate over null",
		},
		{
			name:    "bad target",
			opts:    APIOptions{Target: "ftp://h/v2/"},
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
			o.IO, o.Lookup, o.NewFilter = opts.IO, opts.Lookup, opts.NewFilter
			if o.Method == "" {
				o.Method = "GET"
			}
			if strings.HasPrefix(o.Target, "/") {
				o.Target = f.host() + o.Target
			}
			err := apiRun(context.Background(), &o)
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

// Test_apiRun_verbose: -v writes the trace on stderr, credential redacted,
// and leaves stdout to the body.
func Test_apiRun_verbose(t *testing.T) {
	t.Parallel()
	f := newAPIFake(t)
	opts, out, errOut := apiTest(t, f, map[string]auth.Credential{f.host(): {Username: "alice", Secret: "s3cret-pw"}}, "")
	opts.Target, opts.Verbose = f.host()+"/v2/_catalog?n=1", true
	if err := apiRun(context.Background(), opts); err != nil {
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

// Test_apiRun_plainHTTP: plain HTTP to a registry that is not loopback is a
// usage error without --insecure, before anything is sent.
func Test_apiRun_plainHTTP(t *testing.T) {
	t.Parallel()
	f := newAPIFake(t)
	opts, _, _ := apiTest(t, f, nil, "")
	opts.Target = "http://registry.example.invalid/v2/"
	err := apiRun(context.Background(), opts)
	if !cmderr.IsUsage(err) || !strings.Contains(err.Error(), "--insecure") {
		t.Errorf("error = %v, want a usage error naming --insecure", err)
	}
}

func TestNewJQMissing(t *testing.T) {
	t.Parallel()
	_, err := newJQ(config.Env{"PATH": t.TempDir()}, ".", false)
	if !strings.Contains(err.Error(), "--jq needs the jq program") || !strings.Contains(cmderr.HintOf(err), "apt-get install jq") {
		t.Errorf("error = %v, want one saying jq is needed, with a hint", err)
	}
}

// TestJQEnvironment: jq gets an allowlisted environment, never regkey's
// secrets.
func TestJQEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dump := filepath.Join(dir, "env.txt")
	script := "#!/bin/sh\nexport -p > '" + dump + "'\nprintf 'filtered\\n'\n"
	if err := os.WriteFile(filepath.Join(dir, "jq"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	env := config.Env{"PATH": dir, "HOME": dir, "LANG": "C.UTF-8", "REGKEY_FILE_KEY": "file-key-secret",
		"REGKEY_AUTH_H_EXAMPLE": "u:env-secret", "AWS_SECRET_ACCESS_KEY": "aws-secret"}
	j, err := newJQ(env, ".", false)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := j.Run(context.Background(), []byte(`{}`), &out); err != nil || out.String() != "filtered\n" {
		t.Fatalf("Run: %v, output %q", err, out.String())
	}
	got, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"file-key-secret", "env-secret", "aws-secret"} {
		if strings.Contains(string(got), secret) {
			t.Errorf("jq's environment holds %q:\n%s", secret, got)
		}
	}
	if !strings.Contains(string(got), "LANG") {
		t.Errorf("jq's environment lost LANG:\n%s", got)
	}
}

// TestNewJQFallsBackToGojq: without jq, gojq's command is used.
func TestNewJQFallsBackToGojq(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gojq"), []byte("#!/bin/sh\nexit 0\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	j, err := newJQ(config.Env{"PATH": dir}, ".", false)
	if err != nil || j.path != filepath.Join(dir, "gojq") {
		t.Fatalf("newJQ = %+v, %v; want gojq", j, err)
	}
}
