package export

import (
	"fmt"
	"testing"

	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/export"
)

func Test_NewCmdExport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		want    ExportOptions
		wantErr bool
	}{
		{"--format dockerconfigjson", ExportOptions{Options: export.Options{Format: "dockerconfigjson", Name: DefaultSecretName}}, false},
		{"a.io b.io --format env -o out.sh --force", ExportOptions{Options: export.Options{Hosts: []string{"a.io", "b.io"}, Format: "env", Name: DefaultSecretName, Output: "out.sh", Force: true}}, false},
		{"--format k8s-secret --name pull --namespace ci", ExportOptions{Options: export.Options{Format: "k8s-secret", Name: "pull", Namespace: "ci"}}, false},
		{"", ExportOptions{}, true},                                        // --format is required
		{"--format yaml", ExportOptions{}, true},                           // unknown format
		{"--format env --name x", ExportOptions{}, true},                   // --name only for k8s-secret
		{"--format dockerconfigjson --namespace x", ExportOptions{}, true}, // likewise
		{"--format k8s-secret --name Bad_Name", ExportOptions{}, true},
		{"--format k8s-secret --namespace a.b", ExportOptions{}, true},
		{"https://index.docker.io/v1/refresh-token --format env", ExportOptions{}, true}, // no registry
	}
	for _, tc := range tests {
		got, err := cmdtest.ParseArgs(t, NewCmdExport, tc.args)
		if tc.wantErr {
			if err == nil {
				t.Errorf("export %s: no error", tc.args)
			}
			continue
		}
		if err != nil {
			t.Errorf("export %s: %v", tc.args, err)
			continue
		}
		g := ExportOptions{Options: export.Options{Hosts: got.Hosts, Format: got.Format, Name: got.Name, Namespace: got.Namespace, Output: got.Output, Force: got.Force}}
		if len(g.Hosts) == 0 {
			g.Hosts = nil
		}
		if fmt.Sprint(g) != fmt.Sprint(tc.want) {
			t.Errorf("export %s: options %+v, want %+v", tc.args, g, tc.want)
		}
		if got.Out == nil || got.ErrOut == nil || got.Lookup == nil || got.Known == nil {
			t.Errorf("export %s: options not wired from the cmdutil.Factory: %+v", tc.args, got)
		}
	}
}
