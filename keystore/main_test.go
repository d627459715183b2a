package keystore_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
)

// childEnv selects child mode: the test binary, re-executed by a test, runs
// store commands read from stdin instead of tests (see runChild).
const childEnv = "REGKEY_KEYSTORE_TEST_CHILD"

func TestMain(m *testing.M) {
	// No test may find the session bus of a desktop session this machine
	// happens to have (/run/user/$UID/bus): the no-bus tests must see none,
	// and the others name their private bus explicitly.
	noUserBus, err := os.MkdirTemp("", "regkey-no-user-bus-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	keystore.SetUserRuntimeDir(noUserBus)
	code := runMain(m)
	os.Remove(noUserBus)
	os.Exit(code)
}

func runMain(m *testing.M) int {
	if os.Getenv(childEnv) != "" {
		return runChild()
	}
	code := m.Run()
	stopShared()
	return code
}

// uniqueName returns a fresh name for a keyring service or pass folder.
func uniqueName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// childResult is one line a child writes per command.
type childResult struct {
	Err         string `json:"err,omitempty"`
	Unavailable bool   `json:"unavailable,omitempty"`
	NotFound    bool   `json:"not_found,omitempty"`
	Username    string `json:"username,omitempty"`
	Secret      string `json:"secret,omitempty"`
	Keys        int    `json:"keys,omitempty"`
	Backend     string `json:"backend,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// runChild opens the store described by REGKEY_CHILD_* (with the process
// environment as Options.Env) and runs commands from stdin, one per line:
// "set KEY USER SECRET", "get KEY", "delete KEY", "list", and "open", which
// runs keystore.Open with the same options and reports Info. It answers each
// with a JSON childResult line on stdout. Opening errors are reported on
// the first command.
func runChild() int {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	timeout, _ := time.ParseDuration(env["REGKEY_CHILD_TIMEOUT"])
	deadline, err := time.Parse(time.RFC3339Nano, env["REGKEY_CHILD_DEADLINE"])
	if err != nil {
		fmt.Fprintf(os.Stderr, "child: REGKEY_CHILD_DEADLINE: %v\n", err)
		return 2
	}
	o := keystore.Options{
		Backend:   env["REGKEY_CHILD_BACKEND"],
		DataDir:   env["REGKEY_CHILD_DATADIR"],
		ConfigDir: env["REGKEY_CHILD_CONFIGDIR"],
		Env:       env,
		Timeout:   timeout,
	}
	store, openErr := keystore.OpenNamed(o, env["REGKEY_CHILD_NAME"])
	out := json.NewEncoder(os.Stdout)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		var r childResult
		var err error
		switch {
		case f[0] == "open":
			var info keystore.Info
			_, info, err = keystore.Open(context.Background(), o)
			r.Backend, r.Reason = info.Backend, info.Reason
		case openErr != nil:
			err = openErr
		default:
			err = childCommand(store, deadline, f, &r)
		}
		if err != nil {
			r.Err = err.Error()
			r.Unavailable = errors.Is(err, auth.ErrUnavailable)
			r.NotFound = errors.Is(err, auth.ErrNotFound)
		}
		if err := out.Encode(r); err != nil {
			return 2
		}
	}
	return 0
}

// childCommand runs one command, bounded only by the parent test's
// deadline: how long a command waits for other processes depends on the
// machine, and the backends bound their own calls.
func childCommand(s keystore.Store, deadline time.Time, f []string, r *childResult) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	switch {
	case f[0] == "set" && len(f) == 4:
		return s.Set(ctx, f[1], auth.Credential{Username: f[2], Secret: f[3]})
	case f[0] == "get" && len(f) == 2:
		c, err := s.Get(ctx, f[1])
		r.Username, r.Secret = c.Username, c.Secret
		return err
	case f[0] == "delete" && len(f) == 2:
		return s.Delete(ctx, f[1])
	case f[0] == "list" && len(f) == 1:
		m, err := s.List(ctx)
		r.Keys = len(m)
		return err
	}
	return fmt.Errorf("child: bad command %q", f)
}
