package cli

import (
	"strings"
	"testing"
)

// TestListThroughFactory runs `regkey list` on the real keystore selection:
// it says which backend auto chose and why, and a keystore that cannot be
// opened is named once, with a hint, and exit 1.
func TestListThroughFactory(t *testing.T) {
	t.Parallel()
	env := realEnv(t)
	delete(env, "REGKEY_KEYSTORE")
	env["REGKEY_FILE_KEY"] = randomKey(t)
	code, out, errOut := runRegkey(env, "", "regkey", "list")
	if code != 0 || out != "" || !strings.Contains(errOut, "No credentials stored in the file keystore (") ||
		!strings.HasSuffix(errOut, "; auto: $REGKEY_FILE_KEY is set\n") {
		t.Errorf("list on auto: code %d, stdout %q, stderr %q", code, out, errOut)
	}

	env["REGKEY_KEYSTORE"], env["REGKEY_FILE_KEY"] = "file", "too short"
	code, out, errOut = runRegkey(env, "", "regkey", "list")
	if code != 1 || out != "" || strings.Count(errOut, "opening the file keystore") != 1 ||
		!strings.Contains(errOut, "$REGKEY_FILE_KEY is neither") || !strings.Contains(errOut, "\nhint: ") {
		t.Errorf("list with a bad key: code %d, stdout %q, stderr %q", code, out, errOut)
	}
}
