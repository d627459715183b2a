package helper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
)

const prog = "docker-credential-regkey"

var testProgram = Program{Name: prog, Version: "v1.2.3"}

type golden struct {
	name    string
	args    []string
	stdin   string
	in      io.Reader // overrides stdin
	backend *memBackend
	code    int
	stdout  string
	stderr  string
	// after is what the backend holds afterwards; nil means unchanged.
	after map[string]auth.Credential
	// keys are the keys the backend was given, when checked.
	keys []string
}

func runGolden(t *testing.T, tests []golden) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := tt.backend
			if b == nil {
				b = newMem()
			}
			before := b.snapshot()
			in := tt.in
			if in == nil {
				in = strings.NewReader(tt.stdin)
			}
			var out, errOut bytes.Buffer
			code := Serve(context.Background(), testProgram, b, tt.args, in, &out, &errOut)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d", code, tt.code)
			}
			if got := out.String(); got != tt.stdout {
				t.Errorf("stdout:\n got %q\nwant %q", got, tt.stdout)
			}
			if got := errOut.String(); got != tt.stderr {
				t.Errorf("stderr:\n got %q\nwant %q", got, tt.stderr)
			}
			want := tt.after
			if want == nil {
				want = before
			}
			if diff := cmp.Diff(want, b.snapshot()); diff != "" {
				t.Errorf("backend contents (-want +got):\n%s", diff)
			}
			if tt.keys != nil {
				if diff := cmp.Diff(tt.keys, b.keys, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("keys given to the backend (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestServeArguments(t *testing.T) {
	t.Parallel()
	usage := "Usage: docker-credential-regkey <store|get|erase|list|version>\n"
	version := "docker-credential-regkey (github.com/regkey/regkey) v1.2.3\n"
	runGolden(t, []golden{
		{name: "no argument", args: nil, code: 1, stdout: usage},
		{name: "two arguments", args: []string{"get", "extra"}, code: 1, stdout: usage},
		{name: "--version", args: []string{"--version"}, code: 0, stdout: version},
		{name: "-v", args: []string{"-v"}, code: 0, stdout: version},
		{name: "version verb", args: []string{"version"}, code: 0, stdout: version},
		{name: "--help", args: []string{"--help"}, code: 0, stdout: usage},
		{name: "-h", args: []string{"-h"}, code: 0, stdout: usage},
		{name: "unknown verb", args: []string{"frob"}, code: 1,
			stdout: "docker-credential-regkey: unknown action: frob\n"},
		{name: "verbs are case-sensitive", args: []string{"GET"}, stdin: "ghcr.io", code: 1,
			stdout: "docker-credential-regkey: unknown action: GET\n"},
		{name: "unknown verb with a line break", args: []string{"a\nb"}, code: 1,
			stdout: "docker-credential-regkey: unknown action: a b\n"},
	})
}

func TestServeGet(t *testing.T) {
	t.Parallel()
	hub := func() *memBackend {
		return newMem(
			"https://index.docker.io/v1/", "bob", "pw",
			"127.0.0.1:5000", auth.TokenUsername, "rt-123",
			"odd.example", "a&b", "<s>&\"q\"\\",
			"ghcr.io", "", "",
		)
	}
	runGolden(t, []golden{
		{name: "found", args: []string{"get"}, stdin: "https://index.docker.io/v1/", backend: hub(), code: 0,
			stdout: `{"ServerURL":"https://index.docker.io/v1/","Username":"bob","Secret":"pw"}` + "\n"},
		{name: "identity token is escaped like the reference", args: []string{"get"}, stdin: "127.0.0.1:5000",
			backend: hub(), code: 0,
			stdout: `{"ServerURL":"127.0.0.1:5000","Username":"\u003ctoken\u003e","Secret":"rt-123"}` + "\n"},
		{name: "html characters and quotes escaped", args: []string{"get"}, stdin: "odd.example", backend: hub(), code: 0,
			stdout: `{"ServerURL":"odd.example","Username":"a\u0026b","Secret":"\u003cs\u003e\u0026\"q\"\\"}` + "\n"},
		{name: "empty pair is a legal answer", args: []string{"get"}, stdin: "ghcr.io", backend: hub(), code: 0,
			stdout: `{"ServerURL":"ghcr.io","Username":"","Secret":""}` + "\n"},
		{name: "key trimmed and echoed trimmed", args: []string{"get"}, stdin: " \t127.0.0.1:5000\r\n",
			backend: hub(), code: 0, keys: []string{"127.0.0.1:5000"},
			stdout: `{"ServerURL":"127.0.0.1:5000","Username":"\u003ctoken\u003e","Secret":"rt-123"}` + "\n"},
		{name: "not found is the exact sentinel on stdout", args: []string{"get"}, stdin: "quay.io", backend: hub(),
			code: 1, stdout: "credentials not found in native keychain\n"},
		{name: "empty key", args: []string{"get"}, stdin: "", code: 1, stdout: "no credentials server URL\n",
			keys: []string{}},
		{name: "blank key", args: []string{"get"}, stdin: " \n\t", code: 1, stdout: "no credentials server URL\n"},
		{name: "oversized key", args: []string{"get"}, stdin: big(MaxKeyInput + 1), code: 1,
			stdout: "docker-credential-regkey: reading stdin: input too large (more than 65536 bytes)\n",
			stderr: "docker-credential-regkey get: reading stdin: input too large (more than 65536 bytes)\n",
			keys:   []string{}},
		{name: "largest key accepted", args: []string{"get"}, stdin: big(MaxKeyInput), code: 1,
			stdout: "credentials not found in native keychain\n"},
		{name: "unreadable stdin", args: []string{"get"}, in: failingReader{}, code: 1,
			stdout: "docker-credential-regkey: reading stdin: read /dev/stdin: input/output error\n",
			stderr: "docker-credential-regkey get: reading stdin: read /dev/stdin: input/output error\n"},
		{name: "backend failure", args: []string{"get"}, stdin: "ghcr.io",
			backend: &memBackend{creds: map[string]auth.Credential{}, err: errors.New("ecr: token endpoint: 500")},
			code:    1, stdout: "docker-credential-regkey: ecr: token endpoint: 500\n",
			stderr: "docker-credential-regkey get: ecr: token endpoint: 500\n"},
		{name: "multi-line failure folded onto one line", args: []string{"get"}, stdin: "ghcr.io",
			backend: &memBackend{creds: map[string]auth.Credential{}, err: errors.New("first\nsecond\r\n\tthird")},
			code:    1, stdout: "docker-credential-regkey: first second third\n",
			stderr: "docker-credential-regkey get: first second third\n"},
		{name: "failure with a hint", args: []string{"get"}, stdin: "ghcr.io",
			backend: &memBackend{creds: map[string]auth.Credential{},
				err: fmt.Errorf("getting ghcr.io: %w", hintedErr{"keyring locked", "unlock it"})},
			code: 1, stdout: "docker-credential-regkey: getting ghcr.io: keyring locked\n",
			stderr: "docker-credential-regkey get: getting ghcr.io: keyring locked\nhint: unlock it\n"},
		{name: "wrapped not-found is still the sentinel", args: []string{"get"}, stdin: "ghcr.io",
			backend: &memBackend{creds: map[string]auth.Credential{}, err: fmt.Errorf("x: %w", auth.ErrNotFound)},
			code:    1, stdout: "credentials not found in native keychain\n"},
	})
}

func TestServeStore(t *testing.T) {
	t.Parallel()
	cred := func(kv ...string) map[string]auth.Credential { return newMem(kv...).snapshot() }
	malformed := "docker-credential-regkey: reading credentials from stdin: "
	runGolden(t, []golden{
		{name: "docker's exact bytes", args: []string{"store"},
			stdin: `{"ServerURL":"127.0.0.1:5055","Username":"\u003ctoken\u003e","Secret":"rt-123"}` + "\n",
			code:  0, after: cred("127.0.0.1:5055", "<token>", "rt-123")},
		{name: "literal <token>", args: []string{"store"},
			stdin: `{"ServerURL":"h","Username":"<token>","Secret":"rt"}`, code: 0, after: cred("h", "<token>", "rt")},
		{name: "field names match case-insensitively", args: []string{"store"},
			stdin: `{"serverurl":"h","USERNAME":"u","secret":"s"}`, code: 0, after: cred("h", "u", "s")},
		{name: "unknown fields ignored", args: []string{"store"},
			stdin: `{"ServerURL":"h","Username":"u","Secret":"s","Email":"x@y"}`, code: 0, after: cred("h", "u", "s")},
		{name: "empty secret allowed", args: []string{"store"},
			stdin: `{"ServerURL":"h","Username":"u"}`, code: 0, after: cred("h", "u", "")},
		{name: "server key trimmed", args: []string{"store"},
			stdin: `{"ServerURL":"  https://ghcr.io/owner \n","Username":"u","Secret":"s"}`, code: 0,
			after: cred("https://ghcr.io/owner", "u", "s"), keys: []string{"https://ghcr.io/owner"}},
		{name: "replaces", args: []string{"store"}, backend: newMem("h", "old", "old"),
			stdin: `{"ServerURL":"h","Username":"u","Secret":"s"}`, code: 0, after: cred("h", "u", "s")},
		{name: "missing server URL", args: []string{"store"}, stdin: `{"Username":"u","Secret":"s"}`,
			code: 1, stdout: "no credentials server URL\n"},
		{name: "blank server URL", args: []string{"store"}, stdin: `{"ServerURL":" ","Username":"u","Secret":"s"}`,
			code: 1, stdout: "no credentials server URL\n"},
		{name: "missing username", args: []string{"store"}, stdin: `{"ServerURL":"h","Secret":"s"}`,
			code: 1, stdout: "no credentials username\n"},
		{name: "null", args: []string{"store"}, stdin: `null`, code: 1, stdout: "no credentials server URL\n"},
		{name: "empty stdin", args: []string{"store"}, stdin: "\n", code: 1,
			stdout: malformed + "no credentials on stdin\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: no credentials on stdin\n"},
		{name: "not JSON never echoes the input", args: []string{"store"}, stdin: `hunter2`, code: 1,
			stdout: malformed + "malformed JSON at byte 1: not a JSON object\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: malformed JSON at byte 1: not a JSON object\n"},
		{name: "truncated", args: []string{"store"}, stdin: `{"ServerURL":"h","Secret":"hunt`, code: 1,
			stdout: malformed + "truncated JSON\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: truncated JSON\n"},
		{name: "wrong type", args: []string{"store"}, stdin: `{"ServerURL":"h","Username":"u","Secret":42}`, code: 1,
			stdout: malformed + "want a JSON object with string fields ServerURL, Username and Secret\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: want a JSON object with string fields ServerURL, Username and Secret\n"},
		{name: "array", args: []string{"store"}, stdin: `[]`, code: 1,
			stdout: malformed + "want a JSON object with string fields ServerURL, Username and Secret\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: want a JSON object with string fields ServerURL, Username and Secret\n"},
		{name: "trailing data", args: []string{"store"},
			stdin: `{"ServerURL":"h","Username":"u","Secret":"s"} {"ServerURL":"i"}`, code: 1,
			stdout: malformed + "malformed JSON at byte 46: trailing data after the JSON object\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: malformed JSON at byte 46: trailing data after the JSON object\n"},
		{name: "oversized stores nothing", args: []string{"store"},
			stdin: `{"ServerURL":"h","Username":"u","Secret":"` + big(MaxStoreInput) + `"}`, code: 1,
			stdout: "docker-credential-regkey: reading stdin: input too large (more than 1048576 bytes)\n",
			stderr: "docker-credential-regkey store: reading stdin: input too large (more than 1048576 bytes)\n",
			keys:   []string{}},
		// encoding/json would store U+FFFD in place of these; nothing is
		// stored, and the answer never quotes the secret.
		{name: "invalid UTF-8 in the secret", args: []string{"store"}, stdin: "{\"ServerURL\":\"h\",\"Username\":\"u\",\"Secret\":\"pa\xffss\"}", code: 1,
			stdout: malformed + "malformed JSON at byte 45: not valid UTF-8\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: malformed JSON at byte 45: not valid UTF-8\n", keys: []string{}},
		{name: "invalid UTF-8 in the key", args: []string{"store"}, stdin: "{\"ServerURL\":\"h\xc3\",\"Username\":\"u\",\"Secret\":\"s\"}", code: 1,
			stdout: malformed + "malformed JSON at byte 16: not valid UTF-8\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: malformed JSON at byte 16: not valid UTF-8\n", keys: []string{}},
		{name: "invalid UTF-8 in the username", args: []string{"store"}, stdin: "{\"ServerURL\":\"h\",\"Username\":\"\xed\xa0\x80\",\"Secret\":\"s\"}", code: 1,
			stdout: malformed + "malformed JSON at byte 30: not valid UTF-8\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: malformed JSON at byte 30: not valid UTF-8\n", keys: []string{}},
		{name: "lone surrogate escape in the secret", args: []string{"store"}, stdin: `{"ServerURL":"h","Username":"u","Secret":"pa\ud800ss"}`, code: 1,
			stdout: malformed + "a string holds a \\u escape of a lone UTF-16 surrogate, which is no character\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: a string holds a \\u escape of a lone UTF-16 surrogate, which is no character\n",
			keys:   []string{}},
		{name: "lone low surrogate in the key", args: []string{"store"}, stdin: `{"ServerURL":"h\uDC00","Username":"u","Secret":"s"}`, code: 1,
			stdout: malformed + "a string holds a \\u escape of a lone UTF-16 surrogate, which is no character\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: a string holds a \\u escape of a lone UTF-16 surrogate, which is no character\n",
			keys:   []string{}},
		{name: "surrogate then an escaped U+FFFD", args: []string{"store"}, stdin: `{"ServerURL":"h","Username":"u","Secret":"\ud800\ufffd"}`, code: 1,
			stdout: malformed + "a string holds a \\u escape of a lone UTF-16 surrogate, which is no character\n",
			stderr: "docker-credential-regkey store: reading credentials from stdin: a string holds a \\u escape of a lone UTF-16 surrogate, which is no character\n",
			keys:   []string{}},
		// ... but real characters are kept, U+FFFD and surrogate pairs too.
		{name: "U+FFFD spelled out, a surrogate pair, non-ASCII", args: []string{"store"},
			stdin: `{"ServerURL":"h","Username":"j\u00fcrgen","Secret":"\uFFFD\ufffd\\ud800` + "\uFFFD€𝄞" + `\ud834\udd1e"}`, code: 0,
			after: cred("h", "jürgen", "\uFFFD\uFFFD\\ud800\uFFFD€𝄞𝄞")},
		{name: "backend failure", args: []string{"store"}, stdin: `{"ServerURL":"h","Username":"u","Secret":"s"}`,
			backend: &memBackend{creds: map[string]auth.Credential{}, err: errors.New("storing h: keyring locked")},
			code:    1, stdout: "docker-credential-regkey: storing h: keyring locked\n",
			stderr: "docker-credential-regkey store: storing h: keyring locked\n"},
	})
}

func TestServeErase(t *testing.T) {
	t.Parallel()
	runGolden(t, []golden{
		{name: "erases", args: []string{"erase"}, stdin: "h", backend: newMem("h", "u", "s", "i", "v", "t"),
			code: 0, after: newMem("i", "v", "t").snapshot()},
		{name: "key trimmed", args: []string{"erase"}, stdin: "h\n", backend: newMem("h", "u", "s"),
			code: 0, after: map[string]auth.Credential{}, keys: []string{"h"}},
		{name: "absent key succeeds", args: []string{"erase"}, stdin: "http://h", backend: newMem("h", "u", "s"),
			code: 0},
		{name: "empty key", args: []string{"erase"}, stdin: "", code: 1, stdout: "no credentials server URL\n"},
		{name: "backend failure", args: []string{"erase"}, stdin: "h",
			backend: &memBackend{creds: map[string]auth.Credential{}, err: errors.New("pass: gpg failed")},
			code:    1, stdout: "docker-credential-regkey: pass: gpg failed\n",
			stderr: "docker-credential-regkey erase: pass: gpg failed\n"},
	})
}

func TestServeList(t *testing.T) {
	t.Parallel()
	block := blockingReader{ch: make(chan struct{})}
	runGolden(t, []golden{
		{name: "empty", args: []string{"list"}, stdin: "unused", code: 0, stdout: "{}\n"},
		{name: "nil map is {}", args: []string{"list"}, backend: &memBackend{nilList: true}, code: 0, stdout: "{}\n"},
		{name: "sorted map, escaped like the reference", args: []string{"list"}, stdin: "unused",
			backend: newMem("https://index.docker.io/v1/", "bob", "x", "127.0.0.1:5000", "<token>", "y", "ghcr.io/o/r", "a&b", "z"),
			code:    0,
			stdout:  `{"127.0.0.1:5000":"\u003ctoken\u003e","ghcr.io/o/r":"a\u0026b","https://index.docker.io/v1/":"bob"}` + "\n"},
		{name: "stdin never read", args: []string{"list"}, in: block, code: 0, stdout: "{}\n"},
		{name: "backend failure", args: []string{"list"},
			backend: &memBackend{creds: map[string]auth.Credential{}, err: errors.New("listing: index unreadable")},
			code:    1, stdout: "docker-credential-regkey: listing: index unreadable\n",
			stderr: "docker-credential-regkey list: listing: index unreadable\n"},
	})
}

// A client that never closes stdin must not hang the helper past its
// deadline: stdin blocks until the test ends, so only the deadline can end
// Serve.
func TestServeStdinHonoursContext(t *testing.T) {
	t.Parallel()
	for _, verb := range []string{"get", "store", "erase"} {
		t.Run(verb, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			var out, errOut bytes.Buffer
			code := testenv.Returns(t, "Serve with a stdin that never ends", func() int {
				return Serve(ctx, testProgram, newMem(), []string{verb}, blockingReader{ch: make(chan struct{})}, &out, &errOut)
			})
			if code != 1 {
				t.Errorf("exit code = %d, want 1", code)
			}
			if want := "docker-credential-regkey: reading stdin: context deadline exceeded\n"; out.String() != want {
				t.Errorf("stdout = %q, want %q", out.String(), want)
			}
		})
	}
}
