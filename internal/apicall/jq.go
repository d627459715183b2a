package apicall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/childenv"
	"github.com/regkey/regkey/internal/cmderr"
)

// jqTimeout bounds one run of jq on one response body.
const jqTimeout = time.Minute

// Filter is a --jq filter.
type Filter interface {
	// Check fails with a usage error when the expression does not compile.
	Check(ctx context.Context) error
	// Run filters one JSON document onto out.
	Run(ctx context.Context, doc []byte, out io.Writer) error
}

// JQ runs the jq program (or gojq) found on PATH. regkey does not
// link a jq implementation: the one binary is also the credential helper
// every pull starts, and linking gojq made each of those processes do
// about 11% more work at start-up (see BENCHMARKS.md).
type JQ struct {
	path, expr string
	pretty     bool
	env        []string
}

var _ Filter = (*JQ)(nil)

// NewJQ finds jq, else gojq, on env's PATH. pretty indents objects and
// arrays (stdout is a terminal); either way strings are printed raw.
func NewJQ(env config.Env, expr string, pretty bool) (*JQ, error) {
	path, err := childenv.LookPath(env, "jq")
	if err != nil {
		if p, gerr := childenv.LookPath(env, "gojq"); gerr == nil {
			path, err = p, nil
		}
	}
	if err != nil {
		return nil, cmderr.WithHint(fmt.Errorf("--jq needs the jq program: %w", err),
			"install jq (Debian and Ubuntu: apt-get install jq), or leave out --jq and pipe the output to a JSON tool")
	}
	// jq needs no secret of regkey's: the session's variables and its own.
	return &JQ{path: path, expr: expr, pretty: pretty, env: childenv.Build(env, "JQ_COLORS")}, nil
}

// args are jq's arguments: raw strings, compact unless pretty, and the
// expression (after a space if it starts with "-", which jq 1.6 would take
// for an option: it has no "--").
func (j *JQ) args() []string {
	a := []string{"-r"}
	if !j.pretty {
		a = append(a, "-c")
	}
	expr := j.expr
	if strings.HasPrefix(expr, "-") {
		expr = " " + expr
	}
	return append(a, expr)
}

// Check runs jq on no input: it compiles the expression and exits 0, or 3
// for a compile error.
func (j *JQ) Check(ctx context.Context) error {
	var stderr bytes.Buffer
	err := j.run(ctx, nil, io.Discard, &stderr)
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		return cmderr.Usagef("--jq %q: %s", j.expr, jqMessage(stderr.String()))
	}
	return j.failure(err, stderr.String())
}

// Run filters doc onto out.
func (j *JQ) Run(ctx context.Context, doc []byte, out io.Writer) error {
	var stderr bytes.Buffer
	if err := j.run(ctx, doc, out, &stderr); err != nil {
		return j.failure(err, stderr.String())
	}
	return nil
}

func (j *JQ) run(ctx context.Context, doc []byte, out, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, jqTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, j.path, j.args()...)
	cmd.Env = j.env
	cmd.Stdin = bytes.NewReader(doc)
	cmd.Stdout, cmd.Stderr = out, &capWriter{w: stderr, left: 4 << 10}
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s did not finish within %s", j.path, jqTimeout)
	}
	return err
}

// failure describes a jq run that failed.
func (j *JQ) failure(err error, stderr string) error {
	if msg := jqMessage(stderr); msg != "" {
		return fmt.Errorf("--jq %q: %s", j.expr, msg)
	}
	return fmt.Errorf("--jq %q: running %s: %w", j.expr, j.path, err)
}

// jqMessage is the first line of jq's error output, without jq's usage
// text.
func jqMessage(stderr string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	return strings.TrimSpace(line)
}

// capWriter writes at most left bytes to w and drops the rest.
type capWriter struct {
	w    io.Writer
	left int
}

func (c *capWriter) Write(p []byte) (int, error) {
	n := len(p)
	if c.left <= 0 {
		return n, nil
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	c.left -= len(p)
	_, err := c.w.Write(p)
	return n, err
}
