package cli

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/regkey/regkey/config"
)

// helperMemoryLimit is the heap size at which a helper process starts
// collecting garbage (see tuneHelperGC). A get allocates a few MiB at most;
// the limit only guards against a runaway.
const helperMemoryLimit = 64 << 20

// tuneHelperGC turns the garbage collector off for a protocol-mode process,
// with helperMemoryLimit as the backstop. A helper lives for milliseconds
// and exits, so a collection is pure cost: a cold get over HTTPS parses the
// CA bundle, crosses the default 4 MiB goal and paid one collection cycle
// (about 3.5 ms of CPU, more on a busy machine; see BENCHMARKS.md). It is
// called by Main only, never by Run, so tests that run the CLI in their own
// process keep the default collector; GOGC or GOMEMLIMIT in the environment
// wins.
func tuneHelperGC(args []string) {
	if len(args) == 0 || !strings.HasPrefix(strings.TrimSuffix(filepath.Base(args[0]), ".exe"), config.HelperPrefix) {
		return
	}
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(helperMemoryLimit)
	debug.SetGCPercent(-1)
}
