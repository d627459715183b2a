package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/regkey/regkey/auth"
)

// FuzzAuthFile feeds arbitrary bytes to the auth file reader and, when they
// are accepted, runs setup's edit: it must never panic, never produce a
// file that does not decode to the intended document, and a second edit of
// its output must change nothing.
func FuzzAuthFile(f *testing.F) {
	files, _ := filepath.Glob("testdata/wire/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `{"auths":null}`, `{"a":{"b":{}}, "a":1}`, "{\"credHelpers\":{}}\r\n", `{"auths":{"h":{"username":"u","password":"p"}}}`,
		`{"AUTHS":{"h":{"Auth":"dTpw"}},"auths":{"h":{"PASSWORD":"p"}},"CredHelpers":{"h":"x"},"credhelpers":null}`,
		`{"auths":{"h":{"pa\u017f\u017fword":"p","IdentityTo\u212aen":"t"}},"CREDSSTORE":"a","credsStore":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAuthFile("f", "f", data, true, 0o600)
		if err != nil {
			return
		}
		_ = RedactSecrets(data)
		out, wired := fuzzWire(t, a)
		if wired {
			assertSecretsGone(t, a, out)
		}
		b, err := ParseAuthFile("f", "f", out, true, 0o600)
		if err != nil {
			t.Fatalf("edited file does not parse: %v\n%q", err, out)
		}
		if _, wired := fuzzWire(t, b); wired && b.Changed() {
			t.Fatalf("second edit changed the file:\n%q", out)
		}
	})
}

// fuzzWire wires a as setup does and returns the result, and whether the
// wiring was accepted.
func fuzzWire(t *testing.T, a *AuthFile) ([]byte, bool) {
	plain, err := a.PlainAuths()
	if err != nil {
		t.Fatalf("PlainAuths after a successful parse: %v", err)
	}
	w := Wiring{Helper: "regkey", CredsStore: true, Keys: []string{"docker.io"}}
	for _, p := range plain {
		if !p.Movable() {
			continue
		}
		w.ClearSecrets = append(w.ClearSecrets, p.Key)
		if k, err := auth.ParseKey(p.Key); err == nil {
			w.Keys = append(w.Keys, DockerKeys(k.Host)...)
		}
	}
	if _, err := a.Wire(w); err != nil {
		return a.doc.bytes(), false // a key of the wrong shape (not an object) is refused, fine
	}
	out, err := a.Bytes()
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	return out, true
}

// FuzzCredentialHelpers feeds arbitrary bytes to the registries.conf reader.
func FuzzCredentialHelpers(f *testing.F) {
	f.Add([]byte(`credential-helpers = ["a", "containers-auth.json"]`))
	f.Add([]byte("[[registry]]\nlocation = \"x\"\n"))
	f.Add(RenderDropIn([]string{"regkey", "a\"b"}, "/etc/x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, set, err := ParseCredentialHelpers("f", data)
		if err != nil || !set {
			return
		}
		back, set2, err := ParseCredentialHelpers("f", RenderDropIn(list, ""))
		if err != nil || !set2 || len(back) != len(list) {
			t.Fatalf("round trip of %q: %q %v %v", list, back, set2, err)
		}
		for i := range list {
			if back[i] != list[i] {
				t.Fatalf("round trip of %q: %q", list, back)
			}
		}
	})
}

// FuzzLegacyDockercfg feeds arbitrary bytes to the ~/.dockercfg reader: it
// must never panic, and an error must say where the problem is.
func FuzzLegacyDockercfg(f *testing.F) {
	f.Add([]byte(`{"https://index.docker.io/v1/":{"auth":"dTpw","email":"e"}}`))
	f.Add([]byte(`{"h":null,"g":{}}`))
	f.Add([]byte("{\n\"h\": [1,"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseLegacyPlainKeys(data)
		if err != nil {
			if keys != nil {
				t.Fatalf("keys %q with error %v", keys, err)
			}
			return
		}
		for i := 1; i < len(keys); i++ {
			if keys[i-1] >= keys[i] {
				t.Fatalf("keys not sorted and unique: %q", keys)
			}
		}
	})
}

// FuzzParseSettings feeds arbitrary bytes to regkey's settings reader: it
// must never panic, and what it accepts must say the same once written
// back.
func FuzzParseSettings(f *testing.F) {
	f.Add([]byte("keystore: file\nregistries:\n  - match: \"*.example.com\"\n    provider: ecr\n    aws_profile: prod\n"))
	f.Add([]byte("registries: [{match: ghcr.io, provider: ghcr, token_source: gh}]"))
	f.Add([]byte("a: &a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f", data)
		if err != nil {
			return
		}
		out, err := yaml.Marshal(s)
		if err != nil {
			t.Fatalf("marshal %+v: %v", s, err)
		}
		back, err := Parse("f", out)
		if err != nil {
			t.Fatalf("written back, %q does not parse: %v", out, err)
		}
		if !reflect.DeepEqual(normalise(s), normalise(back)) {
			t.Fatalf("round trip: %+v != %+v", s, back)
		}
	})
}

// normalise maps empty option maps to nil for comparison.
func normalise(f File) File {
	for i := range f.Registries {
		if len(f.Registries[i].Options) == 0 {
			f.Registries[i].Options = nil
		}
	}
	if len(f.Registries) == 0 {
		f.Registries = nil
	}
	return f
}
