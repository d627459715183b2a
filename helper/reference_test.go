package helper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/regkey/regkey/auth"
)

// The reference library keeps its program name and version in package
// variables; set them once, before any test runs, to what testProgram says.
func init() {
	credentials.Name = testProgram.Name
	credentials.Package = Package
	credentials.Version = testProgram.Version
}

// refHelper is the reference library's Helper over a map, so the same
// request can be answered by docker's own code and by ours.
type refHelper struct {
	creds map[string]*credentials.Credentials
}

func (h *refHelper) Add(c *credentials.Credentials) error { h.creds[c.ServerURL] = c; return nil }
func (h *refHelper) Delete(url string) error              { delete(h.creds, url); return nil }
func (h *refHelper) Get(url string) (string, string, error) {
	c, ok := h.creds[url]
	if !ok {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	return c.Username, c.Secret, nil
}
func (h *refHelper) List() (map[string]string, error) {
	out := map[string]string{}
	for k, c := range h.creds {
		out[k] = c.Username
	}
	return out, nil
}

// runReference answers one request the way credentials.Serve does, without
// its os.Exit: errors go to stdout with Fprintln and exit 1.
func runReference(h credentials.Helper, verb, stdin string) (string, int) {
	var out bytes.Buffer
	if err := credentials.HandleCommand(h, verb, strings.NewReader(stdin), &out); err != nil {
		fmt.Fprintln(&out, err)
		return out.String(), 1
	}
	return out.String(), 0
}

// both returns a reference helper and a backend holding the same triples.
func both(kv ...string) (*refHelper, *memBackend) {
	ref := &refHelper{creds: map[string]*credentials.Credentials{}}
	for i := 0; i+2 < len(kv); i += 3 {
		ref.creds[kv[i]] = &credentials.Credentials{ServerURL: kv[i], Username: kv[i+1], Secret: kv[i+2]}
	}
	return ref, newMem(kv...)
}

// TestMatchesReference answers identical requests with docker's reference
// library and with Serve, and wants the same bytes and exit codes.
func TestMatchesReference(t *testing.T) {
	t.Parallel()
	stored := []string{
		"https://index.docker.io/v1/", "bob", "pw",
		"127.0.0.1:5000", "<token>", "rt-123",
		"odd.example", "a&b", "<s>&\"q\"\\\u2028",
		"ünïcode.example", "ü", "\x01\x7f",
	}
	tests := []struct{ verb, stdin string }{
		{"get", "https://index.docker.io/v1/"},
		{"get", "127.0.0.1:5000"},
		{"get", "  127.0.0.1:5000\n"},
		{"get", "odd.example"},
		{"get", "ünïcode.example"},
		{"get", "missing.example"},
		{"get", ""},
		{"get", " \t\n"},
		{"erase", ""},
		{"erase", "odd.example"},
		{"erase", "missing.example"},
		{"list", "unused"},
		{"list", ""},
		{"version", ""},
		{"store", `{"ServerURL":"h","Username":"u","Secret":"s"}` + "\n"},
		{"store", `{"ServerURL":"h","Username":"\u003ctoken\u003e","Secret":"s"}` + "\n"},
		{"store", `{"serverURL":"h","username":"u"}`},
		{"store", `{"Username":"u","Secret":"s"}`},
		{"store", `{"ServerURL":"h","Secret":"s"}`},
		{"store", `null`},
	}
	for _, tt := range tests {
		t.Run(tt.verb+" "+tt.stdin, func(t *testing.T) {
			t.Parallel()
			ref, mem := both(stored...)
			wantOut, wantCode := runReference(ref, tt.verb, tt.stdin)
			var out, errOut bytes.Buffer
			code := Serve(context.Background(), testProgram, mem, []string{tt.verb}, strings.NewReader(tt.stdin), &out, &errOut)
			if code != wantCode || out.String() != wantOut {
				t.Errorf("Serve = %d %q, reference = %d %q", code, out.String(), wantCode, wantOut)
			}
			got, _ := mem.List(context.Background())
			if want := mustList(ref); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("contents after: %v, reference %v", got, want)
			}
		})
	}
}

// jsonRoundTrip is s as a JSON decoder sees it after encoding (invalid
// UTF-8 becomes U+FFFD).
func jsonRoundTrip(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

func mustList(h *refHelper) map[string]string { m, _ := h.List(); return m }

// FuzzGet checks that any key gets a well-formed answer, and the reference
// library's answer whenever the reference reads the key the same way (it
// joins lines and cannot read lines over 64 KiB).
func FuzzGet(f *testing.F) {
	for _, s := range []string{"ghcr.io", " ghcr.io\n", "", "https://index.docker.io/v1/", "h/o/r", "\xff", "<&>"} {
		f.Add("ghcr.io", "<token>", "s&<>", s)
	}
	f.Fuzz(func(t *testing.T, key, user, secret, input string) {
		ref, mem := both(key, user, secret)
		var out, errOut bytes.Buffer
		code := Serve(context.Background(), testProgram, mem, []string{"get"}, strings.NewReader(input), &out, &errOut)
		s := out.String()
		if !strings.HasSuffix(s, "\n") || strings.Count(s, "\n") != 1 {
			t.Fatalf("answer %q is not one line", s)
		}
		switch code {
		case 0:
			var p payload
			if err := json.Unmarshal(out.Bytes(), &p); err != nil {
				t.Fatalf("answer %q is not JSON: %v", s, err)
			}
			if p.ServerURL != jsonRoundTrip(strings.TrimSpace(input)) {
				t.Errorf("ServerURL = %q for input %q", p.ServerURL, input)
			}
		case 1:
			if s != notFoundMessage+"\n" && s != missingURLMessage+"\n" && !strings.HasPrefix(s, prog+": ") {
				t.Errorf("failure answer %q", s)
			}
		default:
			t.Fatalf("exit code %d", code)
		}
		if strings.ContainsAny(input, "\r\n") || len(input) > 60000 {
			return
		}
		wantOut, wantCode := runReference(ref, "get", input)
		if code != wantCode || s != wantOut {
			t.Errorf("Serve = %d %q, reference = %d %q", code, s, wantCode, wantOut)
		}
	})
}

// decodeFailure is every message decodeStore may fail with: none of them
// quotes the input, which holds a secret.
var decodeFailure = regexp.MustCompile(`^(no credentials server URL|no credentials username|` +
	`reading credentials from stdin: (no credentials on stdin|truncated JSON|` +
	`want a JSON object with string fields ServerURL, Username and Secret|` +
	`malformed JSON at byte \d+: (not a JSON object|trailing data after the JSON object|not valid UTF-8)|` +
	`a string holds a \\u escape of a lone UTF-16 surrogate, which is no character))$`)

// FuzzDecodeStore checks that the store decoder never panics, never echoes
// its input, and accepts nothing the reference library would refuse or read
// differently.
func FuzzDecodeStore(f *testing.F) {
	for _, s := range []string{
		`{"ServerURL":"h","Username":"\u003ctoken\u003e","Secret":"rt"}` + "\n",
		`{"serverurl":" h ","username":"u","secret":""}`,
		`{"ServerURL":"h","Username":"u","Secret":"s"} x`,
		`{"ServerURL":1}`, `null`, `[]`, `{`, ``, "\xff",
		"{\"ServerURL\":\"h\",\"Username\":\"u\",\"Secret\":\"\xff\"}", `{"ServerURL":"h","Username":"u","Secret":"\ud800"}`,
		`{"ServerURL":"h","Username":"u","Secret":"\ufffd\\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodeStore(data)
		if err != nil {
			if !decodeFailure.MatchString(err.Error()) {
				t.Fatalf("unexpected failure text %q", err)
			}
			return
		}
		// What is stored is what the client sent: U+FFFD only where the
		// input spells it.
		if n := strings.Count(p.ServerURL+p.Username+p.Secret, "\uFFFD"); n > strings.Count(string(data), "\uFFFD")+
			strings.Count(strings.ToLower(string(data)), `\ufffd`) {
			t.Fatalf("accepted %q as %+v, with a U+FFFD the input does not spell", data, p)
		}
		if p.ServerURL == "" || p.ServerURL != strings.TrimSpace(p.ServerURL) || p.Username == "" {
			t.Fatalf("accepted %+v", p)
		}
		if len(data) > 60000 {
			return
		}
		ref := &refHelper{creds: map[string]*credentials.Credentials{}}
		if err := credentials.Store(ref, bytes.NewReader(data)); err != nil {
			t.Fatalf("we accept %q, the reference refuses it: %v", data, err)
		}
		if len(ref.creds) != 1 {
			t.Fatalf("reference stored %d entries", len(ref.creds))
		}
		for k, c := range ref.creds {
			got := auth.Credential{Username: p.Username, Secret: p.Secret}
			if strings.TrimSpace(k) != p.ServerURL || c.Username != got.Username || c.Secret != got.Secret {
				t.Errorf("decoded %+v, reference %+v", p, *c)
			}
		}
	})
}
