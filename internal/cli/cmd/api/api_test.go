package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regkey/regkey/internal/apicall"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
)

func Test_NewCmdAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		want    APIOptions
		wantErr string
	}{
		{args: "h.example/v2/", want: APIOptions{Options: apicall.Options{Target: "h.example/v2/", Method: "GET"}}},
		{args: "-X head -i h/v2/a/manifests/v1", want: APIOptions{Options: apicall.Options{Target: "h/v2/a/manifests/v1", Method: "HEAD", Include: true}, MethodGiven: true}},
		{args: "--method DELETE h/v2/a/manifests/sha256:x", want: APIOptions{Options: apicall.Options{Target: "h/v2/a/manifests/sha256:x", Method: "DELETE"}, MethodGiven: true}},
		{args: "--input m.json h/v2/a/blobs/uploads/", want: APIOptions{Options: apicall.Options{Target: "h/v2/a/blobs/uploads/", Method: "POST", Input: "m.json"}}},
		{args: "-X PUT --input - h/v2/a/manifests/v2", want: APIOptions{Options: apicall.Options{Target: "h/v2/a/manifests/v2", Method: "PUT", Input: "-"}, MethodGiven: true}},
		{args: "-H Accept:a/b -H X-Y:1 h/v2/", want: APIOptions{Options: apicall.Options{Target: "h/v2/", Method: "GET", Headers: []string{"Accept:a/b", "X-Y:1"}}}},
		{args: "--paginate -q .tags[] h/v2/a/tags/list", want: APIOptions{Options: apicall.Options{Target: "h/v2/a/tags/list", Method: "GET", Paginate: true, JQ: ".tags[]"}}},
		{args: "--jq=.x --silent=false -v --insecure h/v2/", want: APIOptions{Options: apicall.Options{Target: "h/v2/", Method: "GET", JQ: ".x", Verbose: true, Insecure: true}}},
		{args: "--silent h/v2/", want: APIOptions{Options: apicall.Options{Target: "h/v2/", Method: "GET", Silent: true}}},
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
			if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(APIOptions{},
				"Options.In", "Options.Out", "Options.ErrOut", "Options.Credential", "Options.ClientOptions", "Options.NewFilter")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if got.In == nil || got.Out == nil || got.ErrOut == nil || got.Credential == nil || got.NewFilter == nil || len(got.ClientOptions.CertDirs) != 2 || got.ClientOptions.Proxy == nil ||
				!strings.HasPrefix(got.ClientOptions.UserAgent, "regkey/") {
				t.Errorf("options not wired from the cmdutil.Factory: %+v", got)
			}
		})
	}
}
