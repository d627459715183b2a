package config

import "strings"

// Member names, and the one rule for matching them.
//
// docker, podman, skopeo and regkey all read these files with Go's
// encoding/json, which decodes a JSON member into a struct field when the
// member's name equals the field's name exactly or under Unicode simple case
// folding, as bytes.EqualFold compares: for the ASCII names of these files,
// each letter in either case, plus U+212A KELVIN SIGN for k and U+017F LATIN
// SMALL LETTER LONG S for s (TestFieldStepIsEncodingJSONsRule checks this
// against encoding/json for every rune). Every member that matches is
// decoded, in file order: the last non-null one wins for a string, objects
// (auths, credHelpers) are merged, and a null one resets them.
//
// So wherever regkey reads, removes, redacts, backs up or restores a value,
// every member that decodes into the field is that field, whatever its
// spelling: "AUTHS", "Auth", "Password", "IdentityToken" included. Map keys
// (the registries in auths and credHelpers) are matched exactly, as a Go map
// keeps them.

// step selects members of a JSON object on a path: those a decoder puts into
// one struct field, or one map key.
type step struct {
	name  string
	field bool
}

// fieldStep selects every member encoding/json decodes into the struct field
// whose JSON name is name.
func fieldStep(name string) step { return step{name: name, field: true} }

// keyStep selects the members of a map spelled exactly key.
func keyStep(key string) step { return step{name: key} }

// matches reports whether s selects the member called member.
func (s step) matches(member string) bool {
	if s.field {
		return strings.EqualFold(member, s.name)
	}
	return member == s.name
}

// fieldOf returns which of fields a member called member decodes into.
func fieldOf(member string, fields []string) (string, bool) {
	for _, f := range fields {
		if fieldStep(f).matches(member) {
			return f, true
		}
	}
	return "", false
}

// Paths to what setup edits.
var (
	authsPath       = []step{fieldStep("auths")}
	credHelpersPath = []step{fieldStep("credHelpers")}
	credsStorePath  = []step{fieldStep("credsStore")}
)

// authsEntryPath is the path to auths[key].
func authsEntryPath(key string) []step { return []step{fieldStep("auths"), keyStep(key)} }
