package keystore_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/regkey/regkey/internal/testenv"
)

// child is a re-executed test binary running store commands (runChild).
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Scanner
	closed sync.Once
}

// childSpec describes the store a child opens.
type childSpec struct {
	backend, name, dataDir, configDir string
	timeout                           time.Duration
	env                               map[string]string // added to a minimal environment
}

// environ is the child's whole environment: PATH, HOME and spec.env, with
// no proxy reachable and nothing inherited from the developer's session.
// Commands in the child end at deadline (see runChild).
func (s childSpec) environ(deadline time.Time) []string {
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
		"REGKEY_CHILD_DEADLINE=" + deadline.Format(time.RFC3339Nano),
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
	deadline, ok := testenv.Context(t).Deadline()
	if !ok {
		deadline = time.Now().Add(childNoDeadline)
	}
	cmd.Env = spec.environ(deadline)
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

// childNoDeadline bounds a child's commands when the test binary has no
// deadline (go test -timeout 0).
const childNoDeadline = time.Hour

// childExitWait is how long Close lets a child finish after its input
// ends before killing it: it has nothing left to do but exit (a -race
// binary sleeps a second at exit), so this only ends a child that hangs.
const childExitWait = time.Minute

// Close ends the child's input and waits for it; a second Close does
// nothing.
func (c *child) Close() {
	c.closed.Do(func() {
		c.stdin.Close()
		done := make(chan error, 1)
		go func() { done <- c.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(childExitWait):
			c.cmd.Process.Kill()
			<-done
		}
	})
}

// closeAll closes children at once: each -race child sleeps a second as it
// exits, which closing thirty one after another (as their clean-ups would)
// turns into thirty seconds of nothing.
func closeAll(children []*child) {
	var wg sync.WaitGroup
	for _, c := range children {
		wg.Go(c.Close)
	}
	wg.Wait()
}
