// Package fix words the fixes regkey suggests: how to make PATH find the
// helper, and how to take back a file of regkey's that a `sudo regkey`
// left owned by root.
package fix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/regkey/regkey/config"
)

// SelfPath is the running regkey binary with symlinks resolved, or "" when
// the system cannot say. Hints name it rather than `command -v regkey`,
// which finds nothing when regkey itself is not on PATH.
func SelfPath() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		return p
	}
	return exe
}

// HelperPath says how to make PATH find docker-credential-regkey, the
// name docker and podman run: a symlink to self (the running binary) in its
// own directory when that is on PATH, else in a directory on PATH made for
// the purpose (~/.local/bin, or /usr/local/bin for root), else the line
// that puts self's directory on PATH.
func HelperPath(env config.Env, self string, uid int) string {
	if self == "" {
		return "link the regkey binary as docker-credential-regkey in a directory on PATH"
	}
	dir := filepath.Dir(self)
	onPath := pathDirs(env)
	link := func(d string) string {
		return fmt.Sprintf("ln -s %s %s", ShellQuote(self), ShellQuote(filepath.Join(d, config.HelperPrefix+config.HelperName)))
	}
	if slices.Contains(onPath, dir) {
		return "run: " + link(dir)
	}
	var fit []string
	if h := env.Home(); h != "" {
		fit = append(fit, filepath.Join(h, ".local", "bin"))
	}
	if uid == 0 {
		fit = append(fit, "/usr/local/bin")
	}
	for _, d := range fit {
		if slices.Contains(onPath, d) {
			if _, err := os.Stat(d); err != nil {
				return fmt.Sprintf("run: mkdir -p %s && %s", ShellQuote(d), link(d))
			}
			return "run: " + link(d)
		}
	}
	fix := fmt.Sprintf("put %s on PATH: add the line `export PATH=\"%s:$PATH\"` to ~/.profile and start a new login shell", dir, homeRelative(env, dir))
	if _, err := os.Stat(filepath.Join(dir, config.HelperPrefix+config.HelperName)); err != nil {
		fix = "run `" + link(dir) + "`, then " + fix
	}
	return fix
}

// pathDirs are the absolute directories of env's PATH, cleaned.
func pathDirs(env config.Env) []string {
	var out []string
	for _, d := range filepath.SplitList(env.Get("PATH")) {
		if d != "" && filepath.IsAbs(d) {
			out = append(out, filepath.Clean(d))
		}
	}
	return out
}

// homeRelative writes path with $HOME for the home directory, for a line
// meant for ~/.profile.
func homeRelative(env config.Env, path string) string {
	h := env.Home()
	if h == "" || h == "/" {
		return path
	}
	if rest, ok := strings.CutPrefix(path, filepath.Clean(h)+string(filepath.Separator)); ok {
		return "$HOME/" + rest
	}
	return path
}

// ShellQuote quotes s for a POSIX shell when it needs quoting.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Permission is the fix for an error caused by one of regkey's own
// files (in a directory named regkey: the keystore, its key, the token
// cache, setup's journal) that regkey may not read or write
// (fs.ErrPermission): which path refuses, whose it is, and the command
// that gives it back to the user running regkey. It is "" for any other
// error, a file of someone else's (docker's, an --output) included.
func Permission(err error) string {
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrPermission) || !errors.As(err, &pe) || pe.Path == "" || !inRegkeyDir(pe.Path) {
		return ""
	}
	// The path that refuses is the file itself, or the first directory
	// above it that this user may not search.
	path := filepath.Clean(pe.Path)
	for {
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrPermission) {
			break
		}
		parent := filepath.Dir(path)
		if parent == path {
			break
		}
		path = parent
	}
	me := currentUser()
	chown := fmt.Sprintf("sudo chown %s %s && sudo chmod 600 %s", ShellQuote(me), ShellQuote(path), ShellQuote(path))
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		chown = fmt.Sprintf("sudo chown -R %s %s && sudo chmod 700 %s", ShellQuote(me), ShellQuote(path), ShellQuote(path))
	}
	return fmt.Sprintf("%s%s, so regkey, running as %s, cannot use it; if it is yours (a `sudo regkey ...` leaves files owned by root in your home), run `%s`",
		path, describeOwner(path), me, chown)
}

// currentUser is the name of the user running regkey, else its uid.
func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
}

// inRegkeyDir reports whether path is inside a directory named regkey.
func inRegkeyDir(path string) bool {
	for d := filepath.Dir(filepath.Clean(path)); ; d = filepath.Dir(d) {
		if filepath.Base(d) == "regkey" {
			return true
		}
		if d == filepath.Dir(d) {
			return false
		}
	}
}
