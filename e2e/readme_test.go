package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// readmeBlocks returns the ```sh blocks of the README section under
// heading (up to the next "## " heading).
func readmeBlocks(t *testing.T, heading string) []string {
	t.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks []string
	for {
		_, rest, ok := strings.Cut(section, "```sh\n")
		if !ok {
			break
		}
		block, after, closed := strings.Cut(rest, "```")
		if !closed {
			t.Fatalf("README.md: an sh block under %q is not closed", heading)
		}
		blocks = append(blocks, block)
		section = after
	}
	if len(blocks) == 0 {
		t.Fatalf("README.md: no sh block under %q", heading)
	}
	return blocks
}

// readmeExample is the registry the README's examples use.
const readmeExample = "registry.example.com:5000"

// readmeQuickStart runs the README's "Quick start", as root on a fresh
// machine (private /usr/local and /etc/docker, see freshRoot), against an
// HTTPS registry with its own CA, trusted as "A registry with its own CA"
// says for root; then "Uninstall". The commands run as written, but for
// what this machine cannot do: docker has no daemon, so `docker pull` and
// `docker push` become `docker manifest inspect` (the docker CLI gets the
// credential from the helper the same way), and podman gets private
// storage flags. It is a subtest of TestMakeInstall, as make install builds
// into the work tree.
func readmeQuickStart(t *testing.T, root string) {
	for _, p := range []string{"docker", "podman", "skopeo"} {
		testenv.RequireProgram(t, p)
	}
	r := testenv.TLSRegistry(t)
	img := testenv.NewImage(t, "v1")
	r.Push(t, img, "myapp:v1")
	c, _ := installClient(t, root)
	c.Setenv("PATH", debianRootPath+string(os.PathListSeparator)+filepath.Join(goEnv(t, "GOROOT"), "bin"))
	c.Unsetenv("REGISTRY_AUTH_FILE")
	if fileExists(fmt.Sprintf("/run/user/%d/bus", os.Getuid())) {
		c.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(c.Dir, "no-bus")) // a fresh server: no session bus
	}
	if err := os.RemoveAll(c.DockerConfig); err != nil {
		t.Fatal(err)
	}
	c.Setenv("REG_USER", r.User)
	c.Setenv("REG_PASSWORD", r.Password)
	if err := os.WriteFile(filepath.Join(c.Home, "ca.crt"), []byte(readFile(t, r.CA.CertFile)), 0o644); err != nil {
		t.Fatal(err)
	}
	m := newFreshRoot(t, c, "/usr/local/bin", "/usr/local/share", "/etc/docker")
	// podman refuses a run root longer than 50 bytes; this test's name
	// makes its temp dir too long.
	runRoot, err := os.MkdirTemp("", "podman-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runRoot) })
	c.PodmanRunRoot = runRoot

	trust := strings.ReplaceAll(readmeBlocks(t, "## A registry with its own CA")[0], readmeExample, r.Host)
	var lines []string
	for _, line := range strings.Split(readmeBlocks(t, "## Quick start")[0], "\n") {
		switch {
		case line == "make install":
			line = "make -C " + root + " --no-print-directory install"
		case strings.HasPrefix(line, "REG="):
			line = "REG=" + r.Host
		case strings.HasPrefix(line, "docker pull "), strings.HasPrefix(line, "docker push "):
			line = "docker manifest inspect " + line[len("docker pull "):]
		case strings.HasPrefix(line, "podman "):
			line = "podman " + strings.Join(c.PodmanArgs(), " ") + line[len("podman"):]
		}
		lines = append(lines, line)
	}
	res := m.Run(t, nil, "sh", "-ec", trust+strings.Join(lines, "\n"))
	if res.ExitCode != 0 {
		t.Fatalf("the quick start: exit %d\nscript:\n%s\n%s\nstdout:\n%s\nstderr:\n%s", res.ExitCode, trust, strings.Join(lines, "\n"), res.Stdout, res.Stderr)
	}
	for _, want := range []string{"Login Succeeded\n", `"schemaVersion": 2`, "REGISTRY "} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("the quick start's output lacks %q:\n%s", want, res.Stdout)
		}
	}
	if got := strings.Count(res.Stdout, `"schemaVersion": 2`); got != 2 {
		t.Errorf("docker inspected %d manifests, want 2 (pull and push)", got)
	}
	var status struct {
		Registries []struct{ Registry, Source, Docker, Podman string }
	}
	out := m.MustRun(t, nil, "regkey", "status", "--json")
	if err := json.Unmarshal([]byte(out.Stdout), &status); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(status.Registries, func(r2 struct{ Registry, Source, Docker, Podman string }) bool { return r2.Registry == r.Host })
	if i < 0 || status.Registries[i].Docker != testenv.HelperName || status.Registries[i].Podman != testenv.HelperName {
		t.Errorf("status after the quick start:\n%s", out.Stdout)
	}
	// The CA in /etc/docker/certs.d serves regkey's other HTTPS calls too.
	m.MustRun(t, nil, "regkey", "status", "--check")
	m.MustRun(t, nil, "regkey", "api", r.Host+"/v2/myapp/tags/list")
	assertNoPlaintext(t, c, r.Password)

	uninstall := strings.ReplaceAll(readmeBlocks(t, "## Uninstall")[0], "make uninstall", "make -C "+root+" --no-print-directory uninstall")
	res = m.Run(t, nil, "sh", "-ec", uninstall)
	if res.ExitCode != 0 {
		t.Fatalf("uninstall: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if got := m.Run(t, nil, "sh", "-c", "command -v regkey; command -v docker-credential-regkey"); got.Stdout != "" {
		t.Errorf("PATH still finds %q after make uninstall", got.Stdout)
	}
	for _, dir := range []string{c.DockerConfig, filepath.Join(c.Home, ".config", "containers"), filepath.Join(c.RuntimeDir, "containers")} {
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && strings.Contains(readFile(t, path), "regkey") {
				t.Errorf("%s names regkey after make uninstall:\n%s", path, readFile(t, path))
			}
			return nil
		})
	}
	// podman and skopeo are not broken: they log in (to their own file)
	// and pull without regkey.
	m.MustRun(t, []byte(r.Password+"\n"), "skopeo", "login", "-u", r.User, "--password-stdin", r.Host)
	m.MustRun(t, nil, "skopeo", "inspect", "docker://"+r.Host+"/myapp:v1")
}

// TestReadmeTrustWithoutRoot runs the README's commands that trust a
// registry's own CA without root, as user nobody: before them, regkey
// login and skopeo fail on the certificate; after them, regkey login
// succeeds and skopeo (rootless) pulls through regkey.
func TestReadmeTrustWithoutRoot(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	r := testenv.TLSRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "myapp:v1")
	c := testenv.NewClient(t, nil)
	c.WriteAuthFile(t, map[string]any{"credHelpers": map[string]string{r.Host: "regkey"}})
	if err := os.WriteFile(filepath.Join(c.Home, "ca.crt"), []byte(readFile(t, r.CA.CertFile)), 0o644); err != nil {
		t.Fatal(err)
	}
	n := asNobody(t, c)
	login := func() testenv.Result {
		return n.Run(t, []byte(r.Password), "regkey", "login", "-u", r.User, "--password-stdin", r.Host)
	}
	skopeo := func() testenv.Result { return n.Run(t, nil, "skopeo", "inspect", "docker://"+ref) }

	if res := login(); res.ExitCode == 0 || !strings.Contains(res.Stderr, "certificate") {
		t.Fatalf("login before the CA is trusted: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	if res := skopeo(); res.ExitCode == 0 || !strings.Contains(res.Stderr, "x509") {
		t.Fatalf("skopeo before the CA is trusted: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	block := strings.ReplaceAll(readmeBlocks(t, "## A registry with its own CA")[1], readmeExample, r.Host)
	if res := n.Run(t, nil, "sh", "-ec", block); res.ExitCode != 0 {
		t.Fatalf("the README's commands: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	if res := login(); res.ExitCode != 0 || !strings.Contains(res.Stdout, "Login Succeeded") {
		t.Errorf("login with the CA in ~/.docker/certs.d: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if res := skopeo(); res.ExitCode != 0 {
		t.Errorf("skopeo with the CA in ~/.config/containers/certs.d: exit %d\n%s", res.ExitCode, res.Stderr)
	}
}

// usageFlag finds a flag in a command's usage text: "--name" or "-n".
var usageFlag = regexp.MustCompile(`(?m)^\s+(?:-(\w), )?--([\w-]+)`)

// TestReadmeCommandsTable: the README's command table has a row for every
// command of the built regkey (`regkey --help`), and each row names every
// flag the command has (`regkey CMD --help`), by its long or short name.
func TestReadmeCommandsTable(t *testing.T) {
	t.Parallel()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(b), "\n## Commands\n")
	table, _, _ = strings.Cut(table, "\n\n## ")
	rows := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		if cell, ok := strings.CutPrefix(line, "| `regkey "); ok {
			name, _, _ := strings.Cut(cell, " ")
			name, _, _ = strings.Cut(name, "`")
			usage, _, _ := strings.Cut(cell, "` |")
			rows[name] = usage
		}
	}
	help := c.MustRun(t, nil, "regkey", "--help").Stdout
	_, commands, _ := strings.Cut(help, "Available Commands:\n")
	commands, _, _ = strings.Cut(commands, "\n\n")
	for _, line := range strings.Split(commands, "\n") {
		name := strings.Fields(line)[0]
		if name == "help" {
			continue
		}
		usage, ok := rows[name]
		if !ok {
			t.Errorf("README's command table has no row for regkey %s", name)
			continue
		}
		flags := c.MustRun(t, nil, "regkey", name, "--help").Stdout
		if name == "completion" {
			flags = c.MustRun(t, nil, "regkey", "completion", "bash", "--help").Stdout
		}
		_, flags, _ = strings.Cut(flags, "\nFlags:\n")
		for _, m := range usageFlag.FindAllStringSubmatch(flags, -1) {
			short, long := m[1], m[2]
			if long == "help" {
				continue
			}
			if !strings.Contains(usage, "--"+long) && (short == "" || !strings.Contains(usage, "-"+short+" ") && !strings.Contains(usage, "-"+short+"]")) {
				t.Errorf("README's row for regkey %s lacks --%s: %s", name, long, usage)
			}
		}
	}
}
