package e2e

import (
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// TestCraneCredsStore: crane reads docker's credsStore and asks regkey for
// HOST/REPO first, then HOST; its auth login/logout store and erase.
func TestCraneCredsStore(t *testing.T) {
	t.Parallel()
	testenv.RequireTool(t, "crane")
	eachBackend(t, func(t *testing.T, c *testenv.Client) {
		r := testenv.BasicRegistry(t)
		img := testenv.NewImage(t, "v1")
		ref := r.Push(t, img, "test/hello:v1")
		c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey"})

		// Anonymous: crane asks, regkey says not found, the registry says 401.
		if res := c.Run(t, nil, "crane", "digest", "--insecure", ref); res.ExitCode == 0 {
			t.Fatal("crane digest worked without credentials")
		}
		for _, call := range c.HelperCalls(t) {
			if call.Verb != "get" || call.ExitCode != 1 {
				t.Errorf("anonymous crane: helper call %+v, want get answered not-found", call)
			}
		}
		c.ResetHelperCalls(t)

		c.MustRun(t, []byte(r.Password+"\n"), "crane", "auth", "login", r.Host, "-u", r.User, "--password-stdin")
		if calls := c.HelperCalls(t); testenv.CountCalls(calls, "store", r.Host) != 1 {
			t.Errorf("crane auth login helper calls = %v, want one store %s", calls, r.Host)
		}
		assertNoPlaintext(t, c, r.Password)
		c.ResetHelperCalls(t)

		res := c.MustRun(t, nil, "crane", "digest", "--insecure", ref)
		if got := strings.TrimSpace(res.Stdout); got != img.Digest {
			t.Errorf("crane digest = %q, want %s", got, img.Digest)
		}
		calls := c.HelperCalls(t)
		if len(calls) == 0 || calls[0].Verb != "get" || calls[0].Key != r.Host+"/test/hello" {
			t.Fatalf("crane helper calls = %v, want get %s/test/hello first", calls, r.Host)
		}
		if last := calls[len(calls)-1]; last.ExitCode != 0 || last.Verb != "get" {
			t.Errorf("crane's last helper call %+v did not answer a credential", last)
		}
		c.ResetHelperCalls(t)

		res = c.MustRun(t, nil, "crane", "ls", "--insecure", r.Host+"/test/hello")
		if strings.TrimSpace(res.Stdout) != "v1" {
			t.Errorf("crane ls = %q, want v1", res.Stdout)
		}

		c.MustRun(t, nil, "crane", "auth", "logout", r.Host)
		if _, ok := helperGet(t, c, r.Host); ok {
			t.Error("credential still there after crane auth logout")
		}
	})
}
