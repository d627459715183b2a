package apicall

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/testenv"
)

func TestNewJQMissing(t *testing.T) {
	t.Parallel()
	_, err := NewJQ(config.Env{"PATH": t.TempDir()}, ".", false)
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
	testenv.WriteExecutable(t, filepath.Join(dir, "jq"), []byte(script))
	env := config.Env{"PATH": dir, "HOME": dir, "LANG": "C.UTF-8", "REGKEY_FILE_KEY": "file-key-secret",
		"REGKEY_AUTH_H_EXAMPLE": "u:env-secret", "AWS_SECRET_ACCESS_KEY": "aws-secret"}
	j, err := NewJQ(env, ".", false)
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
	testenv.WriteExecutable(t, filepath.Join(dir, "gojq"), []byte("#!/bin/sh\nexit 0\n"))
	j, err := NewJQ(config.Env{"PATH": dir}, ".", false)
	if err != nil || j.path != filepath.Join(dir, "gojq") {
		t.Fatalf("newJQ = %+v, %v; want gojq", j, err)
	}
}
