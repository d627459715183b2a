//go:build bench && linux

package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regkey/regkey/internal/testenv"
)

const (
	// ecrHost is a private ECR host both regkey and the reference helper
	// recognise; AWS_ENDPOINT_URL_ECR sends their calls to a loopback fake.
	ecrHost = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
	// staticHost is a registry no provider owns: the keystore answers.
	staticHost = "registry.bench.example:5000"
	// benchKeyID is the AWS access key id every ECR command signs with.
	benchKeyID = "AKIDBENCH0000000001"
	// systemBundle is Debian's CA bundle, which machines of this kind
	// export as AWS_CA_BUNDLE and SSL_CERT_FILE.
	systemBundle = "/etc/ssl/certs/ca-certificates.crt"
)

// bench is what every scenario shares.
type bench struct {
	t     *testing.T
	dir   string
	floor string
	bin   *testenv.Binary
	// front is the measurement device of the front proposal (bench/front).
	front string
	// refECR is the reference ECR helper ("" when it could not be
	// installed); secretservice and pass are Debian's reference helpers.
	refECR, secretservice, pass string
}

// TestProcesses times whole helper processes with hyperfine and prints a
// markdown report (also written to $REGKEY_BENCH_OUT when set). It is
// built only with -tags bench (make bench): it takes minutes and its figures
// depend on the machine, so it is not part of make test.
func TestProcesses(t *testing.T) {
	hyperfine := testenv.RequireProgram(t, "hyperfine")
	s := loadSettings()
	dir := t.TempDir()
	b := &bench{t: t, dir: dir, floor: buildFloor(t, dir), bin: regkeyBinary(t, dir), front: buildFront(t, dir), refECR: installRefECR(t, dir),
		secretservice: lookReference(t, "docker-credential-secretservice"), pass: lookReference(t, "docker-credential-pass")}

	var out bytes.Buffer
	fmt.Fprintf(&out, "## Process benchmarks\n\n%s", machine())
	fmt.Fprintf(&out, "- rounds × runs per command: %d × %d (warm-up %d per round), order rotated every round\n", s.rounds, s.runs, s.warmup)
	fmt.Fprintf(&out, "- regkey: %s; reference ECR helper: %s %s\n", b.bin.Regkey, refECRModule, refECRVersion)
	for _, sc := range []struct {
		name string
		mk   func() group
	}{
		{"startup", b.startup}, {"cached", b.cachedECR(false)}, {"cached-bundle", b.cachedECR(true)},
		{"keystore", b.keystoreGet}, {"list", b.list}, {"cold-http", b.coldECR(false)},
		{"cold-https", b.coldECR(true)}, {"concurrent", b.concurrentECR},
	} {
		if !selected(sc.name) {
			continue
		}
		g := sc.mk()
		t.Logf("timing %s", g.Name)
		writeGroup(&out, g, runGroup(t, hyperfine, g, s))
	}
	fmt.Fprintf(&out, "\n- load average at end: %s\n", loadavg())
	if selected("footprint") {
		b.footprint(&out)
	}
	if selected("inittrace") {
		b.inittrace(&out)
	}

	fmt.Print(out.String())
	if p := os.Getenv("REGKEY_BENCH_OUT"); p != "" {
		if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
			t.Errorf("writing %s: %v", p, err)
		}
	}
}

// selected reports whether scenario name is to run: every one, unless
// REGKEY_BENCH_ONLY names some (startup, cached, cached-bundle, keystore,
// list, cold-http, cold-https, concurrent, footprint, inittrace).
func selected(name string) bool {
	only := os.Getenv("REGKEY_BENCH_ONLY")
	return only == "" || slices.Contains(strings.Split(only, ","), name)
}

// concurrency is how many processes the concurrent scenario starts at once
// (REGKEY_BENCH_CONCURRENCY, default 8).
func concurrency() int {
	if n, err := strconv.Atoi(os.Getenv("REGKEY_BENCH_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return 8
}

// file writes content to a new file under the bench directory.
func (b *bench) file(name, content string) string {
	p := filepath.Join(b.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// run runs prog in c's environment plus env, with stdin, and returns its
// stdout; a failure fails the benchmark.
func (b *bench) run(c *testenv.Client, env []string, stdin, prog string, args ...string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := c.Command(ctx, prog, args...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		b.t.Fatalf("%s %v: %v\nstdout: %s\nstderr: %s", filepath.Base(prog), args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// one is the shell line that runs a single process: exec (so the shell
// does not stay around), stdin from a file, optional variable assignments.
func one(assign, prog, verb, stdin string) string {
	line := "exec " + prog + " " + verb + " < " + stdin + " > /dev/null"
	if assign != "" {
		line = assign + " " + line
	}
	return line
}

// many is the shell line that starts n processes at once and waits for all.
func many(n int, assign, prog, verb, stdin string) string {
	return fmt.Sprintf("i=0; while [ $i -lt %d ]; do %s %s %s < %s > /dev/null & i=$((i+1)); done; wait",
		n, assign, prog, verb, stdin)
}
