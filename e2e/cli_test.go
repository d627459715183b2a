package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// complete runs the built regkey's completion entry point, as the bash,
// zsh and fish scripts do, and returns the candidates and the directive
// line (":4" is "no file names").
func complete(t *testing.T, c *testenv.Client, args ...string) ([]string, string) {
	t.Helper()
	res := c.MustRun(t, nil, "regkey", append([]string{"__complete"}, args...)...)
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	directive := lines[len(lines)-1]
	var words []string
	for _, l := range lines[:len(lines)-1] {
		word, _, _ := strings.Cut(l, "\t") // a description may follow
		words = append(words, word)
	}
	return words, directive
}

// TestCompletion: `regkey logout <TAB>` offers the registries the keystore
// holds (never a secret, never file names), `login` and the other commands
// that take a registry offer the registries regkey knows of, enumerated
// flags offer their values, and commands and flags that take no file offer
// no file names. bash, loading the completion script the package and
// `make install` ship, gets the same answers.
func TestCompletion(t *testing.T) {
	t.Parallel()
	r := testenv.BasicRegistry(t)
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	c.UseFileKeystore(t)
	c.MustRun(t, []byte(r.Password), "regkey", "login", "-u", r.User, "--password-stdin", r.Host)
	helperStore(t, c, "https://index.docker.io/v1/", "hubuser", "hub-secret")
	helperStore(t, c, "quay.io/team-a", "robot", "quay-secret")
	// docker knows one more registry, which regkey holds nothing for.
	c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey", "auths": map[string]any{"other.example": map[string]any{}}})

	stored := []string{r.Host, "docker.io", "quay.io", "quay.io/team-a"}
	slices.Sort(stored)
	for _, tc := range []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"logout", ""}, stored, ":4"},
		{[]string{"logout", "quay"}, []string{"quay.io", "quay.io/team-a"}, ":4"},
		{[]string{"logout", r.Host, ""}, nil, ":4"},
		{[]string{"login", ""}, []string{r.Host, "docker.io", "other.example", "quay.io"}, ":4"},
		{[]string{"api", "quay"}, []string{"quay.io/v2/"}, ":6"},
		{[]string{"export", "--format", ""}, []string{"dockerconfigjson", "k8s-secret", "env"}, ":4"},
		{[]string{"export", "--format", "k"}, []string{"k8s-secret"}, ":4"},
		{[]string{"api", "-X", ""}, []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}, ":4"},
		{[]string{"login", "-u", ""}, nil, ":4"},
		{[]string{"status", ""}, nil, ":4"},
		{[]string{"refresh", "--timeout", ""}, nil, ":4"},
		{[]string{"export", "--output", ""}, nil, ":0"}, // a file name
	} {
		got, directive := complete(t, c, tc.args...)
		if !slices.Equal(got, tc.want) || directive != tc.directive {
			t.Errorf("regkey __complete %q = %q %s, want %q %s", tc.args, got, directive, tc.want, tc.directive)
		}
	}
	for _, secret := range []string{r.Password, "hub-secret", "quay-secret", "robot"} {
		got, _ := complete(t, c, "logout", "")
		if strings.Contains(strings.Join(got, " "), secret) {
			t.Errorf("completion shows %q", secret)
		}
	}

	// bash, through the completion script regkey generates.
	testenv.RequireProgram(t, "bash")
	testenv.RequireFile(t, "/usr/share/bash-completion/bash_completion", "bash-completion")
	script := filepath.Join(c.Dir, "regkey.bash")
	res := c.MustRun(t, nil, "regkey", "completion", "bash")
	if err := os.WriteFile(script, []byte(res.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	res = c.MustRun(t, nil, "bash", "-c", `source /usr/share/bash-completion/bash_completion; source "$1"; COMP_WORDS=(regkey logout qu); COMP_CWORD=2; COMP_LINE="regkey logout qu"; COMP_POINT=${#COMP_LINE}; __start_regkey regkey qu logout; printf '%s\n' "${COMPREPLY[@]}"`, "bash", script)
	if got := strings.Fields(res.Stdout); !slices.Equal(got, []string{"quay.io", "quay.io/team-a"}) {
		t.Errorf("bash completes `regkey logout qu` to %q", got)
	}
}

// TestCommandLineMistakes: a stray argument is called one, not an unknown
// command; a mistyped command gets a suggestion; both exit 2.
func TestCommandLineMistakes(t *testing.T) {
	t.Parallel()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	c.UseFileKeystore(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "extra"}, `regkey: regkey status takes no arguments; "extra" is one too many (` + "`regkey status --help` shows its flags)\n"},
		{[]string{"list", "extra"}, `regkey: regkey list takes no arguments; "extra" is one too many`},
		{[]string{"doctor", "--offline", "extra"}, `regkey: regkey doctor takes no arguments; "extra"`},
		{[]string{"stauts"}, "regkey: unknown command \"stauts\" for \"regkey\"\nhint: did you mean `regkey status`?\n"},
		{[]string{"lgoin"}, "hint: did you mean `regkey login`?"},
		{[]string{"lo"}, "hint: did you mean `regkey login` or `regkey logout`?"},
		{[]string{"frobnicate"}, "regkey: unknown command \"frobnicate\" for \"regkey\"\nhint: `regkey --help` lists the commands\n"},
	} {
		res := c.Run(t, nil, "regkey", tc.args...)
		if res.ExitCode != 2 || !strings.Contains(res.Stderr, tc.want) {
			t.Errorf("regkey %q: exit %d, stderr:\n%s\nwant exit 2 and %q", tc.args, res.ExitCode, res.Stderr, tc.want)
		}
		if strings.Contains(tc.want, "takes no arguments") && strings.Contains(res.Stderr, "unknown command") {
			t.Errorf("regkey %q calls a stray argument a command: %s", tc.args, res.Stderr)
		}
	}
}

// TestLoginToARegistryThatIsDown: a login that cannot reach the registry
// says why in words a user can act on: nothing listening (is it running,
// host and port right), or a proxy in the way; docker fails the same way.
func TestLoginToARegistryThatIsDown(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	c.UseFileKeystore(t)
	down := testenv.ClosedPort(t)
	res := c.Run(t, []byte("pw"), "regkey", "login", "-u", "u", "--password-stdin", down)
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "connection refused") ||
		!strings.Contains(res.Stderr, "hint: nothing accepted the connection to "+down+": is the registry running, and are the host and port right? Nothing was stored") {
		t.Errorf("login to a registry that is down: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	if d := dockerLogin(t, c, down, "u", "pw"); d.ExitCode == 0 || !strings.Contains(d.Stderr, "connection refused") {
		t.Errorf("docker login to it: exit %d\n%s", d.ExitCode, d.Stderr)
	}
	// A registry off this machine goes through the proxy (here a dead one).
	res = c.Run(t, []byte("pw"), "regkey", "login", "-u", "u", "--password-stdin", "registry.example.com")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "proxyconnect") ||
		!strings.Contains(res.Stderr, "hint: the proxy named by HTTPS_PROXY or HTTP_PROXY could not be reached") {
		t.Errorf("login through a dead proxy: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	if out := c.Run(t, nil, "regkey", "list"); strings.TrimSpace(out.Stdout) != "" {
		t.Errorf("something was stored:\n%s", out.Stdout)
	}
}

// TestSetupPathHint: when neither regkey nor docker-credential-regkey is on
// PATH, setup's hint names the binary that runs (not `command -v regkey`,
// which finds nothing), and following it makes setup work; docker then
// uses regkey.
func TestSetupPathHint(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	bin := testenv.BuildRegkey(t)
	r := testenv.BasicRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "test/hint:v1")
	c := testenv.NewClient(t, nil) // no regkey on PATH
	c.UseFileKeystore(t)
	localBin := filepath.Join(c.Home, ".local", "bin")
	c.Setenv("PATH", localBin+string(os.PathListSeparator)+c.Getenv("PATH"))

	res := c.Run(t, nil, bin.Regkey, "setup", "--docker")
	if res.ExitCode != 1 || strings.Contains(res.Stderr, "command -v") {
		t.Fatalf("setup with regkey off PATH: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	_, hint, _ := strings.Cut(res.Stderr, "hint: run: ")
	cmd, _, _ := strings.Cut(hint, ";")
	want := "mkdir -p " + localBin + " && ln -s " + bin.Regkey + " " + filepath.Join(localBin, testenv.HelperName)
	if cmd != want {
		t.Fatalf("setup's hint runs %q, want %q\n%s", cmd, want, res.Stderr)
	}
	c.MustRun(t, nil, "sh", "-c", cmd)
	c.MustRun(t, nil, bin.Regkey, "setup", "--docker")
	if d := dockerLogin(t, c, r.Host, r.User, r.Password); d.ExitCode != 0 {
		t.Fatalf("docker login after the hint: exit %d\n%s", d.ExitCode, d.Stderr)
	}
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	if got, ok := helperGet(t, c, r.Host); !ok || got.Secret != r.Password {
		t.Errorf("docker's login is not in regkey: %+v", got)
	}
}

// TestKeystoreLine: the line naming the keystore, its files and why it was
// chosen nests parentheses at most one deep, in list, status and login.
func TestKeystoreLine(t *testing.T) {
	t.Parallel()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	// auto, with no session bus: the file store, with the keyring's error.
	c.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(c.Dir, "no-bus"))
	var lines []string
	res := c.MustRun(t, nil, "regkey", "list")
	lines = append(lines, lastLine(res.Stderr))
	res = c.MustRun(t, []byte("pw"), "regkey", "login", "--no-verify", "-u", "u", "--password-stdin", "registry.example")
	lines = append(lines, lastLine(res.Stdout))
	res = c.MustRun(t, nil, "regkey", "status")
	lines = append(lines, firstLine(res.Stderr))
	for _, l := range lines {
		if !strings.Contains(l, "credentials.enc") {
			t.Errorf("not the keystore line: %q", l)
		}
		if d := parenDepth(l); d > 1 {
			t.Errorf("parentheses %d deep: %q", d, l)
		}
	}
	if !strings.Contains(lines[0], "auto: the OS keyring is unavailable: ") {
		t.Errorf("list does not say why: %q", lines[0])
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// parenDepth is how deep parentheses nest in s.
func parenDepth(s string) int {
	depth, most := 0, 0
	for _, r := range s {
		switch r {
		case '(':
			depth++
			most = max(most, depth)
		case ')':
			depth--
		}
	}
	return most
}
