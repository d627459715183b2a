package keystore_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// child is a re-executed test binary running store commands (runChild).
type child struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// childSpec describes the store a child opens.
type childSpec struct {
	backend, name, dataDir, configDir string
	timeout                           time.Duration
	env                               map[string]string // added to a minimal environment
}

// environ is the child's whole environment: PATH, HOME and spec.env, with
// no proxy reachable and nothing inherited from the developer's session.
func (s childSpec) environ() []string {
	env := []string{
		childEnv + "=1",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.dataDir,
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
		"REGKEY_CHILD_BACKEND=" + s.backend,
		"REGKEY_CHILD_NAME=" + s.name,
		"REGKEY_CHILD_DATADIR=" + s.dataDir,
		"REGKEY_CHILD_CONFIGDIR=" + s.configDir,
		"REGKEY_CHILD_TIMEOUT=" + s.timeout.String(),
	}
	for k, v := range s.env {
		env = append(env, k+"="+v)
	}
	return env
}

// startChild starts a child; Close ends it.
func startChild(t *testing.T, spec childSpec) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = spec.environ()
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(c.Close)
	return c
}

// do sends one command and waits for its result.
func (c *child) do(format string, args ...any) childResult {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.stdin, format+"\n", args...); err != nil {
		c.t.Fatalf("writing to child: %v", err)
	}
	if !c.out.Scan() {
		c.t.Fatalf("child ended without answering %q: %v", fmt.Sprintf(format, args...), c.out.Err())
	}
	var r childResult
	if err := json.Unmarshal(c.out.Bytes(), &r); err != nil {
		c.t.Fatalf("child answer %q: %v", c.out.Text(), err)
	}
	return r
}

// Close ends the child's input and waits for it.
func (c *child) Close() {
	c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}
