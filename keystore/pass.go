package keystore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/childenv"
)

// passFolder is the folder of the password store that holds regkey's
// entries: one directory per server key, named by the key in unpadded
// base64url, holding one entry "u-<base64url(username)>" whose content is
// the record JSON. Usernames live in the entry name so that List only walks
// directories and never runs gpg (as docker-credential-pass does).
const passFolder = "regkey"

// passStore is the pass backend. Writes encrypt into a unique temporary
// entry with `pass insert` (in parallel, outside any lock), then, under a
// lock file in DataDir, rename it into place (so readers see a whole entry;
// gpg writes its output in place) and remove the entry of a previous
// username. A reader that finds two entries for a key in that instant takes
// the newer one. In a store kept in git the rename and removal go through
// `pass mv` and `pass rm`, which commit; otherwise they are plain renames
// and removals, which saves pass mv's gpg re-encryption check.
type passStore struct {
	prog     string   // absolute path of pass
	env      []string // environment of every pass run
	storeDir string   // PASSWORD_STORE_DIR
	folder   string
	lock     string
	timeout  time.Duration
}

var _ Store = (*passStore)(nil)

// openPass checks that pass is installed and the store initialised (two
// stat calls) and returns the pass backend.
func openPass(o Options, reason string) (Store, Info, error) {
	if err := needDirs(BackendPass, o.DataDir); err != nil {
		return nil, Info{}, err
	}
	s, err := newPassStore(o, passFolder)
	if err != nil {
		return nil, Info{}, fmt.Errorf("opening the pass keystore: %w", err)
	}
	return s, Info{Backend: BackendPass, Location: filepath.Join(s.storeDir, s.folder), Reason: reason}, nil
}

func newPassStore(o Options, folder string) (*passStore, error) {
	prog, err := lookPath("pass", o.Env["PATH"])
	if err != nil {
		return nil, unavailable("pass is not installed (no `pass` on PATH); install it (apt-get install pass) or use another keystore (REGKEY_KEYSTORE=file)", nil)
	}
	dir := o.Env["PASSWORD_STORE_DIR"]
	if dir == "" {
		if o.Env["HOME"] == "" {
			return nil, unavailable("neither $PASSWORD_STORE_DIR nor $HOME is set, so there is no password store", nil)
		}
		dir = filepath.Join(o.Env["HOME"], ".password-store")
	}
	if !fileExists(filepath.Join(dir, ".gpg-id")) && !fileExists(filepath.Join(dir, folder, ".gpg-id")) {
		return nil, unavailable(fmt.Sprintf("the password store %s is not initialised; run `pass init <gpg-key-id>` first", dir), nil)
	}
	t := o.Timeout
	if t <= 0 {
		t = DefaultPassTimeout
	}
	path := o.Env["PATH"]
	if path == "" {
		path = os.Getenv("PATH") // gpg must be found too
	}
	env := append(passEnv(o.Env), "PASSWORD_STORE_DIR="+dir, "PATH="+path)
	return &passStore{prog: prog, env: env, storeDir: dir, folder: folder,
		lock: filepath.Join(o.DataDir, "pass.lock"), timeout: t}, nil
}

// passVars are the variables pass and the gpg it runs read, beyond the
// session (childenv.Session): pass's own settings, gpg's home, agent and
// pinentry, and the identity git commits with in a store kept in git.
var passVars = []string{"PASSWORD_STORE_*", "GNUPGHOME", "GPG_TTY", "GPG_AGENT_INFO", "PINENTRY_USER_DATA",
	"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"}

// passEnv is the environment of every pass run, without PASSWORD_STORE_DIR
// and PATH (the caller sets both): the session and passVars, and nothing
// else of regkey's environment, whose secrets (REGKEY_FILE_KEY, the env
// provider's credentials, cloud and CI tokens) are no business of pass, gpg
// or git.
func passEnv(env map[string]string) []string {
	out := childenv.Build(env, passVars...)
	return slices.DeleteFunc(out, func(kv string) bool {
		return strings.HasPrefix(kv, "PASSWORD_STORE_DIR=") || strings.HasPrefix(kv, "PATH=")
	})
}

// Get returns the credential stored under key.
func (s *passStore) Get(ctx context.Context, key string) (auth.Credential, error) {
	if err := ctx.Err(); err != nil {
		return auth.Credential{}, err
	}
	if err := checkKey(key); err != nil {
		return auth.Credential{}, err
	}
	dir, err := s.keyDir(key)
	if err != nil {
		return auth.Credential{}, err
	}
	c, retry, err := s.get(ctx, key, dir)
	if retry {
		// A concurrent Set replaced the entry between ReadDir and pass show;
		// read again while holding writers off.
		if err := ensureDir(filepath.Dir(s.lock)); err != nil {
			return auth.Credential{}, err
		}
		err = withSharedLock(ctx, s.lock, func() (err error) {
			c, _, err = s.get(ctx, key, dir)
			return err
		})
	}
	return c, err
}

// get reads the newest entry of key once. retry reports that the entry
// vanished while it was being read.
func (s *passStore) get(ctx context.Context, key, dir string) (c auth.Credential, retry bool, err error) {
	es, err := s.entries(dir)
	if err != nil {
		return auth.Credential{}, false, err
	}
	if len(es) == 0 {
		return auth.Credential{}, false, notFound(key)
	}
	out, err := s.run(ctx, nil, "show", es[0].name)
	if err != nil {
		return auth.Credential{}, !fileExists(s.file(es[0].name)), err
	}
	defer clear(out)
	if c, err = decodeRecord(out); err != nil {
		return auth.Credential{}, false, fmt.Errorf("reading %q from pass: %w", key, err)
	}
	return c, false, nil
}

// Set stores c under key.
func (s *passStore) Set(ctx context.Context, key string, c auth.Credential) error {
	if err := checkKey(key); err != nil {
		return err
	}
	dir, err := s.keyDir(key)
	if err != nil {
		return err
	}
	user, err := encodeName("username", c.Username)
	if err != nil {
		return err
	}
	b, err := encodeRecord(c)
	if err != nil {
		return err
	}
	defer clear(b)
	rnd := make([]byte, 12)
	if _, err := rand.Read(rnd); err != nil {
		return fmt.Errorf("storing %q in pass: %w", key, err)
	}
	tmp := path.Join(s.folder, ".tmp", hex.EncodeToString(rnd))
	defer os.Remove(s.file(tmp)) // only left if something below failed
	if _, err := s.run(ctx, b, "insert", "--multiline", "--force", tmp); err != nil {
		return err
	}
	final := path.Join(dir, "u-"+user)
	if err := ensureDir(filepath.Dir(s.lock)); err != nil {
		return err
	}
	return withLock(ctx, s.lock, func() error {
		if err := s.move(ctx, tmp, final); err != nil {
			return err
		}
		es, err := s.entries(dir)
		if err != nil {
			return err
		}
		for _, e := range es {
			if e.name != final {
				if err := s.remove(ctx, e.name, false); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Delete removes key.
func (s *passStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	dir, err := s.keyDir(key)
	if err != nil {
		return err
	}
	if err := ensureDir(filepath.Dir(s.lock)); err != nil {
		return err
	}
	return withLock(ctx, s.lock, func() error {
		es, err := s.entries(dir)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return notFound(key)
		}
		return s.remove(ctx, dir, true)
	})
}

// List walks the folder; it runs no program.
func (s *passStore) List(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	des, err := os.ReadDir(filepath.Join(s.storeDir, s.folder))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the password store: %w", err)
	}
	out := make(map[string]string, len(des))
	for _, de := range des {
		if !de.IsDir() || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		k, err := base64.RawURLEncoding.DecodeString(de.Name())
		if err != nil {
			continue // not ours
		}
		es, err := s.entries(path.Join(s.folder, de.Name()))
		if err != nil {
			return nil, err
		}
		if len(es) > 0 {
			out[string(k)] = es[0].username
		}
	}
	return out, nil
}
