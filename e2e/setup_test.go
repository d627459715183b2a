package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regkey/regkey/internal/testenv"
)

// plaintextDockerConfig is a config.json as `docker login` leaves it without
// a helper (a plaintext "auth"), plus keys docker itself would drop.
func plaintextDockerConfig(r *testenv.Registry) string {
	basic := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))
	return fmt.Sprintf("{\n\t\"auths\": {\n\t\t%q: {\n\t\t\t\"auth\": %q\n\t\t}\n\t},\n"+
		"\t\"psFormat\": \"table {{.ID}}\\t{{.Names}}\",\n\t\"x-desktop-private\": {\"keep\": [1, 2]}\n}\n", r.Host, basic)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func gets(calls []testenv.HelperCall, host string) int { return testenv.CountCalls(calls, "get", host) }

// TestSetupMigratesThenDockerAndSkopeoUseRegkey: a user logged in with
// docker (plaintext in config.json); after `regkey setup` the secret is in
// the keystore only, and docker and skopeo (pull and push) reach the
// registry through regkey. A second setup changes nothing; --undo puts the
// file back byte for byte.
func TestSetupMigratesThenDockerAndSkopeoUseRegkey(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	r := testenv.BasicRegistry(t)
	img := testenv.NewImage(t, "v1")
	ref := r.Push(t, img, "test/hello:v1")
	c := newClient(t, backends[0])
	c.Unsetenv("REGISTRY_AUTH_FILE") // podman's own default files
	original := plaintextDockerConfig(r)
	if err := os.WriteFile(c.DockerConfigFile(), []byte(original), 0o640); err != nil {
		t.Fatal(err)
	}
	persistent := filepath.Join(c.Home, ".config", "containers", "auth.json")

	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
	if calls := c.HelperCalls(t); len(calls) != 0 {
		t.Fatalf("before setup regkey was called: %v", calls)
	}

	c.MustRun(t, nil, "regkey", "setup")
	cfg := readFile(t, c.DockerConfigFile())
	basic := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))
	for _, want := range []string{`"credsStore": "regkey"`, `"x-desktop-private": {"keep": [1, 2]}`, `"psFormat": "table {{.ID}}\t{{.Names}}"`, `"` + r.Host + `": {}`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config.json lacks %s:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, basic) {
		t.Errorf("the plaintext secret is still in config.json")
	}
	if fi, _ := os.Stat(c.DockerConfigFile()); fi.Mode().Perm() != 0o640 {
		t.Errorf("config.json mode = %v, want 0640 kept", fi.Mode().Perm())
	}
	// The backup keeps everything but the secret, which undo takes back
	// from the keystore.
	if b := readFile(t, c.DockerConfigFile()+".regkey-backup"); strings.Contains(b, basic) ||
		b != strings.Replace(original, `"`+basic+`"`, `"<moved to regkey's keystore>"`, 1) {
		t.Errorf("backup:\n%s", b)
	}
	if !strings.Contains(readFile(t, persistent), `"`+r.Host+`": "regkey"`) {
		t.Errorf("podman's persistent auth.json not wired:\n%s", readFile(t, persistent))
	}
	list := c.MustRun(t, nil, "regkey", "list")
	if !strings.Contains(list.Stdout, r.Host) || !strings.Contains(list.Stdout, r.User) {
		t.Errorf("regkey list after setup:\n%s", list.Stdout)
	}

	c.ResetHelperCalls(t)
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	if gets(c.HelperCalls(t), r.Host) == 0 {
		t.Errorf("docker did not ask regkey: %v", c.HelperCalls(t))
	}
	c.ResetHelperCalls(t)
	pushed := "docker://" + r.Host + "/test/pushed:v1"
	c.MustRun(t, nil, "skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:"+img.Dir+":"+img.Tag, pushed)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", pushed)
	if gets(c.HelperCalls(t), r.Host) == 0 {
		t.Errorf("skopeo did not ask regkey: %v", c.HelperCalls(t))
	}

	before, beforeAuth := readFile(t, c.DockerConfigFile()), readFile(t, persistent)
	res := c.MustRun(t, nil, "regkey", "setup")
	if !strings.Contains(res.Stdout, "nothing to change") {
		t.Errorf("second setup said:\n%s", res.Stdout)
	}
	if readFile(t, c.DockerConfigFile()) != before || readFile(t, persistent) != beforeAuth {
		t.Errorf("second setup changed a file")
	}

	c.MustRun(t, nil, "regkey", "setup", "--undo")
	if got := readFile(t, c.DockerConfigFile()); got != original {
		t.Errorf("after undo config.json =\n%s\nwant the original\n%s", got, original)
	}
	if fi, _ := os.Stat(c.DockerConfigFile()); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after undo = %v", fi.Mode().Perm())
	}
	for _, gone := range []string{persistent, c.DockerConfigFile() + ".regkey-backup"} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s still exists after undo", gone)
		}
	}
	c.ResetHelperCalls(t)
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	if calls := c.HelperCalls(t); len(calls) != 0 {
		t.Errorf("after undo regkey was called: %v", calls)
	}
}

// TestSetupRegistriesConfCoversLaterLogins: with --registries-conf, a
// registry logged into with docker after setup works for skopeo at once;
// undo after that docker login needs no --force: it removes config.json
// (setup created it, and docker's later change was a placeholder for the
// login that lives only in the keystore, which undo names) and the drop-in.
func TestSetupRegistriesConfCoversLaterLogins(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	r := testenv.BasicRegistry(t)
	img := testenv.NewImage(t, "v1")
	c := newClient(t, backends[0])
	c.MustRun(t, nil, "regkey", "setup", "--docker", "--podman", "--registries-conf")
	dropIn := filepath.Join(c.Home, ".config", "containers", "registries.conf.d", "zz-regkey.conf")
	if !strings.Contains(readFile(t, dropIn), `credential-helpers = ["regkey", "containers-auth.json"]`) {
		t.Errorf("drop-in:\n%s", readFile(t, dropIn))
	}

	c.MustRun(t, []byte(r.Password+"\n"), "docker", "login", "-u", r.User, "--password-stdin", r.Host)
	assertNoPlaintext(t, c, r.Password)
	c.ResetHelperCalls(t)
	ref := "docker://" + r.Host + "/test/later:v1"
	c.MustRun(t, nil, "skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:"+img.Dir+":"+img.Tag, ref)
	if gets(c.HelperCalls(t), r.Host) == 0 {
		t.Errorf("skopeo did not ask regkey: %v", c.HelperCalls(t))
	}

	res := c.MustRun(t, nil, "regkey", "setup", "--undo")
	for _, want := range []string{"Removed " + c.DockerConfigFile() + " (regkey setup had created it).", "Removed " + dropIn + " (regkey setup had created it).",
		"docker and podman no longer see these logins, which live only in regkey's keystore:\n  " + r.Host + " (" + r.User + ")\n"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("undo does not say %q:\n%s", want, res.Stdout)
		}
	}
	if _, err := os.Stat(dropIn); !os.IsNotExist(err) {
		t.Errorf("drop-in still there after undo")
	}
	if _, err := os.Stat(c.DockerConfigFile()); !os.IsNotExist(err) {
		t.Errorf("config.json, which setup created and which holds nothing else now, is still there:\n%s", readFile(t, c.DockerConfigFile()))
	}
}

// TestSetupConcurrent: eight setups at once over the same files leave
// exactly what one leaves, and one undo restores the original bytes.
func TestSetupConcurrent(t *testing.T) {
	t.Parallel()
	r := testenv.BasicRegistry(t)
	c := newClient(t, backends[0])
	original := plaintextDockerConfig(r)
	if err := os.WriteFile(c.DockerConfigFile(), []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]testenv.Result, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.Run(t, nil, "regkey", "setup", "--docker", "--podman")
		}()
	}
	wg.Wait()
	for i, res := range results {
		if res.ExitCode != 0 {
			t.Errorf("setup %d: exit %d\n%s%s", i, res.ExitCode, res.Stdout, res.Stderr)
		}
	}
	after := readFile(t, c.DockerConfigFile())
	if !strings.Contains(after, `"credsStore": "regkey"`) || strings.Contains(after, `"auth":`) {
		t.Errorf("config.json after concurrent setups:\n%s", after)
	}
	matches, _ := filepath.Glob(c.DockerConfigFile() + "*")
	if len(matches) != 2 {
		t.Errorf("files beside config.json: %v, want it and one backup", matches)
	}
	res := c.MustRun(t, nil, "regkey", "setup")
	if !strings.Contains(res.Stdout, "nothing to change") {
		t.Errorf("setup after the concurrent ones:\n%s", res.Stdout)
	}
	c.MustRun(t, nil, "regkey", "setup", "--undo")
	if got := readFile(t, c.DockerConfigFile()); got != original {
		t.Errorf("after undo:\n%s\nwant\n%s", got, original)
	}
}

// TestSetupPod (a short name: podman limits the runroot path): `podman
// login` left a plaintext secret in the runtime auth.json; after setup it is in the keystore only, and podman
// pushes through regkey.
func TestSetupPod(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "podman")
	r := testenv.BasicRegistry(t)
	img := testenv.NewImage(t, "v1")
	c := newClient(t, backends[0])
	c.Unsetenv("REGISTRY_AUTH_FILE")
	c.Unsetenv("DOCKER_CONFIG") // podman 4 would log in to $DOCKER_CONFIG/config.json
	podman := func(stdin []byte, args ...string) testenv.Result {
		t.Helper()
		return c.MustRun(t, stdin, "podman", c.PodmanArgs(args...)...)
	}
	podman(nil, "import", "--quiet", img.LayerTar, "localhost/e2e/setup:v1")
	podman([]byte(r.Password+"\n"), "login", "--tls-verify=false", "-u", r.User, "--password-stdin", r.Host)
	runtimeFile := filepath.Join(c.RuntimeDir, "containers", "auth.json")
	basic := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))
	if !strings.Contains(readFile(t, runtimeFile), basic) {
		t.Fatalf("podman login did not write plaintext where expected:\n%s", readFile(t, runtimeFile))
	}
	if calls := c.HelperCalls(t); len(calls) != 0 {
		t.Fatalf("regkey called before setup: %v", calls)
	}

	c.MustRun(t, nil, "regkey", "setup") // docker and podman, as both are installed
	if strings.Contains(readFile(t, runtimeFile), basic) {
		t.Errorf("the secret is still in %s", runtimeFile)
	}
	assertNoPlaintext(t, c, basic)
	podman(nil, "push", "--quiet", "--tls-verify=false", "localhost/e2e/setup:v1", r.Host+"/test/setup:v1")
	if gets(c.HelperCalls(t), r.Host) == 0 {
		t.Errorf("podman push did not ask regkey: %v", c.HelperCalls(t))
	}
	doctor := c.Run(t, nil, "regkey", "doctor", "--offline")
	if doctor.ExitCode != 0 {
		t.Errorf("doctor after setup: exit %d\n%s%s", doctor.ExitCode, doctor.Stdout, doctor.Stderr)
	}
}

// TestSetupMigratesDockersIdentityToken: the real docker CLI logged in to a
// token-auth registry without a helper, leaving its identity token in
// plaintext. setup moves it (and no copy stays anywhere, the backup
// included); docker and skopeo then get it from regkey and use the OAuth2
// refresh_token grant; undo gives the original bytes back.
func TestSetupMigratesDockersIdentityToken(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	r := testenv.TokenRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "test/token:v1")
	c := newClient(t, backends[0])
	// Any auths entry stops docker from picking docker-credential-pass.
	if err := os.WriteFile(c.DockerConfigFile(), []byte(`{"auths":{"placeholder.invalid":{}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := dockerLogin(t, c, r.Host, r.User, r.Password); res.ExitCode != 0 {
		t.Fatalf("docker login: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	original := readFile(t, c.DockerConfigFile())
	var file struct {
		Auths map[string]struct{ IdentityToken string }
	}
	if err := json.Unmarshal([]byte(original), &file); err != nil {
		t.Fatal(err)
	}
	token := file.Auths[r.Host].IdentityToken
	if token == "" {
		t.Fatalf("docker stored no identity token in plaintext:\n%s", original)
	}
	if calls := c.HelperCalls(t); len(calls) != 0 {
		t.Fatalf("regkey called before setup: %v", calls)
	}

	res := c.MustRun(t, nil, "regkey", "setup", "--docker")
	if strings.Contains(res.Stderr, "keeps the plaintext secrets") {
		t.Errorf("setup kept a plaintext backup:\n%s", res.Stderr)
	}
	assertNoPlaintext(t, c, token)
	got, ok := helperGet(t, c, r.Host)
	if !ok || got.Username != "<token>" || got.Secret != token {
		t.Fatalf("keystore after setup: ok=%v username=%q (want <token> and docker's identity token)", ok, got.Username)
	}

	before := r.Token.RefreshGrants()
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
	if gets(c.HelperCalls(t), r.Host) < 2 {
		t.Errorf("docker and skopeo did not both ask regkey: %v", c.HelperCalls(t))
	}
	if r.Token.RefreshGrants() < before+2 {
		t.Errorf("the identity token was not used by both (refresh grants %d -> %d): %+v", before, r.Token.RefreshGrants(), r.Token.Requests())
	}
	doctor := c.Run(t, nil, "regkey", "doctor", "--offline")
	if strings.Contains(doctor.Stdout, "plaintext") && !strings.Contains(doctor.Stdout, "no plaintext secret") {
		t.Errorf("doctor after setup:\n%s", doctor.Stdout)
	}

	c.MustRun(t, nil, "regkey", "setup", "--undo")
	if got := readFile(t, c.DockerConfigFile()); got != original {
		t.Errorf("after undo:\n%s\nwant\n%s", got, original)
	}
}

// TestSetupMovesLoginsUnderAnySpelling: docker and skopeo read config.json
// with Go's encoding/json, which matches member names case-insensitively
// ("AUTHS", "Auth", "Username", and "pa\u017f\u017fword" with the long s all
// work, as the logins before setup show; of two spellings of one field the
// last counts). setup moves those logins like docker's own spelling: the dry
// run's diff, config.json and the backup hold no secret afterwards, docker
// and skopeo get them from regkey, and undo gives the original bytes back.
// A stale password docker never read stays only in the backup, and setup
// says so.
func TestSetupMovesLoginsUnderAnySpelling(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	r1, r2 := testenv.BasicRegistry(t), testenv.BasicRegistry(t)
	img := testenv.NewImage(t, "v1")
	ref1, ref2 := r1.Push(t, img, "test/one:v1"), r2.Push(t, img, "test/two:v1")
	c := newClient(t, backends[0])
	c.Unsetenv("REGISTRY_AUTH_FILE") // skopeo reads docker's config.json
	basic1 := base64.StdEncoding.EncodeToString([]byte(r1.User + ":" + r1.Password))
	const stale = "stale-pa55-docker-never-read"
	original := fmt.Sprintf("{\n\t\"AUTHS\": {\n\t\t%q: {\n\t\t\t\"Auth\": %q\n\t\t}\n\t},\n"+
		"\t\"auths\": {\n\t\t%q: {\n\t\t\t\"Username\": %q,\n\t\t\t\"password\": %q,\n\t\t\t\"pa\\u017f\\u017fword\": %q\n\t\t}\n\t}\n}\n",
		r1.Host, basic1, r2.Host, r2.User, stale, r2.Password)
	if err := os.WriteFile(c.DockerConfigFile(), []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref1)
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref2)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref1)
	if calls := c.HelperCalls(t); len(calls) != 0 {
		t.Fatalf("before setup regkey was called: %v", calls)
	}

	dry := c.MustRun(t, nil, "regkey", "setup", "--docker", "--dry-run")
	for _, secret := range []string{basic1, r2.Password, stale} {
		if strings.Contains(dry.Stdout+dry.Stderr, secret) {
			t.Errorf("setup --dry-run shows a secret:\n%s%s", dry.Stdout, dry.Stderr)
		}
	}
	for _, host := range []string{r1.Host, r2.Host} {
		if !strings.Contains(dry.Stdout, "would move the login for "+host) {
			t.Errorf("setup --dry-run does not move %s:\n%s", host, dry.Stdout)
		}
	}

	res := c.MustRun(t, nil, "regkey", "setup", "--docker")
	if want := fmt.Sprintf("keeps the plaintext secrets of %q", r2.Host); !strings.Contains(res.Stderr, want) {
		t.Errorf("setup does not warn that the backup %s:\n%s", want, res.Stderr)
	}
	assertNoPlaintext(t, c, basic1)
	assertNoPlaintext(t, c, r2.Password)
	if strings.Contains(readFile(t, c.DockerConfigFile()), stale) || !strings.Contains(readFile(t, c.DockerConfigFile()+".regkey-backup"), stale) {
		t.Errorf("the stale password is in config.json, or not in the backup")
	}
	for _, r := range []*testenv.Registry{r1, r2} {
		if got, ok := helperGet(t, c, r.Host); !ok || got.Username != r.User || got.Secret != r.Password {
			t.Errorf("keystore after setup holds %s as %q (found %v), want %s's login", r.Host, got.Username, ok, r.Host)
		}
	}
	c.ResetHelperCalls(t)
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref1)
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref2)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref1)
	calls := c.HelperCalls(t)
	if gets(calls, r1.Host) < 2 || gets(calls, r2.Host) == 0 {
		t.Errorf("docker and skopeo did not ask regkey: %v", calls)
	}

	c.MustRun(t, nil, "regkey", "setup", "--undo")
	if got := readFile(t, c.DockerConfigFile()); got != original {
		t.Errorf("after undo:\n%s\nwant\n%s", got, original)
	}
}

// TestSetupUndoDryRunRedactsAnyAuthFileName: REGISTRY_AUTH_FILE may be called
// anything (here "podman-auth", no extension). `regkey setup --undo
// --dry-run` shows the file setup edited with its secret redacted, as
// `setup --dry-run` does, because of what the file is, not its name. (The
// login is spelled "Auths" and "Auth", which skopeo reads too: setup moves
// it like podman's own spelling.)
func TestSetupUndoDryRunRedactsAnyAuthFileName(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	r := testenv.BasicRegistry(t)
	ref := r.Push(t, testenv.NewImage(t, "v1"), "test/name:v1")
	c := newClient(t, backends[0])
	authFile := filepath.Join(c.Dir, "podman-auth")
	c.Setenv("REGISTRY_AUTH_FILE", authFile)
	basic := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))
	original := fmt.Sprintf("{\n\t\"Auths\": {\n\t\t%q: {\n\t\t\t\"Auth\": %q\n\t\t}\n\t}\n}\n", r.Host, basic)
	if err := os.WriteFile(authFile, []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)

	c.MustRun(t, nil, "regkey", "setup", "--podman")
	assertNoPlaintext(t, c, basic)
	c.ResetHelperCalls(t)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
	if gets(c.HelperCalls(t), r.Host) == 0 {
		t.Errorf("skopeo did not ask regkey: %v", c.HelperCalls(t))
	}

	dry := c.MustRun(t, nil, "regkey", "setup", "--undo", "--dry-run")
	if strings.Contains(dry.Stdout+dry.Stderr, basic) || strings.Contains(dry.Stdout+dry.Stderr, r.Password) {
		t.Errorf("setup --undo --dry-run shows the secret:\n%s%s", dry.Stdout, dry.Stderr)
	}
	for _, want := range []string{"--- " + authFile, `"Auth": "<redacted>"`} {
		if !strings.Contains(dry.Stdout, want) {
			t.Errorf("setup --undo --dry-run lacks %q:\n%s", want, dry.Stdout)
		}
	}
	if got := readFile(t, authFile); got == original {
		t.Errorf("the dry run restored %s", authFile)
	}
	c.MustRun(t, nil, "regkey", "setup", "--undo")
	if got := readFile(t, authFile); got != original {
		t.Errorf("after undo:\n%s\nwant\n%s", got, original)
	}
}

// TestOneLogin (a short name: podman limits the runroot path): after a plain
// `regkey setup`, a registry first logged into later with any client
// reaches every client, and no client writes a secret in plaintext:
// `regkey login` → skopeo and podman; `docker login` → skopeo and podman;
// `podman login` → docker and skopeo, with no secret in any file. Only a
// login scoped to a repository namespace goes to podman's auth.json.
func TestOneLogin(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	testenv.RequireProgram(t, "podman")
	img := testenv.NewImage(t, "v1")
	viaRegkey, viaDocker, viaPodman := testenv.BasicRegistry(t), testenv.BasicRegistry(t), testenv.BasicRegistry(t)
	for _, r := range []*testenv.Registry{viaRegkey, viaDocker, viaPodman} {
		r.Push(t, img, "test/hello:v1")
	}
	c := newClient(t, backends[0])
	c.Unsetenv("REGISTRY_AUTH_FILE") // podman's own default files
	c.Unsetenv("DOCKER_CONFIG")      // podman 4 would log in to $DOCKER_CONFIG/config.json; docker finds ~/.docker
	podman := func(stdin []byte, args ...string) testenv.Result {
		t.Helper()
		return c.MustRun(t, stdin, "podman", c.PodmanArgs(args...)...)
	}
	podman(nil, "import", "--quiet", img.LayerTar, "localhost/e2e/one:v1")

	res := c.MustRun(t, nil, "regkey", "setup")
	dropIn := filepath.Join(c.Home, ".config", "containers", "registries.conf.d", "zz-regkey.conf")
	if !strings.Contains(res.Stdout, "podman (registries.conf): "+dropIn+" (created)") ||
		!strings.Contains(readFile(t, dropIn), `credential-helpers = ["regkey", "containers-auth.json"]`) {
		t.Fatalf("setup did not write the drop-in:\n%s", res.Stdout)
	}

	// Every client reaches a registry, through regkey.
	reaches := func(r *testenv.Registry, who string) {
		t.Helper()
		c.ResetHelperCalls(t)
		ref := r.Host + "/test/hello:v1"
		c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref)
		c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
		c.MustRun(t, nil, "skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:"+img.Dir+":"+img.Tag, "docker://"+r.Host+"/test/skopeo:v1")
		podman(nil, "push", "--quiet", "--tls-verify=false", "localhost/e2e/one:v1", r.Host+"/test/podman:v1")
		if n := gets(c.HelperCalls(t), r.Host); n < 4 {
			t.Errorf("after %s, docker, skopeo and podman asked regkey for %s %d times: %v", who, r.Host, n, c.HelperCalls(t))
		}
	}

	res = c.MustRun(t, []byte(viaRegkey.Password+"\n"), "regkey", "login", "-u", viaRegkey.User, "--password-stdin", viaRegkey.Host)
	if !strings.Contains(res.Stdout, "Login Succeeded") {
		t.Errorf("regkey login said:\n%s", res.Stdout)
	}
	reaches(viaRegkey, "regkey login")

	if res := dockerLogin(t, c, viaDocker.Host, viaDocker.User, viaDocker.Password); res.ExitCode != 0 {
		t.Fatalf("docker login: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	reaches(viaDocker, "docker login")

	c.ResetHelperCalls(t)
	podman([]byte(viaPodman.Password+"\n"), "login", "--tls-verify=false", "-u", viaPodman.User, "--password-stdin", viaPodman.Host)
	if testenv.CountCalls(c.HelperCalls(t), "store", viaPodman.Host) != 1 {
		t.Errorf("podman login did not store through regkey: %v", c.HelperCalls(t))
	}
	reaches(viaPodman, "podman login")

	for _, r := range []*testenv.Registry{viaRegkey, viaDocker, viaPodman} {
		assertNoPlaintext(t, c, r.Password)
		assertNoPlaintext(t, c, base64.StdEncoding.EncodeToString([]byte(r.User+":"+r.Password)))
	}
	if diff := cmp.Diff(map[string]string{viaRegkey.Host: viaRegkey.User, viaDocker.Host: viaDocker.User, viaPodman.Host: viaPodman.User},
		helperList(t, c)); diff != "" {
		t.Errorf("the keystore (-want +got):\n%s", diff)
	}

	// The one exception the README names: a login scoped to a repository
	// namespace, which no credential helper can hold, goes to auth.json.
	podman([]byte(viaPodman.Password+"\n"), "login", "--tls-verify=false", "-u", viaPodman.User, "--password-stdin", viaPodman.Host+"/team")
	runtimeFile := filepath.Join(c.RuntimeDir, "containers", "auth.json")
	if !strings.Contains(readFile(t, runtimeFile), `"`+viaPodman.Host+`/team"`) {
		t.Errorf("podman login HOST/NS did not write auth.json:\n%s", readFile(t, runtimeFile))
	}
}

// TestSetupUndoAfterUse: a user had two plaintext docker logins, ran
// `regkey setup`, then logged out of one with docker, logged in to a new
// registry with docker, to another with skopeo, and changed a docker
// setting. Undo takes out exactly what setup added (credsStore, the
// drop-in, docker's placeholder for the new login), puts the old login back
// in plaintext (not the one logged out of, and it says so) and keeps the
// setting; it names the two logins docker and skopeo no longer see. docker and skopeo still work
// for the old one, without regkey. `setup` then `setup --undo
// --restore-logins` writes the new ones into config.json, and docker and
// skopeo use them from there.
func TestSetupUndoAfterUse(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	testenv.RequireProgram(t, "skopeo")
	img := testenv.NewImage(t, "v1")
	old, viaDocker, viaSkopeo := testenv.BasicRegistry(t), testenv.BasicRegistry(t), testenv.BasicRegistry(t)
	for _, r := range []*testenv.Registry{old, viaDocker, viaSkopeo} {
		r.Push(t, img, "test/hello:v1")
	}
	ref := func(r *testenv.Registry) string { return r.Host + "/test/hello:v1" }
	c := newClient(t, backends[0])
	c.Unsetenv("REGISTRY_AUTH_FILE")                 // skopeo reads docker's config.json too
	c.Unsetenv("DOCKER_CONFIG")                      // docker finds ~/.docker; skopeo would rewrite $DOCKER_CONFIG's file at logout
	const loggedOut = "logged-out.example.test:5000" // a second old login, logged out of after setup
	oldBasic := base64.StdEncoding.EncodeToString([]byte(old.User + ":" + old.Password))
	original := fmt.Sprintf("{\n\t\"auths\": {\n\t\t%q: {\n\t\t\t\"auth\": %q\n\t\t},\n\t\t%q: {\n\t\t\t\"auth\": \"Ym9iOnB3\"\n\t\t}\n\t},\n"+
		"\t\"psFormat\": \"table {{.ID}}\\t{{.Names}}\",\n\t\"x-desktop-private\": {\"keep\": [1, 2]}\n}\n", old.Host, oldBasic, loggedOut)
	if err := os.WriteFile(c.DockerConfigFile(), []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	dropIn := filepath.Join(c.Home, ".config", "containers", "registries.conf.d", "zz-regkey.conf")

	c.MustRun(t, nil, "regkey", "setup")
	c.MustRun(t, nil, "docker", "logout", loggedOut)
	if res := dockerLogin(t, c, viaDocker.Host, viaDocker.User, viaDocker.Password); res.ExitCode != 0 {
		t.Fatalf("docker login: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	c.MustRun(t, []byte(viaSkopeo.Password+"\n"), "skopeo", "login", "--tls-verify=false", "-u", viaSkopeo.User, "--password-stdin", viaSkopeo.Host)
	// A setting changed since setup, as `docker context use` would.
	var cfg map[string]any
	if err := json.Unmarshal([]byte(readFile(t, c.DockerConfigFile())), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["detachKeys"] = "ctrl-x,x"
	c.WriteDockerConfig(t, cfg)
	wired := readFile(t, c.DockerConfigFile())

	dry := c.MustRun(t, nil, "regkey", "setup", "--undo", "--dry-run")
	for _, want := range []string{
		"After undo, docker and podman would no longer see these logins, which live only in regkey's keystore:",
		"  " + viaDocker.Host + " (" + viaDocker.User + ")", "  " + viaSkopeo.Host + " (" + viaSkopeo.User + ")",
		"`regkey setup --undo --restore-logins` writes them into docker's (or podman's) file, in plaintext",
	} {
		if !strings.Contains(dry.Stdout, want) {
			t.Errorf("undo --dry-run does not say %q:\n%s", want, dry.Stdout)
		}
	}
	if strings.Contains(dry.Stdout, oldBasic) || readFile(t, c.DockerConfigFile()) != wired {
		t.Errorf("undo --dry-run showed a secret or changed config.json:\n%s", dry.Stdout)
	}

	res := c.MustRun(t, nil, "regkey", "setup", "--undo")
	for _, want := range []string{
		"Took regkey out of " + c.DockerConfigFile() + ", keeping the changes made to it since setup:",
		fmt.Sprintf("  put back the plaintext login for auths[%q], from the keystore", old.Host),
		fmt.Sprintf("  removed the placeholder auths[%q]: its login lives only in regkey's keystore", viaDocker.Host),
		`  removed credsStore "regkey"`,
		"Did not put back the login for " + loggedOut + " in " + c.DockerConfigFile() + ": the keystore no longer holds it (logged out since setup).",
		"Removed " + dropIn + " (regkey setup had created it).",
		"docker and podman no longer see these logins, which live only in regkey's keystore:",
		"  " + viaDocker.Host + " (" + viaDocker.User + ")", "  " + viaSkopeo.Host + " (" + viaSkopeo.User + ")",
		"log in again (`docker login HOST`, `podman login HOST`)",
		"Every login stays in regkey's keystore too",
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("undo does not say %q:\n%s", want, res.Stdout)
		}
	}
	if strings.Contains(res.Stdout, "  "+old.Host+" (") {
		t.Errorf("undo names the old login, which is back in config.json, as one docker no longer sees:\n%s", res.Stdout)
	}
	after := readFile(t, c.DockerConfigFile())
	var back struct {
		Auths       map[string]struct{ Auth string }
		CredsStore  string
		CredHelpers map[string]string
		PsFormat    string
		DetachKeys  string
	}
	if err := json.Unmarshal([]byte(after), &back); err != nil {
		t.Fatal(err)
	}
	if back.CredsStore != "" || len(back.CredHelpers) != 0 || back.Auths[old.Host].Auth != oldBasic || len(back.Auths) != 1 ||
		back.PsFormat != "table {{.ID}}\t{{.Names}}" || back.DetachKeys != "ctrl-x,x" {
		t.Errorf("config.json after undo:\n%s", after)
	}
	for _, gone := range []string{dropIn, c.DockerConfigFile() + ".regkey-backup"} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s still exists after undo", gone)
		}
	}
	c.ResetHelperCalls(t)
	c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref(old))
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref(old))
	if res := c.Run(t, nil, "docker", "manifest", "inspect", "--insecure", ref(viaDocker)); res.ExitCode == 0 {
		t.Errorf("docker still authenticates to %s after undo, which said it would not", viaDocker.Host)
	}
	if res := c.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref(viaSkopeo)); res.ExitCode == 0 {
		t.Errorf("skopeo still authenticates to %s after undo, which said it would not", viaSkopeo.Host)
	}
	if calls := c.HelperCalls(t); len(calls) != 0 {
		t.Errorf("regkey was called after undo: %v", calls)
	}

	// Wired again, then undone with the logins written back in plaintext.
	c.MustRun(t, nil, "regkey", "setup")
	res = c.MustRun(t, nil, "regkey", "setup", "--undo", "--restore-logins")
	for _, r := range []*testenv.Registry{viaDocker, viaSkopeo} {
		if want := fmt.Sprintf("Wrote the login for %s (%s) into %s, in plaintext.", r.Host, r.User, c.DockerConfigFile()); !strings.Contains(res.Stdout, want) {
			t.Errorf("undo --restore-logins does not say %q:\n%s", want, res.Stdout)
		}
	}
	if !strings.Contains(res.Stderr, "WARNING: 2 login(s) are now in plaintext in docker's or podman's files (--restore-logins)") ||
		strings.Contains(res.Stdout, "no longer see") {
		t.Errorf("undo --restore-logins:\n%s%s", res.Stdout, res.Stderr)
	}
	c.ResetHelperCalls(t)
	for _, r := range []*testenv.Registry{old, viaDocker, viaSkopeo} {
		c.MustRun(t, nil, "docker", "manifest", "inspect", "--insecure", ref(r))
		c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+ref(r))
	}
	if calls := c.HelperCalls(t); len(calls) != 0 {
		t.Errorf("regkey was called after undo: %v", calls)
	}
}

// TestRemovingRegkeyUndoFirst: with the drop-in, skopeo asks
// docker-credential-regkey for every registry, and goes on to its auth
// files when regkey has nothing (a repository-scoped login setup leaves
// there); it fails for every registry once regkey is gone. After `regkey
// setup --undo`, removing it breaks nothing and the login setup moved works
// from config.json again.
func TestRemovingRegkeyUndoFirst(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "skopeo")
	r := testenv.BasicRegistry(t)
	ref := "docker://" + r.Push(t, testenv.NewImage(t, "v1"), "test/hello:v1")
	c := newClient(t, backends[0])
	c.Unsetenv("REGISTRY_AUTH_FILE") // skopeo reads docker's config.json too
	if err := os.WriteFile(c.DockerConfigFile(), []byte(plaintextDockerConfig(r)), 0o600); err != nil {
		t.Fatal(err)
	}
	scoped := testenv.BasicRegistry(t)
	scopedRef := "docker://" + scoped.Push(t, testenv.NewImage(t, "v1"), "team/hello:v1")
	runtimeFile := filepath.Join(c.RuntimeDir, "containers", "auth.json")
	if err := os.MkdirAll(filepath.Dir(runtimeFile), 0o700); err != nil {
		t.Fatal(err)
	}
	basic := base64.StdEncoding.EncodeToString([]byte(scoped.User + ":" + scoped.Password))
	if err := os.WriteFile(runtimeFile, []byte(`{"auths":{"`+scoped.Host+`/team":{"auth":"`+basic+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.MustRun(t, nil, "regkey", "setup")
	c.ResetHelperCalls(t)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", scopedRef)
	if gets(c.HelperCalls(t), scoped.Host) == 0 {
		t.Errorf("skopeo did not ask regkey first: %v", c.HelperCalls(t))
	}
	helper, aside := filepath.Join(c.BinDir, testenv.HelperName), filepath.Join(c.Dir, "helper-aside")
	move := func(from, to string) {
		t.Helper()
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}

	move(helper, aside)
	for _, target := range []string{ref, "docker://127.0.0.1:9/other/image:v1"} {
		res := c.Run(t, nil, "skopeo", "inspect", "--tls-verify=false", target)
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "docker-credential-regkey") {
			t.Errorf("skopeo inspect %s with regkey wired but gone: exit %d\n%s", target, res.ExitCode, res.Stderr)
		}
	}
	move(aside, helper)
	c.MustRun(t, nil, "regkey", "setup", "--undo")
	move(helper, aside)
	c.MustRun(t, nil, "skopeo", "inspect", "--tls-verify=false", ref)
}

// TestSetupUndoForce: `setup --undo --force` restores a file docker changed
// since setup from its backup, byte for byte, losing docker's change.
func TestSetupUndoForce(t *testing.T) {
	t.Parallel()
	testenv.RequireProgram(t, "docker")
	old, later := testenv.BasicRegistry(t), testenv.BasicRegistry(t)
	c := newClient(t, backends[0])
	original := plaintextDockerConfig(old)
	if err := os.WriteFile(c.DockerConfigFile(), []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	c.MustRun(t, nil, "regkey", "setup", "--docker")
	if res := dockerLogin(t, c, later.Host, later.User, later.Password); res.ExitCode != 0 {
		t.Fatalf("docker login: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	res := c.MustRun(t, nil, "regkey", "setup", "--undo", "--force")
	if !strings.Contains(res.Stdout, "Restored "+c.DockerConfigFile()+" as it was before regkey setup.") {
		t.Errorf("undo --force said:\n%s", res.Stdout)
	}
	if got := readFile(t, c.DockerConfigFile()); got != original {
		t.Errorf("after undo --force:\n%s\nwant the original\n%s", got, original)
	}
}
