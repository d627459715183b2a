package cli

import (
	"runtime"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/cmderr"
)

func TestProgramName(t *testing.T) {
	t.Parallel()
	for argv0, want := range map[string]string{
		"/usr/local/bin/docker-credential-regkey":     "docker-credential-regkey",
		"docker-credential-regkey":                    "docker-credential-regkey",
		"./docker-credential-regkey.exe":              "docker-credential-regkey",
		"docker-credential-regkey.EXE":                "docker-credential-regkey",
		"/opt/regkey/bin/regkey":                      "regkey",
		"regkey.exe":                                  "regkey",
		"docker-credential-regkey.exe.old":            "docker-credential-regkey.exe.old",
		"/x/docker-credential-regkey-nightly":         "docker-credential-regkey-nightly",
		"/tmp/go-build123/b001/exe/docker-credential": "docker-credential",
	} {
		if got := programName(argv0); got != want {
			t.Errorf("programName(%q) = %q, want %q", argv0, got, want)
		}
	}
}

func TestIsHelperName(t *testing.T) {
	t.Parallel()
	windows := runtime.GOOS == "windows"
	for name, want := range map[string]bool{
		"docker-credential-regkey":         true,
		"docker-credential-regkey-nightly": true,
		"regkey":                           false,
		"docker-credential":                false,
		"credential-regkey":                false,
		"DOCKER-CREDENTIAL-REGKEY":         windows,
		"Docker-Credential-regkey":         windows,
	} {
		if got := isHelperName(name); got != want {
			t.Errorf("isHelperName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestUsageExitCodes: a mistake in how a command is invoked exits 2 with one
// line naming it; nothing is opened or changed.
func TestUsageExitCodes(t *testing.T) {
	t.Parallel()
	env := realEnv(t)
	for _, argv := range [][]string{
		{"regkey", "list", "extra"},
		{"regkey", "list", "--bogus"},
		{"regkey", "login", "a.example", "b.example"},
		{"regkey", "logout", "a.example", "b.example"},
		{"regkey", "login", "--password-stdin", "a.example"},
		{"regkey", "frob"},
		{"regkey", "version", "extra"},
		{"regkey", "status", "extra"},
		{"regkey", "export"},
		{"regkey", "export", "--format", "yaml"},
	} {
		code, out, errOut := runRegkey(env, "", argv[0], argv[1:]...)
		if code != cmderr.ExitUsage || out != "" || !strings.HasPrefix(errOut, "regkey: ") {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want exit %d and one message", argv, code, out, errOut, cmderr.ExitUsage)
		}
	}
}
