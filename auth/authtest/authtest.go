// Package authtest has test helpers for code that takes auth.Key values.
// It is imported only from _test.go files.
package authtest

import (
	"testing"

	"github.com/regkey/regkey/auth"
)

// Key parses raw with auth.ParseKey and fails the test if it does not parse.
func Key(t testing.TB, raw string) auth.Key {
	t.Helper()
	k, err := auth.ParseKey(raw)
	if err != nil {
		t.Fatalf("ParseKey(%q): %v", raw, err)
	}
	return k
}
