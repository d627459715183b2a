package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/testenv"
)

// doctorCheck is one line of `regkey doctor --json`.
type doctorCheck struct {
	Check, Status, Message, Fix string
}

// doctorJSON runs `regkey doctor --json` with args and returns its exit
// code and checks, each as "status check message" and "fix: ..." lines for
// error messages and searching.
func doctorJSON(t *testing.T, c *testenv.Client, regkey string, args ...string) (int, []doctorCheck, string) {
	t.Helper()
	return parseDoctor(t, c.Run(t, nil, regkey, append([]string{"doctor", "--json"}, args...)...))
}

// parseDoctor reads the result of `regkey doctor --json` as doctorJSON
// returns it.
func parseDoctor(t *testing.T, res testenv.Result) (int, []doctorCheck, string) {
	t.Helper()
	var out struct{ Checks []doctorCheck }
	if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
		t.Fatalf("doctor --json: exit %d, %v\nstdout:\n%s\nstderr:\n%s", res.ExitCode, err, res.Stdout, res.Stderr)
	}
	var lines []string
	for _, ch := range out.Checks {
		lines = append(lines, ch.Status+" "+ch.Check+" "+ch.Message)
		if ch.Fix != "" {
			lines = append(lines, "  fix: "+ch.Fix)
		}
	}
	return res.ExitCode, out.Checks, strings.Join(lines, "\n")
}

// findCheck returns the first check of kind check whose message contains
// part.
func findCheck(checks []doctorCheck, check, part string) (doctorCheck, bool) {
	for _, c := range checks {
		if c.Check == check && strings.Contains(c.Message, part) {
			return c, true
		}
	}
	return doctorCheck{}, false
}

// loggedIn is a registry with a private image and a client logged in to it
// through `regkey login`, docker wired by credsStore and podman/skopeo by
// credHelpers.
func loggedIn(t *testing.T) (*testenv.Registry, *testenv.Client, string) {
	t.Helper()
	r := testenv.BasicRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "test/doctor:v1")
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	c.UseFileKeystore(t)
	c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey"})
	useCredHelper(t, c, r.Host)
	c.MustRun(t, []byte(r.Password), "regkey", "login", "-u", r.User, "--password-stdin", r.Host)
	return r, c, ref
}

// TestStatusCheckFailsWhenItCannotCheck: `regkey status --check` is a CI
// gate, so when the keystore cannot be opened (an unknown REGKEY_KEYSTORE)
// or read (a damaged file store) it fails, as docker and skopeo then do,
// instead of warning and exiting 0.
func TestStatusCheckFailsWhenItCannotCheck(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	r, c, ref := loggedIn(t)
	clientsWork := func(want bool) {
		t.Helper()
		d := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
		s := c.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
		if (d.ExitCode == 0) != want || (s.ExitCode == 0) != want {
			t.Errorf("docker manifest inspect exit %d, skopeo inspect exit %d; want success %v\n%s\n%s", d.ExitCode, s.ExitCode, want, d.Stderr, s.Stderr)
		}
	}
	res := c.MustRun(t, nil, "regkey", "status", "--check")
	if !strings.Contains(res.Stdout, "ok: basic authentication succeeded") {
		t.Errorf("status --check:\n%s", res.Stdout)
	}
	clientsWork(true)

	c.Setenv("REGKEY_KEYSTORE", "bogus")
	res = c.Run(t, nil, "regkey", "status", "--check")
	if res.ExitCode != 2 || !strings.Contains(res.Stderr, `regkey: status --check could not check every registry: REGKEY_KEYSTORE="bogus"`) {
		t.Errorf("status --check with REGKEY_KEYSTORE=bogus: exit %d, want 2\n%s", res.ExitCode, res.Stderr)
	}
	clientsWork(false)
	c.Setenv("REGKEY_KEYSTORE", "file")

	store := filepath.Join(c.DataDir, "regkey", "credentials.enc")
	good := readFile(t, store)
	if err := os.WriteFile(store, []byte("{not a store"), 0o600); err != nil {
		t.Fatal(err)
	}
	res = c.Run(t, nil, "regkey", "status", "--check")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "could not check every registry: ") || !strings.Contains(res.Stderr, "damaged") {
		t.Errorf("status --check with a damaged store: exit %d, want 1\n%s", res.ExitCode, res.Stderr)
	}
	if plain := c.Run(t, nil, "regkey", "status"); plain.ExitCode != 0 || !strings.Contains(plain.Stderr, "WARNING: ") {
		t.Errorf("plain status with a damaged store: exit %d, want 0 and a warning\n%s", plain.ExitCode, plain.Stderr)
	}
	clientsWork(false)

	if err := os.WriteFile(store, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	c.MustRun(t, nil, "regkey", "status", "--check")
	clientsWork(true)
	if strings.Contains(res.Stdout+res.Stderr, r.Password) {
		t.Error("status printed the password")
	}
}

// TestDoctorAgreesWithClients: what doctor says about docker and podman is
// what docker and skopeo then do, and each fix it gives, when followed,
// fixes it.
func TestDoctorAgreesWithClients(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")

	t.Run("MalformedDockerConfig", func(t *testing.T) {
		t.Parallel()
		_, c, ref := loggedIn(t)
		if err := os.WriteFile(c.DockerConfigFile(), []byte(`{"credsStore": "regkey",`), 0o600); err != nil {
			t.Fatal(err)
		}
		res := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "Error parsing config file") {
			t.Fatalf("docker with a malformed config.json: exit %d\n%s", res.ExitCode, res.Stderr)
		}
		_, checks, all := doctorJSON(t, c, "regkey", "--offline")
		ch, ok := findCheck(checks, "docker", "docker does not ask regkey for anything: it cannot parse "+c.DockerConfigFile())
		if !ok || ch.Status != "FAIL" || !strings.Contains(ch.Fix, "fix the file by hand") {
			t.Errorf("doctor does not say docker cannot use regkey:\n%s", all)
		}
		for _, wrong := range []string{"docker asks regkey", "fix: run `regkey setup`"} {
			if strings.Contains(all, wrong) {
				t.Errorf("doctor says %q:\n%s", wrong, all)
			}
		}
		// The fix is by hand because setup refuses the file.
		if res := c.Run(t, nil, "regkey", "setup", "--docker"); res.ExitCode == 0 {
			t.Errorf("setup accepted a config.json it cannot parse:\n%s", res.Stdout)
		}
		c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey"})
		c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
		if _, checks, all := doctorJSON(t, c, "regkey", "--offline"); !hasStatus(checks, "docker", "ok") {
			t.Errorf("doctor after the file was fixed:\n%s", all)
		}
	})

	t.Run("MalformedAuthFile", func(t *testing.T) {
		t.Parallel()
		_, c, ref := loggedIn(t)
		if err := os.WriteFile(c.AuthFile, []byte(`{"credHelpers":`), 0o600); err != nil {
			t.Fatal(err)
		}
		res := c.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "reading JSON file") {
			t.Fatalf("skopeo with a malformed auth file: exit %d\n%s", res.ExitCode, res.Stderr)
		}
		code, checks, all := doctorJSON(t, c, "regkey", "--offline")
		if code != 1 || !hasStatus(checks, "podman", "FAIL") || hasStatus(checks, "podman", "ok") {
			t.Errorf("doctor with a malformed auth file: exit %d\n%s", code, all)
		}
		if _, ok := findCheck(checks, "plaintext", "no plaintext secret in docker's or podman's files"); ok {
			t.Errorf("doctor vouches for a file it could not read:\n%s", all)
		}
	})

	t.Run("UnreachableRegistry", func(t *testing.T) {
		t.Parallel()
		c := testenv.NewClient(t, testenv.BuildRegkey(t))
		c.UseFileKeystore(t)
		c.WriteDockerConfig(t, map[string]any{"credsStore": "regkey"})
		host := testenv.ClosedPort(t)
		c.MustRun(t, []byte("pw"), "regkey", "login", "--no-verify", "-u", "u", "--password-stdin", host)
		res := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", host+"/x:y")
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "connection refused") {
			t.Errorf("docker against a registry that is down: exit %d\n%s", res.ExitCode, res.Stderr)
		}
		code, checks, all := doctorJSON(t, c, "regkey")
		ch, ok := findCheck(checks, "clock", host+": clock not compared: ")
		if code != 1 || !ok || ch.Status != "warn" || !strings.Contains(ch.Message, "connection refused") || ch.Fix == "" {
			t.Errorf("doctor with the only registry down: exit %d\n%s", code, all)
		}
		res = c.Run(t, nil, "regkey", "status", "--check")
		if res.ExitCode != 3 || !strings.Contains(res.Stdout, "FAILED: ") {
			t.Errorf("status --check with the registry down: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
		}
	})

	t.Run("WiredHelperMissing", func(t *testing.T) {
		t.Parallel()
		r, c, ref := loggedIn(t)
		localBin := filepath.Join(c.Home, ".local", "bin")
		c.Setenv("PATH", localBin+string(os.PathListSeparator)+c.Getenv("PATH"))
		c.MustRun(t, nil, "regkey", "setup", "--registries-conf")
		// regkey moved away: docker and podman still name it.
		if err := os.Remove(filepath.Join(c.BinDir, testenv.HelperName)); err != nil {
			t.Fatal(err)
		}
		res := dockerLogin(t, c, r.Host, r.User, r.Password)
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "executable file not found") {
			t.Fatalf("docker login with the helper gone: exit %d\n%s", res.ExitCode, res.Stderr)
		}
		if res := c.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref); res.ExitCode == 0 {
			t.Fatalf("skopeo with the helper gone succeeded:\n%s", res.Stdout)
		}
		code, checks, all := doctorJSON(t, c, "regkey", "--offline")
		var fixes []string
		for _, want := range []string{
			c.DockerConfigFile() + ": credsStore (docker then fails every login) names docker-credential-regkey, which is not on PATH",
			c.AuthFile + `: credHelpers["` + r.Host + `"] (podman then fails for it) names docker-credential-regkey, which is not on PATH`,
			filepath.Join(c.Home, ".config", "containers", "registries.conf.d", "zz-regkey.conf") +
				": credential-helpers (podman then fails for every registry) names docker-credential-regkey, which is not on PATH",
		} {
			ch, ok := findCheck(checks, "helpers", want)
			if !ok || ch.Status != "FAIL" {
				t.Errorf("doctor does not name %q:\n%s", want, all)
			}
			fixes = append(fixes, ch.Fix)
		}
		if code != 1 || len(fixes) == 0 || !strings.Contains(fixes[0], "`regkey setup --undo` removes the wiring") {
			t.Fatalf("doctor: exit %d\n%s", code, all)
		}
		// The fix, as given: a link to this very binary, in ~/.local/bin.
		cmd, ok := strings.CutPrefix(strings.Split(fixes[0], ";")[0], "run: ")
		if !ok || !strings.Contains(cmd, localBin) {
			t.Fatalf("fix %q links nowhere on PATH", fixes[0])
		}
		c.MustRun(t, nil, "sh", "-c", cmd)
		c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
		c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
		if code, _, all := doctorJSON(t, c, "regkey", "--offline"); code != 0 {
			t.Errorf("doctor after the fix: exit %d\n%s", code, all)
		}
	})

	t.Run("UnreadableKeystore", func(t *testing.T) { unreadableKeystore(t) })
}

// unreadableKeystore: a keystore file the user may not read (left owned by
// root by a `sudo regkey ...`) gets a fix of its own, naming the file, its
// owner and the chown that gives it back; the fix works.
func unreadableKeystore(t *testing.T) {
	t.Parallel()
	c := testenv.NewClient(t, testenv.BuildRegkey(t))
	c.UseFileKeystore(t)
	c.MustRun(t, []byte("pw"), "regkey", "login", "--no-verify", "-u", "u", "--password-stdin", "registry.example")

	// A home that is nobody's but for the keystore file, root's since a
	// `sudo regkey`.
	n := asNobody(t, c)
	store := filepath.Join(c.DataDir, "regkey", "credentials.enc")
	if err := os.Chown(store, 0, 0); err != nil {
		t.Fatal(err)
	}

	res := n.Run(t, nil, "regkey", "doctor", "--json", "--offline")
	var out struct{ Checks []doctorCheck }
	if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
		t.Fatalf("doctor: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	ch, ok := findCheck(out.Checks, "keystore", "permission denied")
	want := fmt.Sprintf("%s is owned by root (uid 0), mode 0600, so regkey, running as nobody, cannot use it", store)
	if !ok || ch.Status != "FAIL" || !strings.Contains(ch.Fix, want) || strings.Contains(ch.Fix, "keyring") {
		t.Fatalf("doctor's keystore check: %+v\nwant a fix with %q", ch, want)
	}
	list := n.Run(t, nil, "regkey", "list")
	if list.ExitCode != 1 || !strings.Contains(list.Stderr, "hint: "+want) {
		t.Errorf("list as nobody: exit %d\n%s", list.ExitCode, list.Stderr)
	}

	// Follow the fix (here as root already, so without sudo).
	_, cmd, _ := strings.Cut(ch.Fix, "run `")
	cmd, _, _ = strings.Cut(cmd, "`")
	if !strings.Contains(cmd, "chown nobody "+store) {
		t.Fatalf("fix command %q", cmd)
	}
	c.MustRun(t, nil, "sh", "-c", strings.ReplaceAll(cmd, "sudo ", ""))
	res = n.Run(t, nil, "regkey", "list")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "registry.example") {
		t.Errorf("list as nobody after the fix: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// hasStatus reports whether some check of kind check has status.
func hasStatus(checks []doctorCheck, check, status string) bool {
	for _, c := range checks {
		if c.Check == check && c.Status == status {
			return true
		}
	}
	return false
}
