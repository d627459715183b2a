package setup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/keystore"
)

// setupEnv is a private home for one setup test.
type setupEnv struct {
	opts   *Options
	store  keystore.Store
	out    *bytes.Buffer
	errOut *bytes.Buffer
	home   string
}

func newSetupEnv(t *testing.T, installed ...string) *setupEnv {
	t.Helper()
	installed = append(installed, config.HelperPrefix+config.HelperName) // regkey itself is on PATH
	home := t.TempDir()
	env := config.Env{"HOME": home, "XDG_RUNTIME_DIR": filepath.Join(home, "run"), "PATH": "/nonexistent"}
	s := &setupEnv{store: keystore.NewMemory(), out: &bytes.Buffer{}, errOut: &bytes.Buffer{}, home: home}
	s.opts = &Options{
		Out:    s.out,
		ErrOut: s.errOut,
		Env:    env,
		Paths:  config.PathsFor(env),
		Keystore: func(context.Context) (keystore.Store, keystore.Info, error) {
			return s.store, keystore.Info{Backend: "memory"}, nil
		},
		LookPath: func(name string) (string, error) {
			for _, n := range installed {
				if n == name {
					return "/usr/bin/" + n, nil
				}
			}
			return "", fs.ErrNotExist
		},
		GOOS: "linux", UID: 1000,
	}
	return s
}

func (s *setupEnv) docker() string { return s.opts.Paths.DockerConfig }

func (s *setupEnv) write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (s *setupEnv) read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const plainConfig = `{"auths":{"127.0.0.1:5000":{"auth":"YWxpY2U6czNjcmV0"},"t.example":{"identitytoken":"rt-1"}}}`

func TestSetupMigratesPlaintextAndIsIdempotent(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker")
	s.write(t, s.docker(), plainConfig)
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatalf("%v\n%s", err, s.errOut)
	}
	want := map[string]auth.Credential{
		"127.0.0.1:5000": {Username: "alice", Secret: "s3cret"},
		"t.example":      {Username: auth.TokenUsername, Secret: "rt-1"},
	}
	if diff := cmp.Diff(want, s.store.(*keystore.Memory).Snapshot()); diff != "" {
		t.Errorf("keystore (-want +got):\n%s", diff)
	}
	got := s.read(t, s.docker())
	wantFile := `{"auths":{"127.0.0.1:5000":{},"t.example":{}},"credsStore":"regkey","credHelpers":{"127.0.0.1:5000":"regkey","t.example":"regkey"}}`
	if got != wantFile {
		t.Errorf("config.json =\n%s\nwant\n%s", got, wantFile)
	}
	if _, err := os.Stat(filepath.Join(s.home, ".config", "containers")); !os.IsNotExist(err) {
		t.Errorf("podman is not installed, yet its files were created")
	}
	s.out.Reset()
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if s.read(t, s.docker()) != got || !strings.Contains(s.out.String(), "nothing to change") {
		t.Errorf("second run: %s", s.out)
	}
}

func TestSetupFreshMachine(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker", "podman")
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if got := s.read(t, s.docker()); got != "{\n\t\"credsStore\": \"regkey\"\n}\n" {
		t.Errorf("new config.json = %q", got)
	}
	if _, err := os.Stat(filepath.Join(s.home, ".config", "containers", "auth.json")); !os.IsNotExist(err) {
		t.Errorf("an empty podman auth.json was created for no registry")
	}
	if err := Undo(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(s.docker())); !os.IsNotExist(err) {
		t.Errorf("undo left %s", filepath.Dir(s.docker()))
	}
}

func TestSetupNothingInstalled(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t)
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.out.String(), "nothing to wire") {
		t.Errorf("output: %s", s.out)
	}
	if entries, _ := os.ReadDir(s.home); len(entries) != 0 {
		t.Errorf("files created: %v", entries)
	}
}

// failingStore wraps a Store and breaks one method.
type failingStore struct {
	keystore.Store
	setErr error
	lie    bool // Get returns another credential
}

func (f *failingStore) Set(ctx context.Context, k string, c auth.Credential) error {
	if f.setErr != nil {
		return f.setErr
	}
	return f.Store.Set(ctx, k, c)
}

func (f *failingStore) Get(ctx context.Context, k string) (auth.Credential, error) {
	c, err := f.Store.Get(ctx, k)
	if err == nil && f.lie {
		c.Secret += "x"
	}
	return c, err
}

func TestSetupLeavesFilesUntouchedOnFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		content string
		prepare func(s *setupEnv)
		wantErr string
	}{
		{name: "malformed", content: `{"auths":{`, wantErr: "parsing"},
		{name: "store fails", content: plainConfig, wantErr: "keyring is locked",
			prepare: func(s *setupEnv) {
				s.store = &failingStore{Store: keystore.NewMemory(), setErr: errors.New("keyring is locked")}
			}},
		{name: "read back differs", content: plainConfig, wantErr: "returned another credential",
			prepare: func(s *setupEnv) {
				m := keystore.NewMemory()
				s.store = &failingStore{Store: m}
				s.opts.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					return &lyingAfterSet{failingStore: failingStore{Store: m}}, keystore.Info{Backend: "memory"}, nil
				}
			}},
		{name: "keystore holds another credential", content: plainConfig, wantErr: "already holds another credential",
			prepare: func(s *setupEnv) {
				_ = s.store.Set(context.Background(), "127.0.0.1:5000", auth.Credential{Username: "alice", Secret: "newer"})
			}},
		{name: "keystore cannot be opened", content: plainConfig, wantErr: "cannot be opened",
			prepare: func(s *setupEnv) {
				s.opts.Keystore = func(context.Context) (keystore.Store, keystore.Info, error) {
					return nil, keystore.Info{}, fmt.Errorf("no D-Bus: %w", auth.ErrUnavailable)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSetupEnv(t, "docker", "podman")
			if tc.prepare != nil {
				tc.prepare(s)
			}
			s.write(t, s.docker(), tc.content)
			err := Run(context.Background(), s.opts)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.name == "malformed" && !strings.Contains(err.Error(), s.docker()) {
				t.Errorf("error does not name the file: %v", err)
			}
			if got := s.read(t, s.docker()); got != tc.content {
				t.Errorf("config.json changed to %s", got)
			}
			if entries, _ := os.ReadDir(filepath.Dir(s.docker())); len(entries) != 1 {
				t.Errorf("files beside config.json: %v", entries)
			}
		})
	}
}

// lyingAfterSet returns another credential once one was stored.
type lyingAfterSet struct{ failingStore }

func (l *lyingAfterSet) Set(ctx context.Context, k string, c auth.Credential) error {
	l.lie = true
	return l.failingStore.Set(ctx, k, c)
}

func TestSetupDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker", "podman")
	s.write(t, s.docker(), plainConfig)
	s.opts.DryRun = true
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	out := s.out.String()
	for _, want := range []string{
		"--- " + s.docker(), `"credsStore":"regkey"`, `"auth":"<redacted>"`,
		"would move the login for 127.0.0.1:5000",
		"--- /dev/null\n+++ " + filepath.Join(s.home, ".config", "containers", "auth.json"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"YWxpY2U6czNjcmV0", "s3cret", "rt-1"} {
		if strings.Contains(out, secret) {
			t.Errorf("dry run printed a secret (%s):\n%s", secret, out)
		}
	}
	if s.read(t, s.docker()) != plainConfig {
		t.Errorf("dry run changed config.json")
	}
	if len(s.store.(*keystore.Memory).Snapshot()) != 0 {
		t.Errorf("dry run stored credentials")
	}
	if _, err := os.Stat(s.opts.Paths.DataDir); !os.IsNotExist(err) {
		t.Errorf("dry run created %s", s.opts.Paths.DataDir)
	}
}

// fakeHelper is another credential helper's store.
type fakeHelper map[string]map[string]auth.Credential

func (f fakeHelper) Get(_ context.Context, name, key string) (auth.Credential, error) {
	c, ok := f[name][key]
	if !ok {
		return c, fmt.Errorf("%s: %w", key, auth.ErrNotFound)
	}
	return c, nil
}

func (f fakeHelper) List(_ context.Context, name string) (map[string]string, error) {
	out := map[string]string{}
	for k, c := range f[name] {
		out[k] = c.Username
	}
	return out, nil
}

func TestSetupTakeOverCopiesOtherHelpersLogins(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker")
	s.write(t, s.docker(), `{"credsStore":"desktop","credHelpers":{"quay.io":"pass"}}`)
	s.opts.Helper = fakeHelper{
		"desktop": {"https://index.docker.io/v1/": {Username: "bob", Secret: "hub-pat"}},
		"pass":    {"quay.io": {Username: "q", Secret: "q-pw"}},
	}
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if got := s.read(t, s.docker()); got != `{"credsStore":"desktop","credHelpers":{"quay.io":"pass"}}` {
		t.Errorf("without --take-over the file changed: %s", got)
	}
	if !strings.Contains(s.out.String(), "Kept credsStore \"desktop\"") {
		t.Errorf("output: %s", s.out)
	}
	s.opts.TakeOver = true
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	want := map[string]auth.Credential{
		"https://index.docker.io/v1/": {Username: "bob", Secret: "hub-pat"},
		"quay.io":                     {Username: "q", Secret: "q-pw"},
	}
	if diff := cmp.Diff(want, s.store.(*keystore.Memory).Snapshot()); diff != "" {
		t.Errorf("keystore (-want +got):\n%s", diff)
	}
	got := s.read(t, s.docker())
	wantFile := `{"credsStore":"regkey","credHelpers":{"quay.io":"regkey","docker.io":"regkey","https://index.docker.io/v1/":"regkey"}}`
	if got != wantFile {
		t.Errorf("config.json =\n%s\nwant\n%s", got, wantFile)
	}
}

func TestSetupPodmanFiles(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "skopeo")
	runtimeFile := filepath.Join(s.home, "run", "containers", "auth.json")
	s.write(t, runtimeFile, `{"auths":{"quay.io":{"auth":"YWxpY2U6czNjcmV0"},"quay.io/team":{"auth":"YWxpY2U6czNjcmV0"}}}`)
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if got := s.read(t, runtimeFile); got != `{"auths":{"quay.io/team":{"auth":"YWxpY2U6czNjcmV0"}}}` {
		t.Errorf("runtime auth.json = %s", got)
	}
	persistent := filepath.Join(s.home, ".config", "containers", "auth.json")
	if got := s.read(t, persistent); got != "{\n\t\"credHelpers\": {\n\t\t\"quay.io\": \"regkey\"\n\t}\n}\n" {
		t.Errorf("persistent auth.json = %q", got)
	}
	if !strings.Contains(s.errOut.String(), "scoped to a repository namespace") {
		t.Errorf("no warning about the namespaced key: %s", s.errOut)
	}
	if _, err := os.Stat(s.docker()); !os.IsNotExist(err) {
		t.Errorf("docker is not installed, yet config.json was created")
	}

	explicit := filepath.Join(s.home, "elsewhere", "auth.json")
	s.opts.Env["REGISTRY_AUTH_FILE"] = explicit
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if got := s.read(t, explicit); !strings.Contains(got, `"quay.io": "regkey"`) {
		t.Errorf("REGISTRY_AUTH_FILE not wired: %s", got)
	}
}

// TestSetupRegistriesConfByDefault: wiring podman writes regkey's
// registries.conf drop-in unless told --no-registries-conf, which removes
// the drop-in and is remembered until --registries-conf or undo.
func TestSetupRegistriesConfByDefault(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "skopeo")
	conf := filepath.Join(s.home, "registries.conf")
	s.opts.Env["CONTAINERS_REGISTRIES_CONF"] = conf
	s.write(t, conf, `credential-helpers = ["ecr-login", "containers-auth.json"]`+"\n")
	dropIn := filepath.Join(s.home, ".config", "containers", "registries.conf.d", "zz-regkey.conf")
	run := func(no, yes bool) string {
		t.Helper()
		s.out.Reset()
		s.opts.NoRegistriesConf, s.opts.RegistriesConf = no, yes
		if err := Run(context.Background(), s.opts); err != nil {
			t.Fatalf("%v\n%s", err, s.errOut)
		}
		return s.out.String()
	}
	hasDropIn := func() bool { _, err := os.Stat(dropIn); return err == nil }

	out := run(false, false)
	if !strings.Contains(s.read(t, dropIn), `credential-helpers = ["regkey", "ecr-login", "containers-auth.json"]`) {
		t.Errorf("drop-in:\n%s", s.read(t, dropIn))
	}
	if !strings.Contains(out, "podman (registries.conf): "+dropIn+" (created)") {
		t.Errorf("setup did not say it wrote the drop-in:\n%s", out)
	}
	if out := run(false, false); !strings.Contains(out, "nothing to change") {
		t.Errorf("second setup:\n%s", out)
	}

	out = run(true, false)
	if hasDropIn() {
		t.Errorf("--no-registries-conf left the drop-in")
	}
	for _, want := range []string{"removed regkey's drop-in (--no-registries-conf)", "ask regkey only for the registries in credHelpers",
		"`podman login` to a new registry stores its secret in plaintext in auth.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("setup --no-registries-conf does not say %q:\n%s", want, out)
		}
	}
	if run(false, false); hasDropIn() {
		t.Errorf("a later plain setup forgot --no-registries-conf")
	}
	if run(false, true); !hasDropIn() {
		t.Errorf("--registries-conf did not write the drop-in")
	}
	if run(false, false); !hasDropIn() {
		t.Errorf("a later plain setup removed the drop-in")
	}

	run(true, false)
	if err := Undo(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(journalPath(s.opts.Paths)); !os.IsNotExist(err) {
		t.Errorf("undo kept the journal (and --no-registries-conf): %v", err)
	}
	if run(false, false); !hasDropIn() {
		t.Errorf("after undo, setup still remembers --no-registries-conf")
	}
}

func TestSetupDockerFlagLeavesPodmanAlone(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker", "podman")
	runtimeFile := filepath.Join(s.home, "run", "containers", "auth.json")
	podmanLogin := `{"auths":{"quay.io":{"auth":"YWxpY2U6czNjcmV0"}}}`
	s.write(t, runtimeFile, podmanLogin)
	s.write(t, s.docker(), plainConfig)
	s.opts.Docker = true
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if got := s.read(t, runtimeFile); got != podmanLogin {
		t.Errorf("--docker changed podman's file: %s", got)
	}
	if _, err := os.Stat(filepath.Join(s.home, ".config", "containers")); !os.IsNotExist(err) {
		t.Errorf("--docker created podman files")
	}
	if !strings.Contains(s.read(t, s.docker()), `"credsStore":"regkey"`) {
		t.Errorf("docker not wired: %s", s.read(t, s.docker()))
	}
}

// TestSetupThroughDotfileSymlink: config.json is a dotfile manager's
// symlink to a 0640 file: setup writes the target (the link stays), keeps
// its mode and every key it does not own byte for byte, backs it up beside
// the target, and undo puts the original bytes and mode back.
func TestSetupThroughDotfileSymlink(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker")
	target := filepath.Join(s.home, "dotfiles", "docker.json")
	original := "{\n    \"x-dotfiles\": {\"n\": 1.50, \"s\": \"a\\u0026b\"},\n    \"auths\": {\n        \"127.0.0.1:5000\": {\"auth\": \"YWxpY2U6czNjcmV0\", \"email\": \"a@example.com\"}\n    }\n}\n"
	s.write(t, target, original)
	if err := os.Chmod(target, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(s.docker()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", "dotfiles", "docker.json"), s.docker()); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatalf("%v\n%s", err, s.errOut)
	}
	if fi, err := os.Lstat(s.docker()); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced (%v)", err)
	}
	want := "{\n    \"x-dotfiles\": {\"n\": 1.50, \"s\": \"a\\u0026b\"},\n    \"auths\": {\n        \"127.0.0.1:5000\": {\"email\": \"a@example.com\"}\n    },\n" +
		"    \"credsStore\": \"regkey\",\n    \"credHelpers\": {\n        \"127.0.0.1:5000\": \"regkey\"\n    }\n}\n"
	if got := s.read(t, target); got != want {
		t.Errorf("target =\n%s\nwant\n%s", got, want)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640 kept", fi.Mode().Perm())
	}
	backup := s.read(t, target+config.BackupSuffix)
	if strings.Contains(backup, "YWxpY2U6czNjcmV0") {
		t.Errorf("the backup keeps the secret that moved into the keystore:\n%s", backup)
	}
	if err := Undo(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if got := s.read(t, target); got != original {
		t.Errorf("after undo:\n%s\nwant\n%s", got, original)
	}
	if fi, err := os.Lstat(s.docker()); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("undo replaced the symlink (%v)", err)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after undo = %v", fi.Mode().Perm())
	}
	if _, err := os.Stat(target + config.BackupSuffix); !os.IsNotExist(err) {
		t.Errorf("backup left after undo")
	}
}

// TestSetupBackupSecrets: docker's own shape of an identity-token login
// ({"auth": base64("user:"), "identitytoken": ...}) leaves no secret in the
// backup; a secret that undo could not restore byte for byte from the
// keystore stays in the backup, and setup and doctor say so.
func TestSetupBackupSecrets(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker")
	s.write(t, s.docker(), `{"auths":{"t.example":{"auth":"YWxpY2U6","identitytoken":"rt-123"},"odd.example":{"auth":"YTo\/"}}}`)
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatalf("%v\n%s", err, s.errOut)
	}
	backup := s.read(t, s.docker()+config.BackupSuffix)
	if strings.Contains(backup, "rt-123") {
		t.Errorf("the backup keeps the identity token:\n%s", backup)
	}
	if want := `WARNING: ` + s.docker() + config.BackupSuffix + ` keeps the plaintext secrets of "odd.example"`; !strings.Contains(s.errOut.String(), want) {
		t.Errorf("no warning %q:\n%s", want, s.errOut)
	}

	// doctor finds them with config.PlaintextInBackup too (internal/cli's
	// TestDoctorSeesSetupBackupSecrets runs both commands).
	if keys := config.PlaintextInBackup([]byte(backup)); !slices.Equal(keys, []string{"odd.example"}) {
		t.Errorf("plaintext in the backup: %q, want odd.example", keys)
	}

	if err := Undo(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if got := s.read(t, s.docker()); got != `{"auths":{"t.example":{"auth":"YWxpY2U6","identitytoken":"rt-123"},"odd.example":{"auth":"YTo\/"}}}` {
		t.Errorf("after undo: %s", got)
	}
}

// hasHint reports whether err carries a hint containing want.
func hasHint(err error, want string) bool {
	return strings.Contains(cmderr.HintOf(err), want)
}

// lockedStore is a keystore whose reads fail, as a locked keyring's do.
type lockedStore struct{ keystore.Store }

func (lockedStore) Get(context.Context, string) (auth.Credential, error) {
	return auth.Credential{}, fmt.Errorf("the keyring is locked: %w", auth.ErrUnavailable)
}

// TestSetupUndoWithLockedKeystore: undo needs the moved secrets back from
// the keystore; a keystore it cannot read is reported as such (not as a
// missing login) and the file is left as setup wrote it until undo can
// restore it exactly.
func TestSetupUndoWithLockedKeystore(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker")
	s.write(t, s.docker(), plainConfig)
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	wired := s.read(t, s.docker())
	unlocked := s.opts.Keystore
	s.opts.Keystore = func(ctx context.Context) (keystore.Store, keystore.Info, error) {
		st, info, err := unlocked(ctx)
		return lockedStore{st}, info, err
	}
	err := Undo(context.Background(), s.opts)
	if err == nil || !strings.Contains(err.Error(), `reading the login for "t.example" from the keystore: the keyring is locked`) ||
		!hasHint(err, "fix the keystore") {
		t.Fatalf("undo with a locked keystore: %v", err)
	}
	if got := s.read(t, s.docker()); got != wired {
		t.Errorf("config.json changed by a failed undo:\n%s", got)
	}
	s.opts.Keystore = unlocked
	if err := Undo(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	if got := s.read(t, s.docker()); got != plainConfig {
		t.Errorf("after undo: %s", got)
	}
}

// TestSetupPodmanFileIsDockersFile: REGISTRY_AUTH_FILE names docker's
// config.json (or podman's file is a symlink to it): the file is edited
// once, as docker's, and the first run succeeds (it used to edit the file
// twice and fail as if docker had written it meanwhile).
func TestSetupPodmanFileIsDockersFile(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"REGISTRY_AUTH_FILE", "symlink"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			s := newSetupEnv(t, "docker", "podman")
			s.write(t, s.docker(), plainConfig)
			if how == "REGISTRY_AUTH_FILE" {
				s.opts.Env["REGISTRY_AUTH_FILE"] = s.docker()
			} else {
				persistent := filepath.Join(s.home, ".config", "containers", "auth.json")
				if err := os.MkdirAll(filepath.Dir(persistent), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(s.docker(), persistent); err != nil {
					t.Fatal(err)
				}
			}
			if err := Run(context.Background(), s.opts); err != nil {
				t.Fatalf("%v\n%s", err, s.errOut)
			}
			want := `{"auths":{"127.0.0.1:5000":{},"t.example":{}},"credsStore":"regkey","credHelpers":{"127.0.0.1:5000":"regkey","t.example":"regkey"}}`
			if got := s.read(t, s.docker()); got != want {
				t.Errorf("config.json =\n%s\nwant\n%s", got, want)
			}
			s.out.Reset()
			if err := Run(context.Background(), s.opts); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(s.out.String(), "nothing to change") {
				t.Errorf("second run:\n%s", s.out)
			}
			if err := Undo(context.Background(), s.opts); err != nil {
				t.Fatal(err)
			}
			if got := s.read(t, s.docker()); got != plainConfig {
				t.Errorf("after undo: %s", got)
			}
		})
	}
}

// TestSetupRefusesHelperOffPath: wiring docker to a helper PATH cannot find
// would fail every docker login after the plaintext logins moved out.
func TestSetupRefusesHelperOffPath(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker")
	s.opts.LookPath = func(name string) (string, error) {
		if name == "docker" {
			return "/usr/bin/docker", nil
		}
		return "", fs.ErrNotExist
	}
	const original = `{"auths":{"r.example":{"auth":"dTpw"}}}`
	s.write(t, s.docker(), original)
	err := Run(context.Background(), s.opts)
	if err == nil || !strings.Contains(err.Error(), "PATH does not find docker-credential-regkey") {
		t.Fatalf("setupRun = %v, want a refusal naming the helper", err)
	}
	if got, _ := os.ReadFile(s.docker()); string(got) != original {
		t.Errorf("config.json changed to %s", got)
	}
	if keys, _ := s.store.List(context.Background()); len(keys) != 0 {
		t.Errorf("keystore changed: %v", keys)
	}
	s.opts.Force = true
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatalf("setupRun --force = %v", err)
	}
	if got, _ := os.ReadFile(s.docker()); !strings.Contains(string(got), `"credsStore"`) {
		t.Errorf("--force did not wire docker: %s", got)
	}
}

// TestSetupUndoDryRunRedactsByKind: undo's dry run shows every auth file
// setup edited with its secrets redacted, whatever the file is called
// (REGISTRY_AUTH_FILE may be called anything), and regkey's registries.conf
// drop-in as it is.
func TestSetupUndoDryRunRedactsByKind(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "docker", "podman")
	authFile := filepath.Join(s.home, "podman-auth")
	s.opts.Env["REGISTRY_AUTH_FILE"] = authFile
	conf := filepath.Join(s.home, "registries.conf")
	s.opts.Env["CONTAINERS_REGISTRIES_CONF"] = conf
	s.write(t, conf, "")
	s.write(t, authFile, `{"auths":{"quay.io":{"auth":"Ym9iOnF1YXktcHc="}}}`)
	s.write(t, s.docker(), plainConfig)
	s.opts.RegistriesConf = true
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	s.out.Reset()
	s.opts.Docker, s.opts.RegistriesConf = true, false
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	s.out.Reset()
	s.opts.Docker, s.opts.DryRun = false, true
	if err := Undo(context.Background(), s.opts); err != nil {
		t.Fatal(err)
	}
	out := s.out.String()
	for _, want := range []string{
		"--- " + authFile, `+{"auths":{"quay.io":{"auth":"<redacted>"}}}`,
		"--- " + s.docker(), `"auth":"<redacted>"`,
		"--- " + filepath.Join(s.home, ".config", "containers", "registries.conf.d", "zz-regkey.conf"), `-credential-helpers = ["regkey"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("undo --dry-run output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"Ym9iOnF1YXktcHc=", "quay-pw", "YWxpY2U6czNjcmV0", "s3cret", "rt-1"} {
		if strings.Contains(out, secret) {
			t.Errorf("undo --dry-run printed a secret (%s):\n%s", secret, out)
		}
	}
}

// TestSetupUndoAfterLogins: after setup, one moved login was logged out of
// and a new one made; undo says the first is not put back, names the new
// one as living only in the keystore, and --restore-logins writes it into
// podman's auth file when setup wired only podman.
func TestSetupUndoAfterLogins(t *testing.T) {
	t.Parallel()
	s := newSetupEnv(t, "skopeo")
	s.opts.NoRegistriesConf = true
	authFile := filepath.Join(s.home, "auth.json")
	s.opts.Env["REGISTRY_AUTH_FILE"] = authFile
	s.write(t, authFile, `{"auths":{"gone.example":{"auth":"Ym9iOnB3"},"kept.example":{"auth":"YWxpY2U6czNjcmV0"}}}`)
	if err := Run(context.Background(), s.opts); err != nil {
		t.Fatalf("%v\n%s", err, s.errOut)
	}
	ctx := context.Background()
	if err := s.store.Delete(ctx, "gone.example"); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Set(ctx, "new.example", auth.Credential{Username: "nina", Secret: "n3w"}); err != nil {
		t.Fatal(err)
	}
	s.opts.NoRegistriesConf = false

	s.out.Reset()
	s.opts.DryRun = true
	if err := Undo(ctx, s.opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"would not put back the login for gone.example in " + authFile + ": the keystore no longer holds it (logged out since setup).",
		"After undo, docker and podman would no longer see these logins, which live only in regkey's keystore:\n  new.example (nina)\n",
	} {
		if !strings.Contains(s.out.String(), want) {
			t.Errorf("undo --dry-run does not say %q:\n%s", want, s.out)
		}
	}

	s.out.Reset()
	s.opts.RestoreLogins = true
	if err := Undo(ctx, s.opts); err != nil {
		t.Fatal(err)
	}
	if want := "would write the login for new.example (nina) into " + authFile + ", in plaintext\n"; !strings.Contains(s.out.String(), want) ||
		strings.Contains(s.out.String(), "bmluYTpuM3c=") || strings.Contains(s.out.String(), "no longer see") {
		t.Errorf("undo --dry-run --restore-logins does not say %q, or shows the secret:\n%s", want, s.out)
	}

	s.out.Reset()
	s.opts.DryRun = false
	if err := Undo(ctx, s.opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Took regkey out of " + authFile,
		"Did not put back the login for gone.example in " + authFile + ": the keystore no longer holds it (logged out since setup).",
		"Wrote the login for new.example (nina) into " + authFile + ", in plaintext.",
	} {
		if !strings.Contains(s.out.String(), want) {
			t.Errorf("undo --restore-logins does not say %q:\n%s", want, s.out)
		}
	}
	if strings.Contains(s.out.String(), "no longer see") || !strings.Contains(s.errOut.String(), "WARNING: 1 login(s) are now in plaintext") {
		t.Errorf("undo --restore-logins:\n%s%s", s.out, s.errOut)
	}
	want := `{"auths":{"kept.example":{"auth":"YWxpY2U6czNjcmV0"},"new.example":{"auth":"bmluYTpuM3c="}}}`
	if got := s.read(t, authFile); got != want {
		t.Errorf("auth file after undo:\n%s\nwant\n%s", got, want)
	}
}

// TestRuleHosts: only rules naming one host exactly name a host setup can
// wire; globs and repository paths do not.
func TestRuleHosts(t *testing.T) {
	t.Parallel()
	rules := []config.Rule{{Match: "r.example"}, {Match: "*.example"}, {Match: "q.example/team"}, {Match: "127.0.0.1:5000"}}
	if got, want := RuleHosts(rules), []string{"r.example", "127.0.0.1:5000"}; !slices.Equal(got, want) {
		t.Errorf("RuleHosts = %q, want %q", got, want)
	}
}
