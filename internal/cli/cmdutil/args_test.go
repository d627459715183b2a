package cmdutil_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
)

func TestCheckHostArgs(t *testing.T) {
	t.Parallel()
	if err := cmdutil.CheckHostArgs([]string{"ghcr.io", "https://index.docker.io/v1/", "127.0.0.1:5000/team", "docker.io"}); err != nil {
		t.Errorf("registries rejected: %v", err)
	}
	for _, bad := range []string{"", "a b", "https://index.docker.io/v1/access-token"} {
		err := cmdutil.CheckHostArgs([]string{"ghcr.io", bad})
		if !cmderr.IsUsage(err) || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("cmdutil.CheckHostArgs(%q) = %v, want a usage error naming it", bad, err)
		}
	}
}
