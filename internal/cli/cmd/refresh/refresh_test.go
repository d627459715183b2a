package refresh

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/refresh"
)

func Test_NewCmdRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		want    RefreshOptions
		wantErr bool
	}{
		{"", RefreshOptions{Options: refresh.Options{Jobs: RefreshJobs, Timeout: RefreshTimeout}}, false},
		{"a.io b.io --json", RefreshOptions{Options: refresh.Options{Hosts: []string{"a.io", "b.io"}, JSON: true, Jobs: RefreshJobs, Timeout: RefreshTimeout}}, false},
		{"--if-expiring-within 2h -j 2 --timeout 5s", RefreshOptions{Options: refresh.Options{IfExpiringWithin: 2 * time.Hour, Jobs: 2, Timeout: 5 * time.Second}}, false},
		{"-j 0", RefreshOptions{}, true},
		{"--timeout 0s", RefreshOptions{}, true},
		{"--if-expiring-within -1h", RefreshOptions{}, true},
		{"--if-expiring-within soon", RefreshOptions{}, true},
		{"a.io https://index.docker.io/v1/access-token", RefreshOptions{}, true}, // no registry
	}
	for _, tc := range tests {
		got, err := cmdtest.ParseArgs(t, NewCmdRefresh, tc.args)
		if tc.wantErr {
			if err == nil {
				t.Errorf("refresh %s: no error", tc.args)
			}
			continue
		}
		if err != nil {
			t.Errorf("refresh %s: %v", tc.args, err)
			continue
		}
		g := RefreshOptions{Options: refresh.Options{Hosts: got.Hosts, IfExpiringWithin: got.IfExpiringWithin, JSON: got.JSON, Jobs: got.Jobs, Timeout: got.Timeout}}
		if len(g.Hosts) == 0 {
			g.Hosts = nil
		}
		if diff := cmp.Diff(tc.want, g); diff != "" {
			t.Errorf("refresh %s: options (-want +got):\n%s", tc.args, diff)
		}
		if got.Out == nil || got.ErrOut == nil || got.Setup == nil || got.Discover == nil || got.Now == nil {
			t.Errorf("refresh %s: missing dependencies", tc.args)
		}
	}
}
