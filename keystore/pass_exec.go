package keystore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// run runs pass with args, stdin (nil: none) and the store's environment,
// bounded by the timeout, and returns its stdout. The secret only ever
// travels on stdin and stdout; the error carries the program, the action
// and its stderr, never stdout.
func (s *passStore) run(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cmd := exec.CommandContext(tctx, s.prog, args...)
	cmd.Env = s.env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout bytes.Buffer
	stderr := &capped{max: 4096}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	cmd.WaitDelay = time.Second // a gpg-agent holding our pipes must not stall Wait
	err := cmd.Run()
	action := "pass " + strings.Join(args, " ")
	switch {
	case err == nil:
		return stdout.Bytes(), nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("running %s: %w", action, ctx.Err())
	case tctx.Err() != nil:
		return nil, unavailable(fmt.Sprintf("running %s: no answer within %s; gpg may be waiting for a passphrase in a pinentry that cannot be shown (unlock the key with gpg-agent first, or use another keystore)", action, s.timeout), nil)
	}
	msg := strings.TrimSpace(stderr.String())
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && strings.Contains(msg, "pass init") {
		return nil, unavailable(fmt.Sprintf("running %s: the password store is not initialised for this folder (%s); run `pass init <gpg-key-id>`", action, msg), err)
	}
	return nil, unavailable(fmt.Sprintf("running %s: %s", action, msg), err)
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string { return c.buf.String() }

// lookPath finds an executable in the PATH list given (the process PATH
// when empty), so that Options.Env decides which pass runs.
func lookPath(name, pathList string) (string, error) {
	if pathList == "" {
		return exec.LookPath(name)
	}
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}
