package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regkey/regkey/auth"
)

func mustWrite(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// undo plans and applies an undo the way setup --undo does, with the
// keystore j.Credentials gives.
func undo(j *Journal, force bool) ([]UndoResult, error) {
	lookup := func(k string) (auth.Credential, error) {
		if j.Credentials != nil {
			if c, ok := j.Credentials(k); ok {
				return c, nil
			}
		}
		return auth.Credential{}, auth.ErrNotFound
	}
	rs, err := j.PlanUndo(UndoOptions{Helper: "regkey", Force: force, Lookup: lookup})
	return rs, errors.Join(err, j.ApplyUndo(rs))
}

// edits the file at path through the journal the way setup does, moving
// the secrets of the auths keys named.
func journalEdit(t *testing.T, j *Journal, path string, moved ...string) {
	t.Helper()
	a, err := ReadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Wire(Wiring{Helper: "regkey", CredsStore: true, Keys: []string{"ghcr.io"}, ClearSecrets: moved}); err != nil {
		t.Fatal(err)
	}
	b, err := a.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Write(path, KindAuthFile, a.Original, a.Exists, a.Mode, b); err != nil {
		t.Fatal(err)
	}
}

func TestJournalUndoRestoresBytesModesAndLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orig := []byte("{\n  \"psFormat\": \"x\",\n  \"auths\": {}\n}")
	real := filepath.Join(dir, "dotfiles", "docker.json")
	mustWrite(t, real, orig, 0o640)
	link := filepath.Join(dir, "home", ".docker", "config.json")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../dotfiles/docker.json", link); err != nil {
		t.Fatal(err)
	}
	created := filepath.Join(dir, "home", ".config", "containers", "auth.json")

	j, err := LoadJournal(filepath.Join(dir, "data", "setup-journal.json"))
	if err != nil {
		t.Fatal(err)
	}
	journalEdit(t, j, link)
	journalEdit(t, j, created)
	// A second setup writes again; the backup still holds the first original.
	journalEdit(t, j, link)

	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("symlink replaced: %v", err)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after setup = %v, want 0640", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(real + BackupSuffix); !bytes.Equal(b, orig) {
		t.Errorf("backup = %q, want the original", b)
	}
	if fi, _ := os.Stat(real + BackupSuffix); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v, want 0600 (it may hold secrets)", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(created); fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode = %v, want 0600", fi.Mode().Perm())
	}

	j2, err := LoadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	res, err := undo(j2, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Action != UndoRemoved || res[1].Action != UndoRestored {
		t.Fatalf("undo results = %+v", res)
	}
	if b, _ := os.ReadFile(real); !bytes.Equal(b, orig) {
		t.Errorf("after undo = %q, want the original bytes", b)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after undo = %v", fi.Mode().Perm())
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("symlink replaced by undo: %v", err)
	}
	for _, gone := range []string{created, filepath.Dir(created), filepath.Join(dir, "home", ".config"), real + BackupSuffix, j.Path()} {
		if _, err := os.Lstat(gone); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after undo", gone)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(real))
	if len(entries) != 1 {
		t.Errorf("left behind in %s: %v", filepath.Dir(real), entries)
	}
}

// TestJournalUndoKeepsChangesMadeSinceSetup: docker rewrote config.json
// after setup (a login, a setting). Undo takes out what setup added and
// keeps the rest; with force it restores the original bytes.
func TestJournalUndoKeepsChangesMadeSinceSetup(t *testing.T) {
	t.Parallel()
	for _, force := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		mustWrite(t, path, []byte(`{"psFormat":"x"}`), 0o600)
		j, _ := LoadJournal(filepath.Join(dir, "journal.json"))
		journalEdit(t, j, path)
		mustWrite(t, path, []byte(`{"auths":{"new.example":{}},"credHelpers":{"ghcr.io":"regkey","quay.io":"other"},"credsStore":"regkey","psFormat":"y"}`), 0o640)

		res, err := undo(j, force)
		want, action := `{"credHelpers":{"quay.io":"other"},"psFormat":"y"}`, UndoUnwired
		if force {
			want, action = `{"psFormat":"x"}`, UndoRestored
		}
		if err != nil || len(res) != 1 || res[0].Action != action {
			t.Fatalf("undo (force %v) = %+v, %v; want %s", force, res, err, action)
		}
		if b, _ := os.ReadFile(path); string(b) != want {
			t.Errorf("undo (force %v) left %s, want %s", force, b, want)
		}
		if !force && (len(res[0].Dropped) != 1 || res[0].Dropped[0] != "new.example") {
			t.Errorf("dropped placeholders = %q, want [new.example]", res[0].Dropped)
		}
		if fi, _ := os.Stat(path); !force && fi.Mode().Perm() != 0o640 {
			t.Errorf("unwired file mode = %v, want 0640 kept", fi.Mode().Perm())
		}
		if _, err := os.Stat(path + BackupSuffix); !os.IsNotExist(err) {
			t.Errorf("backup left after undo")
		}
	}
}

func TestJournalNeverOverwritesAnOldBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	mustWrite(t, path, []byte(`{"a":1}`), 0o600)
	mustWrite(t, path+BackupSuffix, []byte("someone's old backup"), 0o600)
	j, _ := LoadJournal(filepath.Join(dir, "journal.json"))
	journalEdit(t, j, path)
	if b, _ := os.ReadFile(path + BackupSuffix); string(b) != "someone's old backup" {
		t.Errorf("old backup overwritten: %q", b)
	}
	if b, _ := os.ReadFile(path + BackupSuffix + ".1"); string(b) != `{"a":1}` {
		t.Errorf("new backup = %q", b)
	}
}

func TestWriteRefusesAFileChangedMeanwhile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	mustWrite(t, path, []byte(`{}`), 0o600)
	a, err := ReadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetCredsStore("regkey"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, path, []byte(`{"auths":{"docker-wrote-this":{}}}`), 0o600) // docker login meanwhile
	if err := a.Save(); !errors.Is(err, ErrFileChanged) {
		t.Fatalf("Save = %v, want ErrFileChanged", err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"auths":{"docker-wrote-this":{}}}` {
		t.Errorf("file = %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}

func TestWriteFileAtomicNewFileAndDirModes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new", "config.json")
	if err := WriteFileAtomic(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(filepath.Dir(path))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes file %v dir %v, want 0600 and 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
}

func TestJournalBackupLeavesMovedSecretsOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	orig := []byte("{\n\t\"auths\": {\n\t\t\"a\": {\n\t\t\t\"auth\": \"YWxpY2U6czNjcmV0\"\n\t\t},\n\t\t\"t\": {\n\t\t\t\"identitytoken\": \"rt\\u003c1\"\n\t\t},\n\t\t\"kept/ns\": {\n\t\t\t\"auth\": \"Ym9iOnB3\"\n\t\t}\n\t}\n}\n")
	mustWrite(t, path, orig, 0o600)
	keystore := map[string]auth.Credential{
		"a": {Username: "alice", Secret: "s3cret"},
		"t": {Username: auth.TokenUsername, Secret: "rt<1"},
	}
	creds := func(k string) (auth.Credential, bool) { c, ok := keystore[k]; return c, ok }
	j, _ := LoadJournal(filepath.Join(dir, "journal.json"))
	j.Credentials = creds
	journalEdit(t, j, path, "a", "t")
	backup, _ := os.ReadFile(path + BackupSuffix)
	for _, secret := range []string{"YWxpY2U6czNjcmV0", "rt"} {
		if bytes.Contains(backup, []byte(`"`+secret)) {
			t.Errorf("backup holds %s:\n%s", secret, backup)
		}
	}
	if !bytes.Contains(backup, []byte(`"Ym9iOnB3"`)) || !bytes.Contains(backup, []byte(`"`+SecretMarker+`"`)) {
		t.Errorf("backup:\n%s", backup)
	}

	j2, _ := LoadJournal(j.Path())
	broken := func(string) (auth.Credential, error) { return auth.Credential{}, errors.New("keyring locked") }
	if res, err := j2.PlanUndo(UndoOptions{Helper: "regkey", Lookup: broken}); err == nil || !strings.Contains(err.Error(), "keyring locked") ||
		res[0].Action != UndoSkipped {
		t.Fatalf("undo with a broken keystore = %+v, %v; want the file skipped", res, err)
	}
	// Logged in again since setup (without touching the file): the login
	// comes back as the keystore holds it now.
	j2.Credentials = func(k string) (auth.Credential, bool) {
		c, ok := keystore[k]
		if k == "a" {
			c.Secret = "changed since"
		}
		return c, ok
	}
	res, err := j2.PlanUndo(UndoOptions{Helper: "regkey", Lookup: func(k string) (auth.Credential, error) {
		if c, ok := j2.Credentials(k); ok {
			return c, nil
		}
		return auth.Credential{}, auth.ErrNotFound
	}})
	if err != nil || res[0].Action != UndoUnwired || !bytes.Contains(res[0].Next, []byte(`"`+base64.StdEncoding.EncodeToString([]byte("alice:changed since"))+`"`)) {
		t.Fatalf("undo with changed credentials = %+v, %v\n%s", res, err, res[0].Next)
	}
	j2.Credentials = creds
	if _, err := undo(j2, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, orig) {
		t.Errorf("after undo:\n%s\nwant\n%s", b, orig)
	}
}

func TestJournalKeepsPlaintextBackupWhenRedactionCannotBeUndone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	// Written with an escaped slash: re-encoding the keystore's value would
	// not give these bytes back, so the backup keeps them.
	orig := []byte(`{"auths":{"a":{"auth":"YTo\/"}}}`)
	mustWrite(t, path, orig, 0o600)
	j, _ := LoadJournal(filepath.Join(dir, "journal.json"))
	j.Credentials = func(string) (auth.Credential, bool) { return auth.Credential{Username: "a", Secret: "?"}, true }
	journalEdit(t, j, path)
	if b, _ := os.ReadFile(path + BackupSuffix); !bytes.Equal(b, orig) {
		t.Errorf("backup = %s", b)
	}
}

// TestJournalBackupOfDockersIdentityTokenEntry: docker's file store writes an
// identity-token login as {"auth": base64("user:"), "identitytoken": ...}.
// The backup leaves the token out (the "auth" holds no secret) and undo
// gives the exact bytes back; a secret that cannot be left out (spelled with
// an escaped slash) stays, alone, and PlaintextInBackup names it.
func TestJournalBackupOfDockersIdentityTokenEntry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	orig := []byte("{\n\t\"auths\": {\n\t\t\"t.example\": {\n\t\t\t\"auth\": \"YWxpY2U6\",\n\t\t\t\"identitytoken\": \"rt-123\"\n\t\t},\n\t\t\"odd.example\": {\n\t\t\t\"auth\": \"YTo\\/\"\n\t\t}\n\t}\n}\n")
	mustWrite(t, path, orig, 0o600)
	keystore := map[string]auth.Credential{
		"t.example":   {Username: auth.TokenUsername, Secret: "rt-123"},
		"odd.example": {Username: "a", Secret: "?"},
	}
	j, _ := LoadJournal(filepath.Join(dir, "journal.json"))
	j.Credentials = func(k string) (auth.Credential, bool) { c, ok := keystore[k]; return c, ok }
	journalEdit(t, j, path)
	backup, err := os.ReadFile(path + BackupSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(backup, []byte("rt-123")) {
		t.Errorf("the backup keeps the identity token:\n%s", backup)
	}
	if got := PlaintextInBackup(backup); len(got) != 1 || got[0] != "odd.example" {
		t.Errorf("PlaintextInBackup = %q, want [odd.example]\n%s", got, backup)
	}
	if got := PlaintextInBackup(orig); len(got) != 2 {
		t.Errorf("PlaintextInBackup(original) = %q, want both keys", got)
	}
	if _, err := undo(j, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, orig) {
		t.Errorf("after undo:\n%s\nwant\n%s", b, orig)
	}
}

// TestJournalBackupUnderEverySpelling: a secret docker reads from "Auth",
// "Password", "IdentityToken" or "AUTHS" is left out of the backup like one
// under docker's own spelling, and undo puts each back byte for byte. A
// secret docker does not use (shadowed by a later spelling of the same
// field) is not in the keystore, so it stays, and PlaintextInBackup names it.
func TestJournalBackupUnderEverySpelling(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	orig := []byte("{\n\t\"AUTHS\": {\n\t\t\"a\": {\n\t\t\t\"Auth\": \"YWxpY2U6czNjcmV0\"\n\t\t}\n\t},\n" +
		"\t\"auths\": {\n\t\t\"t\": {\n\t\t\t\"IdentityToken\": \"rt-upper\"\n\t\t},\n" +
		"\t\t\"p\": {\n\t\t\t\"Username\": \"bob\",\n\t\t\t\"PASSWORD\": \"hunter2\"\n\t\t},\n" +
		"\t\t\"two\": {\n\t\t\t\"auth\": \"b2xkOm9sZA==\",\n\t\t\t\"AUTH\": \"bmV3Om5ldw==\"\n\t\t}\n\t}\n}\n")
	mustWrite(t, path, orig, 0o600)
	a, err := ParseAuthFile(path, path, orig, true, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := a.PlainAuths()
	if err != nil {
		t.Fatal(err)
	}
	keystore := map[string]auth.Credential{}
	for _, p := range plain {
		keystore[p.Key] = p.Credential()
	}
	want := map[string]auth.Credential{
		"a":   {Username: "alice", Secret: "s3cret"},
		"t":   {Username: auth.TokenUsername, Secret: "rt-upper"},
		"p":   {Username: "bob", Secret: "hunter2"},
		"two": {Username: "new", Secret: "new"},
	}
	if len(keystore) != len(want) {
		t.Fatalf("read %+v, want %+v", keystore, want)
	}
	for k, c := range want {
		if keystore[k] != c {
			t.Errorf("read %s as %+v, want %+v", k, keystore[k], c)
		}
	}
	creds := func(k string) (auth.Credential, bool) { c, ok := keystore[k]; return c, ok }
	j, _ := LoadJournal(filepath.Join(dir, "journal.json"))
	j.Credentials = creds
	journalEdit(t, j, path)
	backup, _ := os.ReadFile(path + BackupSuffix)
	for _, secret := range []string{"YWxpY2U6czNjcmV0", "rt-upper", "hunter2", "bmV3Om5ldw=="} {
		if bytes.Contains(backup, []byte(secret)) {
			t.Errorf("backup holds %s:\n%s", secret, backup)
		}
	}
	if got := PlaintextInBackup(backup); len(got) != 1 || got[0] != "two" || !bytes.Contains(backup, []byte("b2xkOm9sZA==")) {
		t.Errorf("PlaintextInBackup = %q, want [two] (its shadowed \"auth\")\n%s", got, backup)
	}
	if _, err := undo(j, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, orig) {
		t.Errorf("after undo:\n%s\nwant\n%s", b, orig)
	}
}

func TestBackupsOf(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "config.json")
	for _, n := range []string{"config.json", "config.json" + BackupSuffix, "config.json" + BackupSuffix + ".1", "config.json" + BackupSuffix + ".x", "other.json" + BackupSuffix} {
		mustWrite(t, filepath.Join(dir, n), []byte("{}"), 0o600)
	}
	got, err := BackupsOf(target)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{target + BackupSuffix, target + BackupSuffix + ".1"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("BackupsOf = %q, want %q", got, want)
	}
	if got, err := BackupsOf(filepath.Join(dir, "missing", "config.json")); err != nil || got != nil {
		t.Errorf("missing dir: %q %v", got, err)
	}
}

// TestJournalRecordsWhatEachFileIs: the journal keeps each file's kind, so
// that undo shows an auth file redacted whatever its name; a file an older
// journal recorded without a kind is treated as one that may hold secrets.
func TestJournalRecordsWhatEachFileIs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	j, _ := LoadJournal(filepath.Join(dir, "journal.json"))
	auth, dropIn := filepath.Join(dir, "podman-auth"), filepath.Join(dir, "zz-regkey.conf")
	if err := j.Write(auth, KindAuthFile, nil, false, 0o600, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := j.Write(dropIn, KindRegistriesConf, nil, false, 0o644, []byte("x = 1\n")); err != nil {
		t.Fatal(err)
	}
	j2, err := LoadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if f := j2.Find(auth); f == nil || f.Kind != KindAuthFile || !f.MayHoldSecrets() {
		t.Errorf("auth file entry = %+v", f)
	}
	if f := j2.Find(dropIn); f == nil || f.Kind != KindRegistriesConf || f.MayHoldSecrets() {
		t.Errorf("drop-in entry = %+v", f)
	}
	if !(JournalFile{Path: dropIn}).MayHoldSecrets() {
		t.Errorf("an entry without a kind is shown unredacted")
	}
}
