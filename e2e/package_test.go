package e2e

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yaml3 "go.yaml.in/yaml/v3"

	"github.com/regkey/regkey/internal/testenv"
)

// Stamped into the package under test by `make package`.
const (
	pkgVersion = "v9.8.7"
	pkgCommit  = "abc1234"
)

// TestPackage builds the .deb and .rpm with `make package`, lists both,
// installs each with its own package manager into a private root (dpkg
// --root, rpm --root, with empty databases) and runs the installed helper
// for the protocol.
func TestPackage(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"make", "dpkg-deb", "dpkg", "rpm"} {
		testenv.RequireProgram(t, p)
	}
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	// make package builds with the flags BuildRegkey uses: with the binary
	// under test built, it finds every package compiled and only links. It
	// is bounded only by the test binary's deadline.
	testenv.BuildRegkey(t)
	dist := t.TempDir()
	cmd := exec.CommandContext(testenv.Context(t), "make", "--no-print-directory", "-C", root, "package",
		"DIST="+dist, "VERSION="+pkgVersion, "COMMIT="+pkgCommit, "DOCS_DATE=2026-01-02", "GO="+pkgGoCommand())
	cmd.Env = append(os.Environ(), "MAKEFLAGS=", "PATH="+testenv.SystemPath())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make package: %v\n%s", err, out)
	}
	arch := runtime.GOARCH
	deb := filepath.Join(dist, "regkey_9.8.7-1_"+arch+".deb")
	rpmArch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
	rpm := filepath.Join(dist, "regkey-9.8.7-1."+rpmArch+".rpm")
	if entries, _ := os.ReadDir(dist); !pkgFileExists(deb) || !pkgFileExists(rpm) {
		t.Fatalf("want %s and %s, have %v", filepath.Base(deb), filepath.Base(rpm), entries)
	}

	// Both packages hold the same files, but zsh's directory.
	shipped := func(zsh string) []string {
		return []string{
			"/usr/bin/regkey", "/usr/bin/docker-credential-regkey",
			"/usr/share/bash-completion/completions/regkey", zsh, "/usr/share/fish/vendor_completions.d/regkey.fish",
			"/usr/share/man/man1/regkey.1.gz", "/usr/share/man/man1/regkey-refresh.1.gz",
			"/usr/share/man/man1/regkey-export.1.gz", "/usr/share/man/man1/regkey-kubelet-provider.1.gz",
			"/usr/lib/systemd/user/regkey-refresh.service", "/usr/lib/systemd/user/regkey-refresh.timer",
			"/usr/share/doc/regkey/examples/credential-provider-config.yaml",
		}
	}

	listing := pkgRun(t, "dpkg-deb", "-c", deb)
	for _, want := range []string{
		"-rwxr-xr-x root/root", " ./usr/bin/regkey\n", " ./usr/bin/docker-credential-regkey -> regkey\n",
	} {
		if !strings.Contains(listing, want) {
			t.Errorf("dpkg-deb -c lacks %q:\n%s", want, listing)
		}
	}
	for _, f := range shipped("/usr/share/zsh/vendor-completions/_regkey") {
		if !strings.Contains(listing, " ."+f+"\n") && !strings.Contains(listing, " ."+f+" -> ") {
			t.Errorf("dpkg-deb -c lacks %s:\n%s", f, listing)
		}
	}
	fields := pkgRun(t, "dpkg-deb", "-f", deb, "Package", "Version", "Architecture")
	if want := "Package: regkey\nVersion: 9.8.7-1\nArchitecture: " + arch + "\n"; fields != want {
		t.Errorf("control fields:\n%s\nwant:\n%s", fields, want)
	}

	// Queries of a package file still open an rpm database: give them a
	// private one (Debian's rpm defaults to ~/.rpmdb in the user's HOME).
	rpmDB := "--dbpath=" + t.TempDir()
	rpmFiles := pkgRun(t, "rpm", rpmDB, "-qlp", rpm)
	for _, f := range shipped("/usr/share/zsh/site-functions/_regkey") {
		if !strings.Contains("\n"+rpmFiles, "\n"+f+"\n") {
			t.Errorf("rpm -qlp lacks %s:\n%s", f, rpmFiles)
		}
	}
	if got, want := pkgRun(t, "rpm", rpmDB, "-qp", "--queryformat", "%{NAME} %{VERSION} %{RELEASE} %{ARCH}", rpm), "regkey 9.8.7 1 "+rpmArch; got != want {
		t.Errorf("rpm -qp: %q, want %q", got, want)
	}
	modes := pkgRun(t, "rpm", rpmDB, "-qp", "--queryformat", "[%{FILEMODES:perms} %{FILENAMES} %{FILELINKTOS}\n]", rpm)
	for _, want := range []string{"\n-rwxr-xr-x /usr/bin/regkey \n", "\nl--------- /usr/bin/docker-credential-regkey regkey\n"} {
		if !strings.Contains("\n"+modes, want) {
			t.Errorf("rpm file modes lack %q:\n%s", want, modes)
		}
	}

	debRoot := filepath.Join(t.TempDir(), "root")
	for _, d := range []string{"info", "updates", "triggers"} {
		if err := os.MkdirAll(filepath.Join(debRoot, "var/lib/dpkg", d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(debRoot, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pkgRun(t, "dpkg", "--root="+debRoot, "--force-not-root", "--log=/dev/null", "-i", deb)
	if st := pkgRun(t, "dpkg", "--root="+debRoot, "-s", "regkey"); !strings.Contains(st, "Status: install ok installed\n") {
		t.Errorf("dpkg -s regkey after dpkg -i:\n%s", st)
	}
	rpmRoot := filepath.Join(t.TempDir(), "root")
	pkgRun(t, "rpm", "--root", rpmRoot, "--initdb")
	pkgRun(t, "rpm", "--root", rpmRoot, "-i", "--nodeps", "--noscripts", "--nosignature", rpm)
	if got := pkgRun(t, "rpm", "--root", rpmRoot, "-q", "regkey"); got != "regkey-9.8.7-1."+rpmArch+"\n" {
		t.Errorf("rpm -q regkey after rpm -i: %q", got)
	}

	t.Run("deb", func(t *testing.T) {
		t.Run("protocol", func(t *testing.T) { packagedProtocol(t, debRoot) })
		t.Run("docs", func(t *testing.T) { packagedDocs(t, debRoot) })
		t.Run("systemd", func(t *testing.T) { packagedUnits(t, debRoot) })
		t.Run("remove", func(t *testing.T) { packagedRemoval(t, debRoot) })
	})
	t.Run("rpm", func(t *testing.T) {
		packagedProtocol(t, rpmRoot)
		// rpm runs the same removal script as its %preun.
		script := pkgRun(t, "rpm", rpmDB, "-qp", "--queryformat", "%{PREUN}", rpm)
		if want := readFile(t, filepath.Join(root, "packaging/scripts/preremove.sh")); strings.TrimSpace(script) != strings.TrimSpace(want) {
			t.Errorf("the rpm's %%preun is not packaging/scripts/preremove.sh:\n%s", script)
		}
	})
}

// packagedRemoval removes the .deb with dpkg (its prerm running against the
// private root, as dpkg does for --root with chrootless scripts): the prerm
// names the user whose docker and podman files still name regkey, and what
// to do, and leaves every file as it was; the other users are not named.
func packagedRemoval(t *testing.T, inst string) {
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(inst, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n")
	alice := `{"auths":{"registry.example":{}},"credsStore":"regkey"}`
	write("home/alice/.docker/config.json", alice)
	write("home/alice/.config/containers/registries.conf.d/zz-regkey.conf", "[aliases]\ncredential-helpers = [\"regkey\", \"containers-auth.json\"]\n")
	write("home/bob/.docker/config.json", `{"credsStore":"desktop"}`)
	write("root/.config/containers/auth.json", `{"credHelpers":{"quay.io":"regkey"}}`)

	cmd := exec.CommandContext(testenv.Context(t), "dpkg", "--root="+inst, "--force-not-root", "--force-script-chrootless", "--log=/dev/null", "-r", "regkey")
	cmd.Env = append(os.Environ(), "PATH="+testenv.SystemPath())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg -r regkey: %v\n%s", err, out)
	}
	for _, want := range []string{
		"\n  alice: /home/alice/.docker/config.json /home/alice/.config/containers/registries.conf.d/zz-regkey.conf\n",
		"\n  root: /root/.config/containers/auth.json\n",
		"run `regkey setup --undo` as each of them",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("dpkg -r output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "bob") {
		t.Errorf("bob's docker does not use regkey, but the prerm names him:\n%s", out)
	}
	if got := readFile(t, filepath.Join(inst, "home/alice/.docker/config.json")); got != alice {
		t.Errorf("the prerm changed alice's config.json: %s", got)
	}
	if pkgFileExists(filepath.Join(inst, "usr/bin/regkey")) {
		t.Error("dpkg -r left /usr/bin/regkey")
	}
}

// packagedProtocol runs the unpacked binary under both names.
func packagedProtocol(t *testing.T, inst string) {
	c := testenv.NewClient(t, nil)
	c.UseFileKeystore(t)
	helper := filepath.Join(inst, "usr/bin/docker-credential-regkey")
	regkey := filepath.Join(inst, "usr/bin/regkey")

	if out := c.MustRun(t, nil, regkey, "version").Stdout; out != "regkey "+pkgVersion+" (commit "+pkgCommit+")\n" {
		t.Errorf("regkey version = %q", out)
	}
	if out := c.MustRun(t, nil, helper, "version").Stdout; !strings.Contains(out, pkgVersion) {
		t.Errorf("helper version = %q, want %s", out, pkgVersion)
	}
	if out := strings.TrimSpace(c.MustRun(t, nil, helper, "list").Stdout); out != "{}" {
		t.Errorf("helper list on an empty keystore = %q", out)
	}
	res := c.Run(t, []byte("registry.invalid"), helper, "get")
	if res.ExitCode != 1 || strings.TrimSpace(res.Stdout) != notFound {
		t.Errorf("helper get: exit %d, stdout %q, stderr %q; want the not-found answer", res.ExitCode, res.Stdout, res.Stderr)
	}
	c.MustRun(t, []byte(`{"ServerURL":"registry.invalid","Username":"u","Secret":"packaged-secret"}`), helper, "store")
	if out := c.MustRun(t, []byte("registry.invalid"), helper, "get").Stdout; !strings.Contains(out, `"Secret":"packaged-secret"`) {
		t.Errorf("helper get after store = %q", out)
	}
}

// packagedDocs checks the man pages and that bash loads the completion.
func packagedDocs(t *testing.T, inst string) {
	f, err := os.Open(filepath.Join(inst, "usr/share/man/man1/regkey-refresh.1.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	man, _ := io.ReadAll(zr)
	if !bytes.Contains(man, []byte(`.TH "REGKEY-REFRESH" "1" "Jan 2026" "regkey 9.8.7"`)) || !bytes.Contains(man, []byte("if-expiring-within")) {
		t.Errorf("regkey-refresh(1):\n%.400s", man)
	}
	testenv.RequireProgram(t, "bash")
	comp := filepath.Join(inst, "usr/share/bash-completion/completions/regkey")
	if out := pkgRun(t, "bash", "-c", `source "$1" && complete -p regkey`, "bash", comp); !strings.Contains(out, "regkey") {
		t.Errorf("bash completion registers %q", out)
	}
}

// packagedUnits verifies the systemd user units with systemd-analyze,
// pointed at the unpacked binary.
func packagedUnits(t *testing.T, inst string) {
	testenv.RequireProgram(t, "systemd-analyze")
	dir := t.TempDir()
	for _, name := range []string{"regkey-refresh.service", "regkey-refresh.timer"} {
		b, err := os.ReadFile(filepath.Join(inst, "usr/lib/systemd/user", name))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("/usr/bin/regkey"), []byte(filepath.Join(inst, "usr/bin/regkey")))
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(testenv.Context(t), "systemd-analyze", "verify", "--man=no", filepath.Join(dir, "regkey-refresh.service"), filepath.Join(dir, "regkey-refresh.timer"))
	cmd.Env = append(os.Environ(), "PATH="+testenv.SystemPath())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// pkgRun runs a program and returns its stdout, failing the test on error.
func pkgRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx := testenv.Context(t)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "PATH="+testenv.SystemPath()) // dpkg runs ldconfig from /sbin
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// pkgGoCommand is the go command of the toolchain running the tests: go
// test puts its own GOROOT/bin first on the test binary's PATH.
func pkgGoCommand() string { return "go" }

func pkgFileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestReleaseConfigs checks the packaging files that only a release runs:
// the goreleaser config covers every platform with checksums and stamps the
// version where regkey reads it, every file the configs ship exists, the CI
// snippets are YAML that runs regkey refresh, and pkgversion.sh maps git
// versions to package versions.
func TestReleaseConfigs(t *testing.T) {
	t.Parallel()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	read := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	type content struct {
		Src, Dst, Type, Packager string
		Expand                   bool
	}
	var gr struct {
		Version int
		Builds  []struct {
			ID, Main, Binary string
			Goos, Goarch     []string
			Ldflags          []string
		}
		Archives []struct {
			Formats []string
			Files   []struct{ Src string }
		}
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
			Algorithm    string
		}
		Nfpms []struct {
			Formats  []string
			Contents []content
			Scripts  map[string]string
		}
	}
	if err := yaml3.Unmarshal(read("packaging/goreleaser.yaml"), &gr); err != nil {
		t.Fatalf("goreleaser.yaml: %v", err)
	}
	version := string(read("internal/version/version.go"))
	platforms := map[string]bool{}
	for _, b := range gr.Builds {
		if b.Main != "./cmd/regkey" {
			t.Errorf("build %s: main %q", b.ID, b.Main)
		}
		ld := strings.Join(b.Ldflags, " ")
		for _, v := range []string{"Version", "Commit"} {
			if !strings.Contains(ld, "-X github.com/regkey/regkey/internal/version."+v+"=") || !strings.Contains(version, v) {
				t.Errorf("build %s does not stamp internal/version.%s", b.ID, v)
			}
		}
		for _, goos := range b.Goos {
			for _, goarch := range b.Goarch {
				platforms[b.Binary+" "+goos+"/"+goarch] = true
			}
		}
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		for _, goarch := range []string{"amd64", "arm64"} {
			if !platforms["regkey "+goos+"/"+goarch] {
				t.Errorf("goreleaser builds no regkey for %s/%s", goos, goarch)
			}
		}
	}
	if gr.Version != 2 || gr.Checksum.NameTemplate == "" || gr.Checksum.Algorithm != "sha256" || len(gr.Archives) == 0 || len(gr.Nfpms) == 0 {
		t.Errorf("goreleaser config: version %d, checksum %+v, %d archives, %d nfpms", gr.Version, gr.Checksum, len(gr.Archives), len(gr.Nfpms))
	}

	var nf struct {
		Contents []content
		Scripts  map[string]string
	}
	if err := yaml3.Unmarshal(read("packaging/nfpm.yaml"), &nf); err != nil {
		t.Fatalf("nfpm.yaml: %v", err)
	}
	// The release packages install what `make package` installs.
	dsts := func(cs []content) []string {
		var out []string
		for _, c := range cs {
			if c.Dst != "/usr/bin/regkey" { // goreleaser installs the binary through bindir
				out = append(out, c.Dst+" "+c.Type+" "+c.Packager)
			}
		}
		sort.Strings(out)
		return out
	}
	if diff := cmp.Diff(dsts(nf.Contents), dsts(gr.Nfpms[0].Contents)); diff != "" {
		t.Errorf("goreleaser's nfpms contents differ from nfpm.yaml's (-nfpm.yaml +goreleaser):\n%s", diff)
	}
	if diff := cmp.Diff(nf.Scripts, gr.Nfpms[0].Scripts); diff != "" || nf.Scripts["preremove"] == "" {
		t.Errorf("package scripts: nfpm.yaml %v, goreleaser %v", nf.Scripts, gr.Nfpms[0].Scripts)
	}
	for _, script := range nf.Scripts {
		if _, err := os.Stat(filepath.Join(root, script)); err != nil {
			t.Errorf("packaging runs %s: %v", script, err)
		}
	}
	shipped := append([]content(nil), nf.Contents...)
	shipped = append(shipped, gr.Nfpms[0].Contents...)
	for _, a := range gr.Archives {
		for _, f := range a.Files {
			shipped = append(shipped, content{Src: f.Src})
		}
	}
	for _, c := range shipped {
		switch {
		case strings.Contains(c.Src, "${PKG_DIST}") && !c.Expand:
			t.Errorf("nfpm.yaml: %s needs expand: true", c.Src)
		case c.Type == "symlink" || strings.Contains(c.Src, "${") || strings.HasPrefix(c.Src, "dist/"):
		default:
			if _, err := os.Stat(filepath.Join(root, c.Src)); err != nil {
				t.Errorf("packaging ships %s: %v", c.Src, err)
			}
		}
	}

	for _, rel := range []string{"packaging/ci/github-actions.yml", "packaging/ci/gitlab-ci.yml"} {
		var doc map[string]any
		data := read(rel)
		if err := yaml3.Unmarshal(data, &doc); err != nil || len(doc) == 0 {
			t.Errorf("%s: %v", rel, err)
		}
		if !strings.Contains(string(data), "regkey refresh --if-expiring-within") {
			t.Errorf("%s runs no regkey refresh", rel)
		}
	}
	if unit := string(read("packaging/systemd/regkey-refresh.service")); !strings.Contains(unit, "\nExecStart=/usr/bin/regkey refresh --if-expiring-within ") {
		t.Errorf("regkey-refresh.service does not run regkey refresh:\n%s", unit)
	}

	for in, want := range map[string]string{
		"v1.2.3": "1.2.3", "v1.2.3-rc.1": "1.2.3~rc.1", "v1.2.3-4-gabc1234": "1.2.3+4.gabc1234",
		"v1.2.3-4-gabc1234-dirty": "1.2.3+4.gabc1234.dirty", "abc1234-dirty": "0.0.0~git.abc1234.dirty", "": "0.0.0~git.dev",
	} {
		if got := strings.TrimSpace(pkgRun(t, "sh", filepath.Join(root, "packaging/pkgversion.sh"), in)); got != want {
			t.Errorf("pkgversion.sh %q = %q, want %q", in, got, want)
		}
	}
}

// documentedCommand finds `regkey COMMAND ...` in documentation and CI
// files, for every command, up to a pipe, comment, backquote or closing
// parenthesis or redirection.
var documentedCommand = regexp.MustCompile("(?:^|[\\s\"'`(/])regkey ((?:setup|login|logout|list|status|doctor|refresh|export|kubelet-provider|api|completion|version)\\b[^|#`)<>\\n]*)")

// TestDocumentedCommands runs every regkey command line that the READMEs,
// the CI snippets and the systemd unit show through the built regkey's
// flag parser (with --help, so nothing runs): a command or flag the docs
// name but regkey lacks, or a value of the wrong type, fails here.
func TestDocumentedCommands(t *testing.T) {
	t.Parallel()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md", "packaging/README.md", "packaging/ci/github-actions.yml", "packaging/ci/gitlab-ci.yml", "packaging/systemd/regkey-refresh.service"}
	vars := regexp.MustCompile(`"?\$\{\{[^}]*\}\}"?|"?\$\{?[A-Z_]+\}?"?`)
	c := newProviderClient(t)
	seen := map[string]bool{}
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "\\\n", " ")
		found := 0
		for _, m := range documentedCommand.FindAllStringSubmatch(text, -1) {
			line := vars.ReplaceAllString(strings.TrimSpace(m[1]), "registry.example.com")
			args := strings.Fields(strings.ReplaceAll(line, `"`, ""))
			found++
			if seen[line] {
				continue
			}
			seen[line] = true
			res := c.Run(t, nil, "regkey", append(args, "--help")...)
			if res.ExitCode != 0 {
				t.Errorf("%s: `regkey %s`: exit %d: %s", rel, line, res.ExitCode, strings.TrimSpace(res.Stderr))
			}
		}
		if found == 0 {
			t.Errorf("%s shows no regkey refresh, export or kubelet-provider command", rel)
		}
	}
	if len(seen) < 8 {
		t.Errorf("found only %d documented commands: %v", len(seen), seen)
	}
}
