//go:build bench && linux

package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regkey/regkey/internal/testenv"
)

// rss runs prog once under /usr/bin/time in c's environment (plus env)
// and returns its peak resident set in KiB, as time -v reports it. (The
// rusage of a child started straight from this Go process would report
// this process's own peak: the child inherits it across vfork and exec.)
func (b *bench) rss(c *testenv.Client, env []string, stdin, prog string, args ...string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := filepath.Join(b.dir, "maxrss")
	cmd := c.Command(ctx, gnuTime, append([]string{"-o", out, "-f", "%M", prog}, args...)...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	if res, err := cmd.CombinedOutput(); err != nil {
		b.t.Fatalf("%s %v: %v\n%s", filepath.Base(prog), args, err, res)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		b.t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		b.t.Fatalf("reading %s's peak RSS from %q: %v", gnuTime, data, err)
	}
	return kib
}

// gnuTime is GNU time (Debian package time).
const gnuTime = "/usr/bin/time"

// footprint reports binary sizes and the peak memory of each path.
func (b *bench) footprint(w io.Writer) {
	if _, err := os.Stat(gnuTime); err != nil {
		fmt.Fprintf(w, "\n(peak memory left out: %s is not installed)\n", gnuTime)
		return
	}
	fmt.Fprintf(w, "\n### Binary size and peak memory\n\n")
	fmt.Fprintln(w, "| program | size MiB |")
	fmt.Fprintln(w, "|---|---:|")
	for _, p := range []struct{ label, path string }{{"floor", b.floor}, {"regkey", b.bin.Regkey}, {"ecr-login " + refECRVersion, b.refECR}} {
		if fi, err := os.Stat(p.path); err == nil && p.path != "" {
			fmt.Fprintf(w, "| %s | %.1f |\n", p.label, float64(fi.Size())/(1<<20))
		}
	}

	c := b.ecrClient()
	fake := b.fake()
	c.Setenv("AWS_ENDPOINT_URL_ECR", fake.URL)
	refEnv := []string{"AWS_ENDPOINT_URL_ECR=" + fake.URL}
	empty := func() {
		for _, p := range []string{filepath.Join(c.Getenv("XDG_CACHE_HOME"), "regkey"), filepath.Join(c.Getenv("AWS_ECR_CACHE_DIR"), "cache.json")} {
			_ = os.RemoveAll(p)
		}
	}
	type row struct {
		label string
		run   func() int64
	}
	rows := []row{
		{"floor get", func() int64 { return b.rss(c, nil, ecrHost, b.floor, "get") }},
		{"regkey version", func() int64 { return b.rss(c, nil, "", b.bin.Helper, "version") }},
		{"regkey get, ECR cold (HTTP)", func() int64 { empty(); return b.rss(c, nil, ecrHost, b.bin.Helper, "get") }},
		{"regkey get, ECR cached", func() int64 { return b.rss(c, nil, ecrHost, b.bin.Helper, "get") }},
		{"regkey list, file keystore (empty)", func() int64 { return b.rss(c, nil, "", b.bin.Helper, "list") }},
	}
	tlsURL, caPEM := b.tlsFake(fake)
	sys, _ := os.ReadFile(systemBundle)
	tlsEnv := []string{"AWS_ENDPOINT_URL_ECR=" + tlsURL, "AWS_CA_BUNDLE=" + b.file("footprint-bundle.pem", string(sys)+string(caPEM))}
	rows = append(rows, row{"regkey get, ECR cold (HTTPS, system bundle + fake CA)", func() int64 {
		empty()
		return b.rss(c, tlsEnv, ecrHost, b.bin.Helper, "get")
	}})
	if b.refECR != "" {
		rows = append(rows,
			row{"ecr-login get, cold (HTTP)", func() int64 { empty(); return b.rss(c, refEnv, ecrHost, b.refECR, "get") }},
			row{"ecr-login get, cached", func() int64 { return b.rss(c, refEnv, ecrHost, b.refECR, "get") }},
			row{"ecr-login get, cold (HTTPS, system bundle + fake CA)", func() int64 {
				empty()
				return b.rss(c, tlsEnv, ecrHost, b.refECR, "get")
			}})
	}
	fmt.Fprintln(w, "\n| path | peak RSS MiB (median of 5) |")
	fmt.Fprintln(w, "|---|---:|")
	for _, r := range rows {
		var v []float64
		for range 5 {
			v = append(v, float64(r.run()))
		}
		fmt.Fprintf(w, "| %s | %.1f |\n", r.label, median(v)/1024)
	}
}

// inittrace reports what package initialisation costs in the built binary
// on a cached ECR get (GODEBUG=inittrace=1, mean of 20 runs), by module and
// for the most expensive packages.
func (b *bench) inittrace(w io.Writer) {
	c := b.ecrClient()
	fake := b.fake()
	c.Setenv("AWS_ENDPOINT_URL_ECR", fake.URL)
	b.run(c, nil, ecrHost, b.bin.Helper, "get")
	const runs = 20
	pkgs := map[string]float64{}
	for range runs {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := c.Command(ctx, b.bin.Helper, "get")
		cmd.Env = append(cmd.Env, "GODEBUG=inittrace=1")
		cmd.Stdin = strings.NewReader(ecrHost)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			b.t.Fatalf("inittrace run: %v\n%s", err, stderr.String())
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			// init PKG @0.012 ms, 0.034 ms clock, 1234 bytes, 5 allocs
			f := strings.Fields(line)
			if len(f) < 6 || f[0] != "init" {
				continue
			}
			if v, err := strconv.ParseFloat(f[4], 64); err == nil {
				pkgs[f[1]] += v / runs
			}
		}
	}
	total := 0.0
	mods := map[string]float64{}
	for p, v := range pkgs {
		total += v
		mods[module(p)] += v
	}
	fmt.Fprintf(w, "\n### Package initialisation (GODEBUG=inittrace=1, cached ECR get, mean of %d runs)\n\n", runs)
	fmt.Fprintf(w, "%d packages initialise in %.2f ms in total.\n\n| module | init ms |\n|---|---:|\n", len(pkgs), total)
	for _, m := range top(mods, 12) {
		fmt.Fprintf(w, "| %s | %.3f |\n", m, mods[m])
	}
	fmt.Fprintf(w, "\n| package | init ms |\n|---|---:|\n")
	for _, p := range top(pkgs, 15) {
		fmt.Fprintf(w, "| %s | %.3f |\n", p, pkgs[p])
	}
}

// module maps a package path to its module, roughly: the standard library,
// or the first path elements that name a repository.
func module(pkg string) string {
	parts := strings.Split(pkg, "/")
	if !strings.Contains(parts[0], ".") {
		return "std"
	}
	n := 3
	switch {
	case strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/"):
		n = 5
	case strings.HasPrefix(pkg, "github.com/Azure/azure-sdk-for-go/sdk/"):
		n = 5
	case parts[0] == "go.yaml.in", parts[0] == "cloud.google.com":
		n = 3
	}
	return strings.Join(parts[:min(n, len(parts))], "/")
}

// top returns the n keys of m with the largest values.
func top(m map[string]float64, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		switch {
		case m[a] > m[b]:
			return -1
		case m[a] < m[b]:
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys[:min(n, len(keys))]
}
