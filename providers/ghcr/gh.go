package ghcr

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/childenv"
	"github.com/regkey/regkey/providers"
)

// ghHost is the GitHub host whose login serves ghcr.io.
const ghHost = "github.com"

// Output caps: a token is well under 1 KiB, and only the first line of
// stderr goes into an error.
const (
	maxTokenOutput  = 4 << 10
	maxStderrOutput = 4 << 10
	maxHostsFile    = 256 << 10
)

// ghRunner runs `gh auth token`, which answers from gh's own config (or the
// keyring gh stores tokens in) without any network access.
type ghRunner struct {
	timeout time.Duration
}

// token returns the gh CLI's token for github.com. gh missing from PATH or
// not logged in is providers.ErrNoCredentials; a gh that fails or hangs is
// an error carrying its stderr (never its stdout, which holds the token).
func (r ghRunner) token(ctx context.Context, env map[string]string) (string, error) {
	path, ok := lookPath("gh", env["PATH"])
	if !ok {
		return "", fmt.Errorf("gh CLI not found on PATH (set GH_TOKEN or GITHUB_TOKEN, or run `regkey login %s`): %w",
			Host, providers.ErrNoCredentials)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()

	var stdout, stderr capped
	stdout.max, stderr.max = maxTokenOutput, maxStderrOutput
	cmd := exec.CommandContext(ctx, path, "auth", "token", "--hostname", ghHost)
	cmd.Env = ghEnv(env)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 500 * time.Millisecond
	setProcessGroup(cmd)

	err := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return "", fmt.Errorf("running %s auth token: no answer within %s: %w (%w)", path, r.timeout, ctxErr, auth.ErrUnavailable)
	}
	msg := firstLine(stderr.String())
	if err != nil {
		if strings.Contains(msg, "no oauth token") {
			return "", fmt.Errorf("gh is not logged in to %s (run `gh auth login`): %w", ghHost, providers.ErrNoCredentials)
		}
		if msg != "" {
			return "", fmt.Errorf("running %s auth token: %w: %s", path, err, msg)
		}
		return "", fmt.Errorf("running %s auth token: %w", path, err)
	}
	if stdout.truncated {
		return "", fmt.Errorf("running %s auth token: output longer than %d bytes", path, maxTokenOutput)
	}
	tok := strings.TrimSpace(stdout.String())
	if tok == "" {
		return "", fmt.Errorf("gh printed no token for %s (run `gh auth login`): %w", ghHost, providers.ErrNoCredentials)
	}
	if strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", fmt.Errorf("running %s auth token: output is not a single token", path)
	}
	return tok, nil
}

// ghEnv is the environment gh runs with: the session (PATH, HOME, XDG_*,
// locale, the D-Bus session of a keyring gh may keep its token in; see
// childenv.Session) and GH_CONFIG_DIR, with prompts and the update check
// turned off. Nothing else of regkey's environment reaches gh: not the
// secrets of other providers or of regkey itself, and not GH_TOKEN,
// GITHUB_TOKEN or the enterprise tokens either. The env source has read
// those before gh runs; the gh source means gh's stored login, which gh
// would otherwise not report (`gh auth token` prints GH_TOKEN when it is
// set). `gh auth token --hostname github.com` needs no network, so no proxy.
func ghEnv(env map[string]string) []string {
	return append(childenv.Build(env, "GH_CONFIG_DIR"), "GH_NO_UPDATE_NOTIFIER=1", "GH_PROMPT_DISABLED=1", "NO_COLOR=1")
}

// ghUser returns the github.com login name from gh's hosts.yml, or "" when
// it cannot be read. It is only a label for the username field.
func ghUser(env map[string]string) string {
	var dir string
	switch {
	case env["GH_CONFIG_DIR"] != "":
		dir = env["GH_CONFIG_DIR"]
	case env["XDG_CONFIG_HOME"] != "":
		dir = filepath.Join(env["XDG_CONFIG_HOME"], "gh")
	case env["HOME"] != "":
		dir = filepath.Join(env["HOME"], ".config", "gh")
	default:
		return ""
	}
	f, err := os.Open(filepath.Join(dir, "hosts.yml"))
	if err != nil {
		return ""
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxHostsFile))
	if err != nil {
		return ""
	}
	var hosts map[string]struct {
		User string `yaml:"user"`
	}
	if yaml.Unmarshal(data, &hosts) != nil {
		return ""
	}
	u := strings.TrimSpace(hosts[ghHost].User)
	if strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == ':' }) {
		return ""
	}
	return u
}

// capped keeps at most max bytes of what is written to it. It deliberately
// does not embed bytes.Buffer: io.Copy would find Buffer.ReadFrom and
// bypass the cap.
type capped struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room < len(p) {
		c.truncated = true
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return c.buf.Write(p)
}

func (c *capped) String() string { return c.buf.String() }

// firstLine returns the first non-empty line of s, trimmed and capped.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 200 {
				l = l[:200] + "..."
			}
			return l
		}
	}
	return ""
}
