package regauth

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseChallenges(t *testing.T) {
	t.Parallel()
	type P = map[string]string
	tests := []struct {
		name    string
		headers []string
		want    []Challenge
	}{
		{"none", nil, nil},
		{"empty", []string{""}, nil},
		{"basic", []string{`Basic realm="basic-realm"`},
			[]Challenge{{"basic", P{"realm": "basic-realm"}}}},
		{"bare scheme", []string{"Basic"}, []Challenge{{"basic", P{}}}},
		{"bearer", []string{`Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"`},
			[]Challenge{{"bearer", P{"realm": "https://auth.example.com/token", "service": "registry.example.com", "scope": "repository:a/b:pull,push"}}}},
		{"case and spaces", []string{`BEARER   Realm = "r" ,  SERVICE=svc`},
			[]Challenge{{"bearer", P{"realm": "r", "service": "svc"}}}},
		{"bare url value", []string{`Bearer realm=https://h:5000/token?x=1,service=h:5000`},
			[]Challenge{{"bearer", P{"realm": "https://h:5000/token?x=1", "service": "h:5000"}}}},
		{"escapes", []string{`Basic realm="a \"quoted\" \\ realm"`},
			[]Challenge{{"basic", P{"realm": `a "quoted" \ realm`}}}},
		{"comma in quoted value", []string{`Bearer realm="x",scope="repository:a:pull,push",error="insufficient_scope"`},
			[]Challenge{{"bearer", P{"realm": "x", "scope": "repository:a:pull,push", "error": "insufficient_scope"}}}},
		{"two in one header", []string{`Basic realm="b", Bearer realm="t",service="s"`},
			[]Challenge{{"basic", P{"realm": "b"}}, {"bearer", P{"realm": "t", "service": "s"}}}},
		{"two headers", []string{`Negotiate`, `Bearer realm="t"`},
			[]Challenge{{"negotiate", P{}}, {"bearer", P{"realm": "t"}}}},
		{"token68 then challenge", []string{`Negotiate abc+/==, Basic realm="b"`},
			[]Challenge{{"negotiate", P{}}, {"basic", P{"realm": "b"}}}},
		{"duplicate param keeps first", []string{`Bearer realm="one", realm="two"`},
			[]Challenge{{"bearer", P{"realm": "one"}}}},
		{"unterminated quote", []string{`Bearer realm="https://x`},
			[]Challenge{{"bearer", P{"realm": "https://x"}}}},
		{"empty quoted", []string{`Bearer realm="",service=""`},
			[]Challenge{{"bearer", P{"realm": "", "service": ""}}}},
		{"junk", []string{`"oops"`}, nil},
		{"trailing commas", []string{`Basic realm="b",,, `},
			[]Challenge{{"basic", P{"realm": "b"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ParseChallenges(tt.headers)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseChallenges(%q) mismatch (-want +got):\n%s", tt.headers, diff)
			}
		})
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{`Basic realm="x"`, `Bearer realm="a",service=b, Basic`, `x y= "z`, `a b==, c`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range ParseChallenges([]string{s}) {
			if c.Scheme == "" {
				t.Fatalf("empty scheme from %q", s)
			}
		}
	})
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST:5000": true, "127.0.0.1": true, "127.1.2.3:80": true,
		"[::1]:5000": true, "::1": true, "[::1]": true,
		"localhost.example.com": false, "10.0.0.1": false, "example.com:5000": false, "128.0.0.1": false,
		"[::2]:5000": false, "": false,
		// Unicode folds these onto "localhost"; they are other hosts, and
		// plain HTTP (a password in clear) must not be allowed for them.
		"localho\u017ft": false, "LOCALHO\u017fT:5000": false, "[localho\u017ft]": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}
