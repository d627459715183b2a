package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"sort"
	"strings"
)

// MaxAuthFileSize caps what regkey will read as a docker config or a
// containers auth.json; anything larger is not one.
const MaxAuthFileSize = 16 << 20

// MaxDockerFileSize is MaxAuthFileSize under its first name.
const MaxDockerFileSize = MaxAuthFileSize

// AuthFile is a docker config.json or a containers auth.json: both are a
// JSON object with "auths" and "credHelpers" (docker adds "credsStore" and
// many other keys). It is edited as text, one member at a time, so that
// every key regkey does not own survives byte for byte, with its order and
// indentation; docker itself drops unknown keys when it rewrites the file.
//
// Every edit is checked: the edited text must decode to exactly the
// original document with that one change, or the edit is refused.
type AuthFile struct {
	// Path is the path the file was read from (possibly a symlink).
	Path string
	// Target is Path with symlinks resolved: the file that is replaced.
	Target string
	// Exists reports whether the file existed when read.
	Exists bool
	// Mode is the file's permission bits (0600 for a new file).
	Mode fs.FileMode
	// Original is the file's content as read.
	Original []byte

	doc   *jsonDoc
	base  []byte // the text parsed: Original, or "{}" for an empty file
	model map[string]any
	// view is what docker and podman should read from the edited file: the
	// original's typed view with each edit's intended effect.
	view typed
}

// DockerFile is docker's config.json; the name predates AuthFile.
type DockerFile = AuthFile

// ReadDockerFile reads docker's config.json at path; see ReadAuthFile.
func ReadDockerFile(path string) (*AuthFile, error) { return ReadAuthFile(path) }

// ReadAuthFile reads and checks the auth file at path. A missing, empty or
// whitespace-only file is an empty document. A file that does not parse, or
// whose auths, credHelpers or credsStore have a shape docker or podman would
// reject, is an error naming the file and the problem; regkey never
// rewrites such a file.
func ReadAuthFile(path string) (*AuthFile, error) {
	target, err := ResolveSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	fi, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return ParseAuthFile(path, target, nil, false, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: not a regular file", path)
	}
	if fi.Size() > MaxAuthFileSize {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", path, MaxAuthFileSize)
	}
	data, err := os.ReadFile(target)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return ParseAuthFile(path, target, data, true, fi.Mode().Perm())
}

// ParseAuthFile parses data as the content of the auth file at path (whose
// symlinks resolve to target).
func ParseAuthFile(path, target string, data []byte, exists bool, mode fs.FileMode) (*AuthFile, error) {
	a := &AuthFile{Path: path, Target: target, Exists: exists, Mode: mode, Original: data}
	src := data
	if len(bytes.TrimSpace(data)) == 0 {
		src = []byte("{\n}\n")
	}
	doc, err := parseJSONDoc(src)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w (regkey does not rewrite a file it cannot read: fix it, or move it aside)", a.describe(), err)
	}
	a.doc, a.base = doc, src
	if err := decoder(src).Decode(&a.model); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", a.describe(), err)
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("parsing %s: %w (regkey does not rewrite a file it cannot read: fix it, or move it aside)", a.describe(), err)
	}
	a.view, _ = a.typed() // validate decoded it already
	return a, nil
}

// authEntry is one auths value as docker and containers/image read it.
type authEntry struct {
	Auth          string `json:"auth"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	Email         string `json:"email"`
}

// typed is the part of the document regkey reads and edits, decoded by
// encoding/json as docker and podman decode it (see jsonname.go for how
// member names match).
type typed struct {
	Auths       map[string]*authEntry `json:"auths"`
	CredHelpers map[string]string     `json:"credHelpers"`
	CredsStore  string                `json:"credsStore"`
}

func (a *AuthFile) typed() (typed, error) {
	var t typed
	if err := json.Unmarshal(a.doc.src, &t); err != nil {
		return t, describeJSONError(a.doc.src, err)
	}
	return t, nil
}

// validate rejects the shapes docker refuses to load.
func (a *AuthFile) validate() error {
	t, err := a.typed()
	if err != nil {
		return err
	}
	for key, e := range t.Auths {
		if e == nil || e.Auth == "" {
			continue
		}
		if _, _, err := decodeAuthField(e.Auth); err != nil {
			return fmt.Errorf("auths[%q].auth: %w", key, err)
		}
	}
	return nil
}

// CredsStore returns the credsStore value, or "".
func (a *AuthFile) CredsStore() string {
	t, _ := a.typed()
	return t.CredsStore
}

// SetCredsStore sets credsStore to name.
func (a *AuthFile) SetCredsStore(name string) error {
	if err := a.set(credsStorePath, name); err != nil {
		return err
	}
	a.view.CredsStore = name
	return nil
}

// RemoveCredsStore removes credsStore, under every spelling docker reads it
// by; a missing one is not an error.
func (a *AuthFile) RemoveCredsStore() error {
	if err := a.removeMember("credsStore"); err != nil {
		return err
	}
	a.view.CredsStore = ""
	return nil
}

// removeMember removes the top-level member field (its every spelling).
func (a *AuthFile) removeMember(field string) error {
	if err := a.remove(nil, fieldStep(field)); err != nil {
		return err
	}
	switch field {
	case "auths":
		a.view.Auths = nil
	case "credHelpers":
		a.view.CredHelpers = nil
	case "credsStore":
		a.view.CredsStore = ""
	}
	return nil
}

// CredHelpers returns a copy of the credHelpers map (empty when absent).
func (a *AuthFile) CredHelpers() map[string]string {
	t, _ := a.typed()
	out := make(map[string]string, len(t.CredHelpers))
	for k, v := range t.CredHelpers {
		out[k] = v
	}
	return out
}

// SetCredHelper routes registry key to docker-credential-<helper>.
func (a *AuthFile) SetCredHelper(key, helper string) error {
	if err := a.set(append(credHelpersPath, keyStep(key)), helper); err != nil {
		return err
	}
	if a.view.CredHelpers == nil {
		a.view.CredHelpers = map[string]string{}
	}
	a.view.CredHelpers[key] = helper
	return nil
}

// RemoveCredHelper removes credHelpers[key], under every spelling of
// credHelpers; a missing key is not an error.
func (a *AuthFile) RemoveCredHelper(key string) error {
	if err := a.remove(credHelpersPath, keyStep(key)); err != nil {
		return err
	}
	delete(a.view.CredHelpers, key)
	return nil
}

// AuthKeys returns the keys of auths, sorted.
func (a *AuthFile) AuthKeys() []string {
	t, _ := a.typed()
	keys := make([]string, 0, len(t.Auths))
	for k := range t.Auths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Bytes returns the edited content. It fails if the edits did not produce
// exactly the intended document: every member regkey does not own as it
// was, and what docker and podman read from the file exactly what the edits
// meant.
func (a *AuthFile) Bytes() ([]byte, error) {
	var got any
	if err := decoder(a.doc.src).Decode(&got); err != nil {
		return nil, fmt.Errorf("editing %s: internal error: %w", a.Path, err)
	}
	view, err := a.typed()
	if err != nil || !reflect.DeepEqual(got, any(a.model)) || !sameView(view, a.view) {
		return nil, fmt.Errorf("editing %s: internal error: the edited text does not match the intended change; nothing written", a.Path)
	}
	return a.doc.bytes(), nil
}

// sameView reports whether two typed views say the same (an absent map and
// an empty one alike).
func sameView(x, y typed) bool {
	return x.CredsStore == y.CredsStore && maps.Equal(x.CredHelpers, y.CredHelpers) &&
		maps.EqualFunc(x.Auths, y.Auths, func(a, b *authEntry) bool {
			return a == b || (a != nil && b != nil && *a == *b)
		})
}

// Changed reports whether an edit changed the document. A missing or
// blank file that no edit touched is unchanged (and is not written).
func (a *AuthFile) Changed() bool {
	return !bytes.Equal(a.doc.src, a.base)
}

// Save writes the edited content atomically over Target, keeping its mode
// and the symlinks that lead to it. It refuses (ErrFileChanged) when the
// file changed on disk since it was read. A file with no changes is not
// written.
func (a *AuthFile) Save() error {
	if !a.Changed() {
		return nil
	}
	b, err := a.Bytes()
	if err != nil {
		return err
	}
	return WriteFileIfUnchanged(a.Path, a.Original, a.Exists, b, 0o600)
}

// set changes the value at path in the text and the model.
func (a *AuthFile) set(path []step, v any) error {
	edits, err := a.doc.set(path, v)
	a.apply(edits)
	if err != nil {
		return fmt.Errorf("editing %s: %w", a.Path, err)
	}
	return nil
}

// remove deletes the members s selects in the objects parent selects, in
// the text and the model.
func (a *AuthFile) remove(parent []step, s step) error {
	edits, err := a.doc.remove(parent, s)
	a.apply(edits)
	if err != nil {
		return fmt.Errorf("editing %s: %w", a.Path, err)
	}
	return nil
}

// apply makes the text's edits to the model. The model is the document as
// a generic decoder reads it, where the last of two members spelled alike
// wins; an edit of a member it shadows changes nothing there.
func (a *AuthFile) apply(edits []change) {
	for _, e := range edits {
		m := a.model
		for _, k := range e.path[:len(e.path)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				if e.del {
					m = nil
					break
				}
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		switch last := e.path[len(e.path)-1]; {
		case m == nil:
		case e.del:
			delete(m, last)
		default:
			m[last] = e.value
		}
	}
}

// describe names a file for messages: the path, and the target if it is a
// symlink.
func (a *AuthFile) describe() string {
	if a.Target != "" && a.Target != a.Path {
		return a.Path + " (-> " + a.Target + ")"
	}
	return a.Path
}

// String names the file for messages.
func (a *AuthFile) String() string { return a.describe() }

// isNamespaced reports whether an auths key names a repository namespace
// (podman's "host/ns" keys) rather than a registry.
func isNamespaced(key string) bool {
	k := key
	if i := strings.Index(k, "://"); i >= 0 {
		return false // docker's legacy "https://host/v1/" keys name a registry
	}
	return strings.Contains(k, "/")
}
