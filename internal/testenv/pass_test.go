package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestPassRoundTrip(t *testing.T) {
	t.Parallel()
	p := NewPass(t)
	ctx := Context(t)
	cmd := exec.CommandContext(ctx, "pass", "insert", "-m", "testenv/probe")
	cmd.Env = append(os.Environ(), "GNUPGHOME="+p.GNUPGHOME, "PASSWORD_STORE_DIR="+p.StoreDir)
	cmd.Stdin = strings.NewReader("probe-value\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pass insert: %v: %s", err, out)
	}
	out, err := p.run(ctx, "pass", "show", "testenv/probe")
	if err != nil || out != "probe-value\n" {
		t.Fatalf("pass show = %q, %v", out, err)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(p.Dir); !os.IsNotExist(err) {
		t.Errorf("Stop left %s behind: %v", p.Dir, err)
	}
}
