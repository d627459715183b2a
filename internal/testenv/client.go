package testenv

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// DeadProxy is the proxy every process under test gets: a closed loopback
// port, so that anything that tries to leave the machine fails at once.
const DeadProxy = "http://127.0.0.1:9"

// Client is an isolated environment for running client programs (docker,
// skopeo, podman, crane) and regkey itself: a private HOME, DOCKER_CONFIG,
// XDG directories, podman auth file and storage, and a PATH that finds the
// regkey under test first. Nothing is inherited from the test process's
// environment except PATH, so stray AWS_*, SSL_* or REGISTRY_* settings
// cannot leak in.
type Client struct {
	// Dir is the root of every private directory.
	Dir string
	// Home is $HOME.
	Home string
	// DockerConfig is $DOCKER_CONFIG (docker's config.json lives in it).
	DockerConfig string
	// AuthFile is $REGISTRY_AUTH_FILE (podman and skopeo).
	AuthFile string
	// RuntimeDir is $XDG_RUNTIME_DIR (0700).
	RuntimeDir string
	// DataDir is $XDG_DATA_HOME; regkey's file store lives in DataDir/regkey.
	DataDir string
	// BinDir is first on PATH and holds regkey and docker-credential-regkey
	// (or the tracing shim, see TraceHelper).
	BinDir string
	// PodmanRoot and PodmanRunRoot are podman's --root and --runroot.
	PodmanRoot, PodmanRunRoot string

	bin *Binary
	env map[string]string
}

// NewClient makes a client environment in a test temp dir. With bin nil the
// environment has no regkey on PATH.
func NewClient(t testing.TB, bin *Binary) *Client {
	t.Helper()
	root := t.TempDir()
	c := &Client{
		Dir:           root,
		Home:          filepath.Join(root, "home"),
		RuntimeDir:    filepath.Join(root, "run"),
		DataDir:       filepath.Join(root, "home", ".local", "share"),
		BinDir:        filepath.Join(root, "bin"),
		PodmanRoot:    filepath.Join(root, "podman", "root"),
		PodmanRunRoot: filepath.Join(root, "podman", "runroot"),
		bin:           bin,
	}
	c.DockerConfig = filepath.Join(c.Home, ".docker")
	c.AuthFile = filepath.Join(root, "containers-auth.json")
	config, cache := filepath.Join(c.Home, ".config"), filepath.Join(c.Home, ".cache")
	for _, d := range []string{c.Home, c.DockerConfig, c.RuntimeDir, c.DataDir, c.BinDir, config, cache,
		filepath.Join(root, "tmp"), filepath.Join(root, "podman")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("creating %s: %v", d, err)
		}
	}
	if bin != nil {
		for name, target := range map[string]string{"regkey": bin.Regkey, HelperName: bin.Helper} {
			if err := os.Symlink(target, filepath.Join(c.BinDir, name)); err != nil {
				t.Fatalf("linking %s: %v", name, err)
			}
		}
	}
	nothing := filepath.Join(root, "nonexistent")
	path := []string{c.BinDir}
	path = append(path, toolDirs()...)
	path = append(path, SystemPath())
	c.env = map[string]string{
		"PATH":               strings.Join(path, string(os.PathListSeparator)),
		"HOME":               c.Home,
		"USER":               "root",
		"LANG":               "C.UTF-8",
		"TMPDIR":             filepath.Join(root, "tmp"),
		"DOCKER_CONFIG":      c.DockerConfig,
		"REGISTRY_AUTH_FILE": c.AuthFile,
		"XDG_CONFIG_HOME":    config,
		"XDG_DATA_HOME":      c.DataDir,
		"XDG_CACHE_HOME":     cache,
		"XDG_STATE_HOME":     filepath.Join(c.Home, ".local", "state"),
		"XDG_RUNTIME_DIR":    c.RuntimeDir,
		// Nothing leaves the machine.
		"HTTPS_PROXY": DeadProxy, "HTTP_PROXY": DeadProxy, "https_proxy": DeadProxy, "http_proxy": DeadProxy,
		"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
		// Cloud SDKs find no configuration and no metadata service.
		"AWS_CONFIG_FILE":             filepath.Join(nothing, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(nothing, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"CLOUDSDK_CONFIG":             filepath.Join(nothing, "gcloud"),
		"GCE_METADATA_HOST":           "127.0.0.1:9",
		"GCE_METADATA_IP":             "127.0.0.1:9",
		"AZURE_CONFIG_DIR":            filepath.Join(nothing, "azure"),
		"GH_CONFIG_DIR":               filepath.Join(nothing, "gh"),
		"DOCKER_CLI_HINTS":            "false",
	}
	if v := os.Getenv("CI"); v != "" {
		c.env["CI"] = v
	}
	return c
}

// Setenv sets a variable for every later command.
func (c *Client) Setenv(key, value string) { c.env[key] = value }

// Unsetenv removes a variable for every later command.
func (c *Client) Unsetenv(key string) { delete(c.env, key) }

// SetenvMap sets every variable of env, as the Env method of a Keyring or
// Pass returns them.
func (c *Client) SetenvMap(env map[string]string) {
	for k, v := range env {
		c.env[k] = v
	}
}

// Getenv returns a variable of the environment.
func (c *Client) Getenv(key string) string { return c.env[key] }

// Env returns the environment as sorted "KEY=value" pairs.
func (c *Client) Env() []string {
	out := make([]string, 0, len(c.env))
	for _, k := range slices.Sorted(maps.Keys(c.env)) {
		out = append(out, k+"="+c.env[k])
	}
	return out
}

// Command returns a command running name (looked up on the client's PATH)
// in the client's environment, with its working directory at Home.
func (c *Client) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.lookPath(name), args...)
	cmd.Env = c.Env()
	cmd.Dir = c.Home
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// lookPath resolves name against the client's PATH, not the test's.
func (c *Client) lookPath(name string) string {
	if strings.Contains(name, "/") {
		return name
	}
	for _, dir := range filepath.SplitList(c.env["PATH"]) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return name
}

// Result is what a finished command left behind.
type Result struct {
	Stdout, Stderr string
	// ExitCode is the exit status, or -1 if the command did not start or
	// was killed.
	ExitCode int
	// Err is the error from running the command, if any.
	Err error
}

// Run runs name with stdin (nil for none) and returns its result; it never
// fails the test by itself. A command still running shortly before the test
// binary's deadline is killed (see Context): how long docker, podman or a
// cold `make install` take depends on the machine. Tests of regkey's own
// bounds give it a peer that hangs and check the error that names the
// bound.
func (c *Client) Run(t testing.TB, stdin []byte, name string, args ...string) Result {
	t.Helper()
	ctx, cancel := withTestDeadline(t)
	defer cancel()
	cmd := c.Command(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err, ExitCode: -1}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		res.ExitCode = 0
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	}
	return res
}

// MustRun is Run that fails the test unless the command exits 0.
func (c *Client) MustRun(t testing.TB, stdin []byte, name string, args ...string) Result {
	t.Helper()
	res := c.Run(t, stdin, name, args...)
	if res.ExitCode != 0 {
		t.Fatalf("%s %s: exit %d (%v)\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "),
			res.ExitCode, res.Err, res.Stdout, res.Stderr)
	}
	return res
}

// PodmanArgs prefixes args with the client's private podman flags: storage
// root, run root and libpod state dir (else /run/libpod, shared) in Dir, the
// vfs driver (overlay leaves its storage root mounted, so the temp dir could
// not be removed) and no events log.
func (c *Client) PodmanArgs(args ...string) []string {
	return append([]string{
		"--root", c.PodmanRoot, "--runroot", c.PodmanRunRoot,
		"--tmpdir", filepath.Join(c.Dir, "podman", "tmp"),
		"--storage-driver", "vfs", "--events-backend", "none",
	}, args...)
}
