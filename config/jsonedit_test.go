package config

import (
	"strings"
	"testing"
)

// edit parses src, applies ops and returns the text.
func edit(t *testing.T, src string, ops func(a *AuthFile) error) string {
	t.Helper()
	a, err := ParseAuthFile("config.json", "config.json", []byte(src), true, 0o600)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := ops(a); err != nil {
		t.Fatalf("edit: %v", err)
	}
	b, err := a.Bytes()
	if err != nil {
		t.Fatalf("bytes: %v", err)
	}
	return string(b)
}

func TestJSONEditKeepsEverythingElse(t *testing.T) {
	t.Parallel()
	setStore := func(a *AuthFile) error { return a.SetCredsStore("regkey") }
	for _, tc := range []struct {
		name, src, want string
		ops             func(a *AuthFile) error
	}{
		{
			name: "tab indented, new key goes last",
			src:  "{\n\t\"psFormat\": \"x\",\n\t\"auths\": {}\n}\n",
			ops:  setStore,
			want: "{\n\t\"psFormat\": \"x\",\n\t\"auths\": {},\n\t\"credsStore\": \"regkey\"\n}\n",
		},
		{
			name: "two-space indent and key order kept",
			src:  "{\n  \"z\": 1,\n  \"credsStore\": \"desktop\",\n  \"a\": [1, 2]\n}",
			ops:  setStore,
			want: "{\n  \"z\": 1,\n  \"credsStore\": \"regkey\",\n  \"a\": [1, 2]\n}",
		},
		{
			name: "compact stays compact",
			src:  `{"a":1}`,
			ops:  setStore,
			want: `{"a":1,"credsStore":"regkey"}`,
		},
		{
			name: "compact with spaces",
			src:  `{"a": 1, "b": 2}`,
			ops:  setStore,
			want: `{"a": 1, "b": 2, "credsStore": "regkey"}`,
		},
		{
			name: "empty object expands with tabs",
			src:  "{}\n",
			ops:  func(a *AuthFile) error { return a.SetCredHelper("ghcr.io", "regkey") },
			want: "{\"credHelpers\":{\"ghcr.io\":\"regkey\"}}\n",
		},
		{
			name: "new nested object is indented like the file",
			src:  "{\n    \"auths\": {}\n}\n",
			ops:  func(a *AuthFile) error { return a.SetCredHelper("ghcr.io", "regkey") },
			want: "{\n    \"auths\": {},\n    \"credHelpers\": {\n        \"ghcr.io\": \"regkey\"\n    }\n}\n",
		},
		{
			name: "empty nested object in indented file",
			src:  "{\n\t\"credHelpers\": {}\n}\n",
			ops:  func(a *AuthFile) error { return a.SetCredHelper("ghcr.io", "regkey") },
			want: "{\n\t\"credHelpers\": {\n\t\t\"ghcr.io\": \"regkey\"\n\t}\n}\n",
		},
		{
			name: "null replaced by an object",
			src:  "{\n\t\"credHelpers\": null\n}\n",
			ops:  func(a *AuthFile) error { return a.SetCredHelper("ghcr.io", "regkey") },
			want: "{\n\t\"credHelpers\": {\n\t\t\"ghcr.io\": \"regkey\"\n\t}\n}\n",
		},
		{
			name: "equal value untouched byte for byte",
			src:  "{ \"credsStore\" :\"reg\\u006bey\" }",
			ops:  setStore,
			want: "{ \"credsStore\" :\"reg\\u006bey\" }",
		},
		{
			name: "duplicate keys collapse to the last",
			src:  "{\n\t\"credsStore\": \"a\",\n\t\"x\": 1,\n\t\"credsStore\": \"b\"\n}",
			ops:  setStore,
			want: "{\n\t\"x\": 1,\n\t\"credsStore\": \"regkey\"\n}",
		},
		{
			name: "clear secret leaves placeholder and email",
			src:  "{\n\t\"auths\": {\n\t\t\"h\": {\n\t\t\t\"auth\": \"dTpw\",\n\t\t\t\"email\": \"e\"\n\t\t},\n\t\t\"i\": {\n\t\t\t\"identitytoken\": \"t\"\n\t\t}\n\t}\n}\n",
			ops: func(a *AuthFile) error {
				if err := a.ClearSecret("h"); err != nil {
					return err
				}
				return a.ClearSecret("i")
			},
			want: "{\n\t\"auths\": {\n\t\t\"h\": {\n\t\t\t\"email\": \"e\"\n\t\t},\n\t\t\"i\": {}\n\t}\n}\n",
		},
		{
			name: "remove first, middle and last members",
			src:  `{"auths":{"a":{},"b":{},"c":{},"d":{}}}`,
			ops: func(a *AuthFile) error {
				for _, k := range []string{"a", "c", "d"} {
					if err := a.RemoveAuth(k); err != nil {
						return err
					}
				}
				return nil
			},
			want: `{"auths":{"b":{}}}`,
		},
		{
			name: "CRLF file keeps CRLF",
			src:  "{\r\n  \"a\": 1\r\n}\r\n",
			ops:  func(a *AuthFile) error { return a.SetCredHelper("docker.io", "regkey") },
			want: "{\r\n  \"a\": 1,\r\n  \"credHelpers\": {\r\n    \"docker.io\": \"regkey\"\r\n  }\r\n}\r\n",
		},
		{
			name: "credsStore under another spelling keeps it",
			src:  `{"CredsStore":"desktop"}`,
			ops:  setStore,
			want: `{"CredsStore":"regkey"}`,
		},
		{
			name: "credsStore in two spellings collapse to the last",
			src:  `{"credsStore":"a","x":1,"CREDSSTORE":"b"}`,
			ops:  setStore,
			want: `{"x":1,"CREDSSTORE":"regkey"}`,
		},
		{
			name: "credHelpers entry goes where decoders read it last, and leaves the others",
			src:  `{"credHelpers":{"h":"x","g":"y"},"CredHelpers":{"i":"z"}}`,
			ops:  func(a *AuthFile) error { return a.SetCredHelper("h", "regkey") },
			want: `{"credHelpers":{"g":"y"},"CredHelpers":{"i":"z","h":"regkey"}}`,
		},
		{
			name: "credHelpers reset by a later null",
			src:  `{"credHelpers":{"h":"x"},"CREDHELPERS":null}`,
			ops:  func(a *AuthFile) error { return a.SetCredHelper("g", "regkey") },
			want: `{"CREDHELPERS":{"g":"regkey"}}`,
		},
		{
			name: "credHelpers entry removed from every spelling",
			src:  `{"credHelpers":{"h":"x","g":"y"},"CREDHELPERS":{"h":"z"},"credHelpers":{"h":"w"}}`,
			ops:  func(a *AuthFile) error { return a.RemoveCredHelper("h") },
			want: `{"credHelpers":{"g":"y"},"CREDHELPERS":{},"credHelpers":{}}`,
		},
		{
			name: "auths entry removed from every auths, duplicates included",
			src:  `{"auths":{"a":{"auth":"dTpw"}},"AUTHS":{"a":{},"b":{}},"auths":{"a":{}}}`,
			ops:  func(a *AuthFile) error { return a.RemoveAuth("a") },
			want: `{"auths":{},"AUTHS":{"b":{}},"auths":{}}`,
		},
		{
			name: "clear secret under every spelling of every field and of auths",
			src:  `{"auths":{"h":{"auth":"dTpw","Password":"p","email":"e"}},"AUTHS":{"h":{"IDENTITYTOKEN":"t","userName":"u","pa\u017f\u017fword":"q"},"h2":{"Auth":"dTpx"}}}`,
			ops:  func(a *AuthFile) error { return a.ClearSecret("h") },
			want: `{"auths":{"h":{"email":"e"}},"AUTHS":{"h":{},"h2":{"Auth":"dTpx"}}}`,
		},
		{
			name: "no HTML escaping of new values",
			src:  "{}",
			ops:  func(a *AuthFile) error { return a.SetCredHelper("a<b>&c", "regkey") },
			want: `{"credHelpers":{"a<b>&c":"regkey"}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := edit(t, tc.src, tc.ops); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestJSONEditRefusesWrongShapes(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`{"credHelpers": "regkey"}`,
		`{"credHelpers": {"a": 1}}`,
		`{"credsStore": 1}`,
		`{"auths": []}`,
		`{"auths": {"h": "x"}}`,
		`{"auths": {"h": {"auth": 5}}}`,
		`{"auths": {"h": {"auth": "OnB3"}}}`, // ":pw", empty user
		`[]`, `"x"`, `null`, `1`, `{"a":1} {"b":2}`, `{"a":`,
	} {
		if _, err := ParseAuthFile("f.json", "f.json", []byte(src), true, 0o600); err == nil {
			t.Errorf("%s: accepted, want an error", src)
		} else if !strings.Contains(err.Error(), "f.json") {
			t.Errorf("%s: error %q does not name the file", src, err)
		}
	}
}
