package cli

import (
	"os"
	"testing"
)

// TestDevNullIsNotATerminal: /dev/null is a character device, not a
// terminal; login must not prompt when stdin is redirected from it.
func TestDevNullIsNotATerminal(t *testing.T) {
	t.Parallel()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("%s is taken for a terminal", os.DevNull)
	}
}
