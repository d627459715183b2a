package testenv

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// daemon is a background program started for one test and stopped by its
// cleanup.
type daemon struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// startDaemon starts cmd with stdin closed and stdout and stderr appended to
// logPath. The child gets SIGKILL if the test process dies first, so a
// crashed test run leaves nothing behind. Cleanup sends SIGTERM, then SIGKILL
// after a grace period, and waits for the process.
func startDaemon(t testing.TB, name string, cmd *exec.Cmd, logPath string) *daemon {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("opening %s log: %v", name, err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	d := &daemon{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	if err := startPinned(cmd, func(err error) { d.err = err; close(d.done) }); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(d.stop)
	return d
}

// startPinned starts cmd in its own process group with SIGKILL as its
// parent-death signal, and calls exited with Wait's result when it ends.
//
// Linux sends the parent-death signal when the thread that forked the child
// exits, not the process, and the Go runtime may retire threads. So the
// child is forked from a goroutine locked to its thread, and that goroutine
// (and with it the thread) lives exactly as long as the child.
func startPinned(cmd *exec.Cmd, exited func(error)) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited(cmd.Wait())
	}()
	return <-started
}

// exited reports whether the process has already ended.
func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

func (d *daemon) stop() {
	if d.exited() {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(3 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// logTail returns the end of the daemon's log, for failure messages.
func (d *daemon) logTail() string {
	b, err := os.ReadFile(d.log)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// hostPort joins a host and a port.
func hostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// waitStatus polls url until it answers with want, the daemon exits, or the
// test's deadline nears (a daemon starting on a busy machine is slow, not
// broken).
func waitStatus(t testing.TB, client *http.Client, d *daemon, url string, want int) error {
	ctx, cancel := withTestDeadline(t)
	defer cancel()
	last := "no answer"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if d.exited() {
			return fmt.Errorf("%s exited (%v) before %s answered %d", d.name, d.err, url, want)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d from %s: %w (last: %s)", want, url, ctx.Err(), last)
		case <-time.After(25 * time.Millisecond):
		}
	}
}
