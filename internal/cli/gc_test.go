package cli

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneHelperGC(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT is set: tuneHelperGC leaves the collector alone (that is the behaviour)")
	}
	for _, tc := range []struct {
		args []string
		off  bool
	}{
		{[]string{"/usr/bin/docker-credential-regkey", "get"}, true},
		{[]string{"docker-credential-regkey.exe", "get"}, true},
		{[]string{"/usr/bin/regkey", "helper", "get"}, false},
		{[]string{"regkey"}, false},
		{nil, false},
	} {
		before := debug.SetGCPercent(100)
		limit := debug.SetMemoryLimit(-1)
		tuneHelperGC(tc.args)
		got := debug.SetGCPercent(before)
		gotLimit := debug.SetMemoryLimit(limit)
		if off := got < 0; off != tc.off {
			t.Errorf("tuneHelperGC(%q): GC percent %d, want off=%v", tc.args, got, tc.off)
		}
		if tc.off && gotLimit != helperMemoryLimit {
			t.Errorf("tuneHelperGC(%q): memory limit %d, want %d", tc.args, gotLimit, helperMemoryLimit)
		}
	}
}
