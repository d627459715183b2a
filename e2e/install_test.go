package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/testenv"
)

// goEnv returns `go env NAME` of the toolchain running the tests.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.CommandContext(testenv.Context(t), "go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// TestMakeInstall runs `make install` into a private PREFIX on machines in
// four states. The cases run one after another because `make install`
// builds into the work tree's bin/regkey.
//
// `make install` builds with the flags BuildRegkey uses, so once the
// binary under test is built (once, for all tests) it finds every package
// in the build cache and only links. Each make is bounded only by the test
// binary's deadline (Client.Run): how long a build takes is the machine's
// business.
func TestMakeInstall(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "make")
	testenv.RequireProgram(t, "docker")
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	testenv.BuildRegkey(t)
	t.Run("FreshRootMachine", func(t *testing.T) { installAsRootOnAFreshMachine(t, root) })
	t.Run("ReadmeQuickStart", func(t *testing.T) { readmeQuickStart(t, root) })
	t.Run("DefaultPrefix", func(t *testing.T) { installDefaultPrefix(t, root) })
	t.Run("Sudo", func(t *testing.T) { installWithSudo(t, root) })
	t.Run("FreshMachine", func(t *testing.T) { installOnAFreshMachine(t, root) })
	t.Run("PlaintextLogins", func(t *testing.T) { installWithPlaintextLogins(t, root) })
	t.Run("KeystoreUnavailable", func(t *testing.T) { installWithUnavailableKeystore(t, root) })
	t.Run("NotOnPath", func(t *testing.T) { installNotOnPath(t, root) })
	t.Run("UninstallStopsWhenUndoFails", func(t *testing.T) { uninstallWhenUndoFails(t, root) })
}

// uninstallWhenUndoFails: when `regkey setup --undo` fails, make uninstall
// stops before removing anything, so that docker and podman are not left
// naming a helper that is gone. (The regkey here is a script that fails
// as an undo can, with a locked keystore say.)
func uninstallWhenUndoFails(t *testing.T, root string) {
	c := testenv.NewClient(t, nil)
	prefix := filepath.Join(c.Dir, "prefix")
	regkey := filepath.Join(prefix, "bin", "regkey")
	if err := os.MkdirAll(filepath.Dir(regkey), 0o755); err != nil {
		t.Fatal(err)
	}
	testenv.WriteExecutable(t, regkey, []byte("#!/bin/sh\necho \"regkey: the keystore is locked\" >&2\nexit 1\n"))
	res := c.Run(t, nil, "make", "-C", root, "--no-print-directory", "uninstall", "PREFIX="+prefix)
	if res.ExitCode != 2 || !strings.Contains(res.Stderr, "regkey: the keystore is locked\nregkey: make uninstall stopped with regkey still installed") {
		t.Errorf("make uninstall with a failing undo: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if _, err := os.Stat(regkey); err != nil {
		t.Errorf("make uninstall removed regkey although undo failed: %v", err)
	}
}

// debianRootPath is root's PATH on a fresh Debian machine.
const debianRootPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// freshRoot runs commands as root on a machine whose system directories
// (/usr/local/bin, /usr/local/share, /etc/docker) start as this one's but
// are private: each command runs in its own mount namespace with an overlay
// on each, whose upper layer (Upper) keeps what the commands wrote from one
// command to the next. The real directories are never written.
type freshRoot struct {
	c      *testenv.Client
	mounts string
	// Upper holds, for each directory, the files written under it.
	Upper map[string]string
}

// newFreshRoot makes the system directories dirs private for commands run
// through the returned freshRoot.
func newFreshRoot(t *testing.T, c *testenv.Client, dirs ...string) *freshRoot {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireProgram(t, "unshare")
	f := &freshRoot{c: c, Upper: map[string]string{}}
	base := t.TempDir()
	var mounts []string
	for i, d := range dirs {
		upper, work := filepath.Join(base, fmt.Sprint(i), "upper"), filepath.Join(base, fmt.Sprint(i), "work")
		for _, dir := range []string{upper, work} {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		f.Upper[d] = upper
		mounts = append(mounts, fmt.Sprintf("mount -t overlay overlay -o lowerdir=%s,upperdir=%s,workdir=%s %s", d, upper, work, d))
	}
	f.mounts = strings.Join(mounts, " && ")
	return f
}

// Run runs name in the fresh machine, with the client's environment.
func (f *freshRoot) Run(t *testing.T, stdin []byte, name string, args ...string) testenv.Result {
	t.Helper()
	return f.c.Run(t, stdin, "unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", f.mounts + ` && exec "$@"`, "sh", name}, args...)...)
}

// MustRun is Run that fails the test unless the command exits 0.
func (f *freshRoot) MustRun(t *testing.T, stdin []byte, name string, args ...string) testenv.Result {
	t.Helper()
	res := f.Run(t, stdin, name, args...)
	if res.ExitCode != 0 {
		t.Fatalf("%s %s: exit %d\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), res.ExitCode, res.Stdout, res.Stderr)
	}
	return res
}

// installedFiles are the files make install puts under PREFIX.
var installedFiles = []string{
	"bin/regkey", "bin/docker-credential-regkey",
	"share/man/man1/regkey.1.gz", "share/man/man1/regkey-login.1.gz", "share/man/man1/regkey-setup.1.gz",
	"share/bash-completion/completions/regkey", "share/zsh/site-functions/_regkey", "share/fish/vendor_completions.d/regkey.fish",
}

// installAsRootOnAFreshMachine: root on a fresh Debian machine, where
// ~/.local/bin is on no PATH, runs plain `make install` (no PREFIX): regkey
// lands in /usr/local, where PATH finds it, docker is wired and works
// through it, and man and bash find the man pages and completion. `make
// uninstall` then unwires docker and podman first (config.json names
// regkey no more, docker and skopeo log in and pull without it) and
// removes every file install put there.
func installAsRootOnAFreshMachine(t *testing.T, root string) {
	for _, p := range []string{"docker", "skopeo", "man", "bash"} {
		testenv.RequireProgram(t, p)
	}
	testenv.RequireFile(t, "/usr/share/bash-completion/bash_completion", "bash-completion")
	r := testenv.BasicRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "test/fresh:v1")
	c, install := installClient(t, root)
	c.UseFileKeystore(t)
	c.Setenv("PATH", debianRootPath+string(os.PathListSeparator)+filepath.Join(goEnv(t, "GOROOT"), "bin"))
	c.Unsetenv("REGISTRY_AUTH_FILE") // podman's defaults, in the private HOME and XDG_RUNTIME_DIR
	if err := os.RemoveAll(c.DockerConfig); err != nil {
		t.Fatal(err)
	}
	install = slices.DeleteFunc(install, func(a string) bool { return strings.HasPrefix(a, "PREFIX=") })
	m := newFreshRoot(t, c, "/usr/local/bin", "/usr/local/share")

	res := m.MustRun(t, nil, "make", install...)
	if got := m.MustRun(t, nil, "sh", "-c", "command -v regkey; command -v docker-credential-regkey").Stdout; got != "/usr/local/bin/regkey\n/usr/local/bin/docker-credential-regkey\n" {
		t.Errorf("PATH finds %q after make install\n%s%s", got, res.Stdout, res.Stderr)
	}
	for _, f := range installedFiles {
		dir, rest, _ := strings.Cut(f, "/")
		if _, err := os.Stat(filepath.Join(m.Upper["/usr/local/"+dir], rest)); err != nil {
			t.Errorf("make install did not install /usr/local/%s: %v", f, err)
		}
	}
	if cfg := c.ReadDockerConfig(t); cfg["credsStore"] != "regkey" {
		t.Errorf("config.json after make install: %v\n%s", cfg, res.Stdout)
	}
	// (Debian's /usr/local/man is a link to share/man.)
	if got := m.MustRun(t, nil, "sh", "-c", `readlink -f "$(man -w regkey-login)"`).Stdout; got != "/usr/local/share/man/man1/regkey-login.1.gz\n" {
		t.Errorf("man finds regkey-login(1) at %q", got)
	}
	// bash-completion loads regkey's completion on first use, from
	// /usr/local/share; `regkey stat<TAB>` becomes status.
	bash := m.MustRun(t, nil, "bash", "-c", `source /usr/share/bash-completion/bash_completion && __load_completion regkey &&
		COMP_WORDS=(regkey stat); COMP_CWORD=1; COMP_LINE="regkey stat"; COMP_POINT=${#COMP_LINE}; __start_regkey regkey stat regkey; echo "${COMPREPLY[@]}"`)
	if strings.TrimSpace(bash.Stdout) != "status" {
		t.Errorf("bash completes `regkey stat` to %q\n%s", bash.Stdout, bash.Stderr)
	}
	m.MustRun(t, []byte(r.Password), "regkey", "login", "-u", r.User, "--password-stdin", r.Host)
	m.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	_, checks, all := parseDoctor(t, m.Run(t, nil, "regkey", "doctor", "--json", "--offline"))
	if !hasStatus(checks, "helper", "ok") || !hasStatus(checks, "docker", "ok") || hasStatus(checks, "docker", "FAIL") {
		t.Errorf("doctor after make install:\n%s", all)
	}

	uninstall := slices.Clone(install)
	uninstall[slices.Index(uninstall, "install")] = "uninstall"
	res = m.MustRun(t, nil, "make", uninstall...)
	if got := m.Run(t, nil, "sh", "-c", "command -v regkey; command -v docker-credential-regkey"); got.Stdout != "" {
		t.Errorf("PATH still finds %q after make uninstall", got.Stdout)
	}
	for _, f := range installedFiles {
		if res := m.Run(t, nil, "test", "-e", "/usr/local/"+f); res.ExitCode == 0 {
			t.Errorf("make uninstall left /usr/local/%s", f)
		}
	}
	// Unwired: no docker or podman file names regkey, and both log in
	// (in plaintext, as without any helper) and pull.
	for _, dir := range []string{c.DockerConfig, filepath.Join(c.Home, ".config", "containers"), filepath.Join(c.RuntimeDir, "containers")} {
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && strings.Contains(readFile(t, path), "regkey") {
				t.Errorf("%s names regkey after make uninstall:\n%s", path, readFile(t, path))
			}
			return nil
		})
	}
	if d := dockerLogin(t, c, r.Host, r.User, r.Password); d.ExitCode != 0 {
		t.Errorf("docker login after make uninstall: exit %d\n%s%s", d.ExitCode, d.Stderr, res.Stdout)
	}
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	c.MustRun(t, []byte(r.Password+"\n"), "skopeo", "login", "--tls-verify=false", "-u", r.User, "--password-stdin", r.Host)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
}

// installWithSudo: `sudo make install` by user alice installs into
// /usr/local but wires nothing, since setup would wire root's files, and
// says to run regkey setup as alice; `sudo make uninstall` stops while
// alice's files name regkey, and goes on once she has undone her setup.
// (alice is a user of the private /etc the commands see.)
func installWithSudo(t *testing.T, root string) {
	c, install := installClient(t, root)
	c.UseFileKeystore(t)
	c.Setenv("PATH", debianRootPath+string(os.PathListSeparator)+filepath.Join(goEnv(t, "GOROOT"), "bin"))
	if err := os.RemoveAll(c.DockerConfig); err != nil {
		t.Fatal(err)
	}
	install = slices.DeleteFunc(install, func(a string) bool { return strings.HasPrefix(a, "PREFIX=") })
	uninstall := slices.Clone(install)
	uninstall[slices.Index(uninstall, "install")] = "uninstall"
	m := newFreshRoot(t, c, "/usr/local/bin", "/usr/local/share", "/etc")
	alice := t.TempDir()
	m.MustRun(t, nil, "sh", "-c", `echo "alice:x:1000:1000::$1:/bin/sh" >> /etc/passwd`, "sh", alice)
	c.Setenv("SUDO_USER", "alice")

	res := m.MustRun(t, nil, "make", install...)
	if !strings.Contains(res.Stderr, "regkey: installed into /usr/local/bin. docker and podman are wired per user, and under sudo regkey setup would wire root's: run regkey setup as alice") {
		t.Errorf("sudo make install:\n%s", res.Stderr)
	}
	if _, err := os.Stat(c.DockerConfigFile()); err == nil {
		t.Errorf("sudo make install wired root's docker:\n%s", readFile(t, c.DockerConfigFile()))
	}
	m.MustRun(t, nil, "/usr/local/bin/docker-credential-regkey", "version")

	wired := filepath.Join(alice, ".docker", "config.json")
	if err := os.MkdirAll(filepath.Dir(wired), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wired, []byte(`{"credsStore": "regkey"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res = m.Run(t, nil, "make", uninstall...)
	if res.ExitCode != 2 || !strings.Contains(res.Stderr, "alice's files still name regkey: "+wired) || !strings.Contains(res.Stderr, "run regkey setup --undo as alice") {
		t.Errorf("sudo make uninstall with alice wired: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	m.MustRun(t, nil, "test", "-x", "/usr/local/bin/regkey")
	if err := os.WriteFile(wired, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m.MustRun(t, nil, "make", uninstall...)
	if res := m.Run(t, nil, "test", "-e", "/usr/local/bin/regkey"); res.ExitCode == 0 {
		t.Error("sudo make uninstall left /usr/local/bin/regkey")
	}
}

// installDefaultPrefix: for anyone but root, plain `make install` installs
// into ~/.local (checked with make -n as user nobody, so that nothing is
// built or written), and when ~/.local/bin is not on PATH it names the
// line that puts it there.
func installDefaultPrefix(t *testing.T, root string) {
	testenv.RequireRoot(t)
	testenv.RequireProgram(t, "setpriv")
	c := testenv.NewClient(t, nil)
	home := "/nonexistent/nobody-home"
	c.Setenv("HOME", home)
	res := c.MustRun(t, nil, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
		"make", "-n", "-C", root, "--no-print-directory", "install", "VERSION=test", "COMMIT=test", "DOCS_DATE=2026-01-02", "GO="+goEnv(t, "GOROOT")+"/bin/go")
	for _, want := range []string{
		"install -m 0755 bin/regkey '" + home + "/.local/bin/regkey'\n",
		"'" + home + "/.local/share/man/man1/'\n",
		"'" + home + "/.local/share/bash-completion/completions/regkey'\n",
		`echo '    export PATH="$HOME/.local/bin:$PATH"'`,
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("make -n install as nobody lacks %q:\n%s", want, res.Stdout)
		}
	}
}

// installClient is a client environment with no regkey, whose PATH starts
// with PREFIX/bin, and the make command that installs into that PREFIX.
func installClient(t *testing.T, root string) (*testenv.Client, []string) {
	t.Helper()
	c := testenv.NewClient(t, nil)
	prefix := filepath.Join(c.Dir, "prefix")
	c.Setenv("PATH", filepath.Join(prefix, "bin")+string(os.PathListSeparator)+c.Getenv("PATH"))
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOROOT"} {
		c.Setenv(name, goEnv(t, name))
	}
	c.Setenv("GOPROXY", "off") // everything is in the module cache already
	c.Setenv("GOTOOLCHAIN", "local")
	return c, []string{"-C", root, "--no-print-directory", "install", "PREFIX=" + prefix, "VERSION=test", "COMMIT=test"}
}

// installOnAFreshMachine: on a machine with docker and podman installed but
// no config at all, make install builds, installs both names and runs
// setup, which creates docker's config.json; a second install changes
// nothing.
func installOnAFreshMachine(t *testing.T, root string) {
	c, install := installClient(t, root)
	c.UseFileKeystore(t)
	prefix := filepath.Join(c.Dir, "prefix")
	if err := os.RemoveAll(c.DockerConfig); err != nil {
		t.Fatal(err)
	}

	res := c.MustRun(t, nil, "make", install...)
	for _, name := range []string{"regkey", "docker-credential-regkey"} {
		if _, err := os.Stat(filepath.Join(prefix, "bin", name)); err != nil {
			t.Errorf("%s not installed: %v", name, err)
		}
	}
	if got := readFile(t, c.DockerConfigFile()); got != "{\n\t\"credsStore\": \"regkey\"\n}\n" {
		t.Errorf("config.json after make install = %q\n%s", got, res.Stdout)
	}
	c.MustRun(t, nil, "docker-credential-regkey", "version")
	doctor := c.Run(t, nil, "regkey", "doctor", "--offline")
	if doctor.ExitCode != 0 || !strings.Contains(doctor.Stdout, "docker-credential-regkey is on PATH") {
		t.Errorf("doctor after make install:\n%s%s", doctor.Stdout, doctor.Stderr)
	}

	res = c.MustRun(t, nil, "make", install...)
	if !strings.Contains(res.Stdout, "nothing to change") {
		t.Errorf("second make install:\n%s", res.Stdout)
	}
}

// plaintextConfig is a docker config.json holding logins in plaintext, as
// docker writes them without a credential store, plus settings of its own.
func plaintextConfig(r *testenv.Registry) map[string]any {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	return map[string]any{
		"auths": map[string]any{
			r.Host:             map[string]string{"auth": b64(r.User + ":" + r.Password)},
			auth.HubKey:        map[string]string{"auth": b64("hubuser:hub-secret-1"), "email": "hub@example.invalid"},
			"tok.example.test": map[string]string{"identitytoken": "identity-token-2"},
		},
		"psFormat": "table {{.ID}}",
	}
}

// installWithPlaintextLogins: make install on a machine whose docker
// config holds plaintext logins moves every one into the keystore (no secret
// left in any file, each readable through the helper, docker still
// authenticates) and keeps docker's other settings.
func installWithPlaintextLogins(t *testing.T, root string) {
	r := testenv.BasicRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "test/install:v1")
	c, install := installClient(t, root)
	c.UseFileKeystore(t)
	c.WriteDockerConfig(t, plaintextConfig(r))

	res := c.MustRun(t, nil, "make", install...)
	cfg := c.ReadDockerConfig(t)
	if cfg["credsStore"] != "regkey" || cfg["psFormat"] != "table {{.ID}}" {
		t.Errorf("config.json after make install: credsStore %v, psFormat %v\n%s%s", cfg["credsStore"], cfg["psFormat"], res.Stdout, res.Stderr)
	}
	for _, secret := range []string{r.Password, "hub-secret-1", "identity-token-2",
		base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))} {
		assertNoPlaintext(t, c, secret)
	}
	for key, want := range map[string]cred{
		r.Host:             {r.Host, r.User, r.Password},
		auth.HubKey:        {auth.HubKey, "hubuser", "hub-secret-1"},
		"docker.io":        {"docker.io", "hubuser", "hub-secret-1"},
		"tok.example.test": {"tok.example.test", auth.TokenUsername, "identity-token-2"},
	} {
		if got, ok := helperGet(t, c, key); !ok || got != want {
			t.Errorf("get %s after make install = %+v (found %v), want %+v", key, got, ok, want)
		}
	}
	res = c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, `"schemaVersion"`) {
		t.Errorf("docker manifest inspect with the moved login: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// installWithUnavailableKeystore: when the plaintext logins cannot move
// (the keystore asked for cannot be opened), make install fails, says so,
// and leaves docker's config.json byte for byte as it was.
func installWithUnavailableKeystore(t *testing.T, root string) {
	r := testenv.BasicRegistry(t)
	c, install := installClient(t, root)
	c.Setenv("REGKEY_KEYSTORE", "os") // and no session bus
	c.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
	if fileExists(fmt.Sprintf("/run/user/%d/bus", os.Getuid())) {
		c.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(c.Dir, "no-bus"))
	}
	c.WriteDockerConfig(t, plaintextConfig(r))
	before := readFile(t, c.DockerConfigFile())

	res := c.Run(t, nil, "make", install...)
	if res.ExitCode == 0 {
		t.Errorf("make install succeeded with logins it could not move:\n%s%s", res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "nothing was changed") {
		t.Errorf("make install does not say that nothing was changed:\n%s", res.Stderr)
	}
	if after := readFile(t, c.DockerConfigFile()); after != before {
		t.Errorf("config.json changed:\nbefore %s\nafter %s", before, after)
	}
}

// installNotOnPath: when PREFIX/bin is not on PATH, docker could not run
// the helper, so make install installs the binaries but wires nothing,
// fails and says what to do; config.json keeps its plaintext logins.
func installNotOnPath(t *testing.T, root string) {
	r := testenv.BasicRegistry(t)
	c, install := installClient(t, root)
	c.UseFileKeystore(t)
	prefix := filepath.Join(c.Dir, "prefix")
	c.Setenv("PATH", strings.TrimPrefix(c.Getenv("PATH"), filepath.Join(prefix, "bin")+string(os.PathListSeparator)))
	c.WriteDockerConfig(t, plaintextConfig(r))
	before := readFile(t, c.DockerConfigFile())

	res := c.Run(t, nil, "make", install...)
	// make exits 2 when a recipe fails.
	if res.ExitCode != 2 || !strings.Contains(res.Stderr, "which is not on PATH: docker and podman were NOT wired") ||
		!strings.Contains(res.Stderr, "\n    export PATH=\""+filepath.Join(prefix, "bin")+":$PATH\"\n") {
		t.Errorf("make install with PREFIX/bin off PATH: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(prefix, "bin", "docker-credential-regkey")); err != nil {
		t.Errorf("helper not installed: %v", err)
	}
	if after := readFile(t, c.DockerConfigFile()); after != before {
		t.Errorf("config.json changed:\nbefore %s\nafter %s", before, after)
	}
}
