package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// DefaultCredentialHelpers is the list containers/image uses when no
// registries.conf sets credential-helpers: the auth files only.
var DefaultCredentialHelpers = []string{AuthFilesHelper}

// AuthFilesHelper is the reserved credential-helpers entry that stands for
// the auth files (REGISTRY_AUTH_FILE, the runtime and persistent auth.json,
// docker's config.json).
const AuthFilesHelper = "containers-auth.json"

// DropInName is the registries.conf.d file regkey owns. Drop-ins load in
// name order and a later one that sets credential-helpers replaces the
// list, so regkey's sorts last.
const DropInName = "zz-regkey.conf"

// RegistriesConf names the registries.conf files containers/image loads
// (containers-registries.conf(5), containers-registries.conf.d(5)).
//
// regkey never edits the user's or the system's registries.conf: to add
// itself to credential-helpers it writes its own drop-in in the user's
// registries.conf.d, holding the list that was in effect plus regkey. A
// drop-in cannot shadow /etc/containers/registries.conf (creating
// ~/.config/containers/registries.conf would), and it is removed whole.
type RegistriesConf struct {
	// Override is $CONTAINERS_REGISTRIES_CONF (podman honours it; skopeo
	// 1.9 does not).
	Override string
	// UserMain is $HOME/.config/containers/registries.conf; when it exists
	// it replaces SystemMain and SystemDir.
	UserMain string
	// UserDir is $HOME/.config/containers/registries.conf.d.
	UserDir string
	// SystemMain is /etc/containers/registries.conf.
	SystemMain string
	// SystemDir is /etc/containers/registries.conf.d.
	SystemDir string
}

// RegistriesConfFor derives the locations from env. containers/image looks
// under $HOME/.config here, not $XDG_CONFIG_HOME.
func RegistriesConfFor(e Env) RegistriesConf {
	user := filepath.Join(e.Home(), ".config", "containers")
	return RegistriesConf{
		Override:   e.Get("CONTAINERS_REGISTRIES_CONF"),
		UserMain:   filepath.Join(user, "registries.conf"),
		UserDir:    filepath.Join(user, "registries.conf.d"),
		SystemMain: "/etc/containers/registries.conf",
		SystemDir:  "/etc/containers/registries.conf.d",
	}
}

// DropIn is the path of regkey's drop-in.
func (r RegistriesConf) DropIn() string { return filepath.Join(r.UserDir, DropInName) }

// Sources lists the files containers/image loads, in load order, that
// exist: the main file, then the drop-ins of each directory by name.
func (r RegistriesConf) Sources() ([]string, error) {
	var out []string
	dirs := []string{r.SystemDir, r.UserDir}
	switch {
	case r.Override != "":
		out = append(out, r.Override)
	case exists(r.UserMain):
		out = append(out, r.UserMain)
		dirs = []string{r.UserDir}
	case exists(r.SystemMain):
		out = append(out, r.SystemMain)
	}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", d, err)
		}
		var names []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".conf") && !e.IsDir() {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, filepath.Join(d, n))
		}
	}
	return out, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// CredentialHelpers returns the credential-helpers list in effect and the
// file that set it ("" for the built-in default), loading every source in
// order but skip (regkey's own drop-in, to learn what it would replace).
// A file that does not parse is an error naming it: containers/image
// refuses it too.
func (r RegistriesConf) CredentialHelpers(skip string) ([]string, string, error) {
	sources, err := r.Sources()
	if err != nil {
		return nil, "", err
	}
	helpers, from := DefaultCredentialHelpers, ""
	for _, path := range sources {
		if path == skip {
			continue
		}
		list, set, err := ReadCredentialHelpers(path)
		if err != nil {
			return nil, "", err
		}
		if set {
			helpers, from = list, path
		}
	}
	if len(helpers) == 0 {
		helpers = DefaultCredentialHelpers
	}
	return helpers, from, nil
}

// ReadCredentialHelpers reads the credential-helpers key of one
// registries.conf file; set reports whether the file has the key.
func ReadCredentialHelpers(path string) (helpers []string, set bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", path, err)
	}
	return ParseCredentialHelpers(path, data)
}

// ParseCredentialHelpers parses data as a registries.conf file named path.
func ParseCredentialHelpers(path string, data []byte) ([]string, bool, error) {
	var v struct {
		CredentialHelpers *[]string `toml:"credential-helpers"`
	}
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&v); err != nil {
		return nil, false, fmt.Errorf("parsing %s: %w", path, err)
	}
	if v.CredentialHelpers == nil {
		return nil, false, nil
	}
	return *v.CredentialHelpers, true, nil
}

// WithHelperFirst returns helpers with name first and no other copy of it.
func WithHelperFirst(name string, helpers []string) []string {
	out := []string{name}
	for _, h := range helpers {
		if h != name {
			out = append(out, h)
		}
	}
	return out
}

// RenderDropIn returns the content of regkey's drop-in for a list; from
// names the file whose list it extends ("" for the default).
func RenderDropIn(helpers []string, from string) []byte {
	var b strings.Builder
	b.WriteString("# Written by `regkey setup`; `regkey setup --undo` (or --no-registries-conf) removes it.\n")
	b.WriteString("# podman, skopeo and buildah ask these credential helpers, in order, for\n")
	b.WriteString("# every registry. regkey comes first; the rest is the list that was in effect\n")
	if from == "" {
		b.WriteString("# before (containers/image's default).\n")
	} else {
		fmt.Fprintf(&b, "# before, from %s.\n", from)
	}
	b.WriteString("credential-helpers = [")
	for i, h := range helpers {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tomlString(h))
	}
	b.WriteString("]\n")
	return []byte(b.String())
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
