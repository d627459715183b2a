package testenv

import (
	"os"
	"syscall"
	"testing"
)

// WriteExecutable writes an executable file (mode 0755) that the test then
// runs, or hands to a program that runs it.
//
// A plain os.WriteFile races with the test binary's parallel tests: a
// process another goroutine forks while the file is open for writing
// inherits that descriptor until it execs, and running the file in that
// window fails with "text file busy" (ETXTBSY). Holding syscall.ForkLock
// for writing, which os.StartProcess holds for reading while it forks,
// keeps every fork out of the window.
func WriteExecutable(t testing.TB, path string, content []byte) {
	t.Helper()
	syscall.ForkLock.Lock()
	err := os.WriteFile(path, content, 0o755)
	syscall.ForkLock.Unlock()
	if err != nil {
		t.Fatal(err)
	}
}
