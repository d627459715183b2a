package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regkey/regkey/auth"
)

func TestUnwire(t *testing.T) {
	t.Parallel()
	const m = `"` + SecretMarker + `"`
	keystore := map[string]auth.Credential{
		"a.example":   {Username: "alice", Secret: "s3cret"},
		"t.example":   {Username: auth.TokenUsername, Secret: "rt-1"},
		"new.example": {Username: "nina", Secret: "n3w"},
	}
	tests := []struct {
		name    string
		backup  string // "" when setup created the file
		cur     string
		want    string // JSON, compared decoded
		missing []string
		dropped []string
		wantErr string
	}{
		{
			name: "docker rewrote the file: setup's wiring out, the moved login back, the rest kept",
			backup: `{"auths":{"a.example":{"auth":` + m + `,"email":"a@example.com"}},"credsStore":"pass",` +
				`"credHelpers":{"ecr.example":"ecr-login"},"x-unknown":1}`,
			cur: "{\n\t\"auths\": {\n\t\t\"a.example\": {\n\t\t\t\"email\": \"a@example.com\"\n\t\t},\n\t\t\"new.example\": {}\n\t},\n" +
				"\t\"credsStore\": \"regkey\",\n\t\"credHelpers\": {\n\t\t\"a.example\": \"regkey\",\n\t\t\"ecr.example\": \"regkey\",\n" +
				"\t\t\"gcr.io\": \"gcloud\"\n\t},\n\t\"psFormat\": \"added since\"\n}\n",
			want: `{"auths":{"a.example":{"auth":"YWxpY2U6czNjcmV0","email":"a@example.com"}},"credsStore":"pass",` +
				`"credHelpers":{"ecr.example":"ecr-login","gcr.io":"gcloud"},"psFormat":"added since"}`,
			dropped: []string{"new.example"},
		},
		{
			name:   "logged out since setup: not put back, its placeholder gone",
			backup: `{"auths":{"a.example":{"auth":` + m + `},"gone.example":{"auth":` + m + `}}}`,
			cur:    `{"auths":{"a.example":{},"gone.example":{}},"credsStore":"regkey"}`,
			want:   `{"auths":{"a.example":{"auth":"YWxpY2U6czNjcmV0"}}}`, missing: []string{"gone.example"},
		},
		{
			name:   "docker's identity-token entry keeps its user name",
			backup: `{"auths":{"t.example":{"auth":"YWxpY2U6","identitytoken":` + m + `}}}`,
			cur:    `{"auths":{"t.example":{"auth":"YWxpY2U6"}},"credsStore":"regkey"}`,
			want:   `{"auths":{"t.example":{"auth":"YWxpY2U6","identitytoken":"rt-1"}}}`,
		},
		{
			name:   "a secret written since, without a helper, is kept",
			backup: `{"auths":{"a.example":{"auth":` + m + `}}}`,
			cur:    `{"auths":{"a.example":{"auth":"bmV3Om5ldw=="}}}`,
			want:   `{"auths":{"a.example":{"auth":"bmV3Om5ldw=="}}}`,
		},
		{
			name:   "another store chosen since: its placeholders stay",
			backup: `{"auths":{"a.example":{"auth":` + m + `}}}`,
			cur:    `{"auths":{"a.example":{},"new.example":{}},"credsStore":"desktop"}`,
			want:   `{"auths":{"a.example":{"auth":"YWxpY2U6czNjcmV0"},"new.example":{}},"credsStore":"desktop"}`,
		},
		{
			name: "setup created the file: docker's placeholders and the wiring go",
			cur:  `{"auths":{"new.example":{}},"credsStore":"regkey","credHelpers":{"new.example":"regkey"}}`,
			want: `{}`, dropped: []string{"new.example"},
		},
		{
			name:   "a podman file: the entry setup removed comes back",
			backup: "{\n  \"auths\": {\n    \"a.example\": {\n      \"auth\": " + m + "\n    }\n  }\n}\n",
			cur:    "{\n  \"auths\": {},\n  \"credHelpers\": {\n    \"a.example\": \"regkey\",\n    \"q.example\": \"other\"\n  }\n}\n",
			want:   `{"auths":{"a.example":{"auth":"YWxpY2U6czNjcmV0"}},"credHelpers":{"q.example":"other"}}`,
		},
		{
			name:   "a backup setup could not redact",
			backup: `{"auths":{"a.example":{"auth":"YWxpY2U6b2xk"}}}`,
			cur:    `{"auths":{"a.example":{}},"credsStore":"regkey"}`,
			want:   `{"auths":{"a.example":{"auth":"YWxpY2U6czNjcmV0"}}}`,
		},
		{
			name:    "a file that does not parse",
			backup:  `{}`,
			cur:     `{"auths":`,
			wantErr: "parsing config.json",
		},
	}
	creds := func(k string) (auth.Credential, bool) { c, ok := keystore[k]; return c, ok }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var backup []byte
			if tt.backup != "" {
				backup = []byte(tt.backup)
			}
			out, rep, err := unwire("config.json", []byte(tt.cur), backup, "regkey", creds)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("unwire = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("unwired (-want +got):\n%s\n%s", diff, out)
			}
			if diff := cmp.Diff(tt.missing, rep.missing, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.dropped, rep.dropped, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("dropped (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUnwireKeepsTheFilesBytes: what undo does not take out keeps its
// bytes, order and indentation.
func TestUnwireKeepsTheFilesBytes(t *testing.T) {
	t.Parallel()
	cur := "{\n\t\"auths\": {\n\t\t\"a.example\": {}\n\t},\n\t\"credsStore\": \"regkey\",\n\t\"psFormat\": \"table {{.ID}}\\t{{.Names}}\"\n}\n"
	backup := "{\n\t\"auths\": {\n\t\t\"a.example\": {\n\t\t\t\"auth\": \"" + SecretMarker + "\"\n\t\t}\n\t}\n}\n"
	creds := func(string) (auth.Credential, bool) {
		return auth.Credential{Username: "alice", Secret: "s3cret"}, true
	}
	out, _, err := unwire("config.json", []byte(cur), []byte(backup), "regkey", creds)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n\t\"auths\": {\n\t\t\"a.example\": {\n\t\t\t\"auth\": \"YWxpY2U6czNjcmV0\"\n\t\t}\n\t},\n\t\"psFormat\": \"table {{.ID}}\\t{{.Names}}\"\n}\n"
	if string(out) != want {
		t.Errorf("unwired =\n%s\nwant\n%s", out, want)
	}
}

func TestEmptyAuthDoc(t *testing.T) {
	t.Parallel()
	for doc, want := range map[string]bool{
		`{}`: true, "{\n}\n": true, `{"auths":{}}`: true, `{"AUTHS":{},"credHelpers":{}}`: true,
		`{"auths":{"h":{}}}`: false, `{"psFormat":"x"}`: false, `{"credsStore":""}`: false, `not json`: false,
	} {
		if got := emptyAuthDoc([]byte(doc)); got != want {
			t.Errorf("emptyAuthDoc(%s) = %v, want %v", doc, got, want)
		}
	}
}
