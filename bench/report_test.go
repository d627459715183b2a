//go:build bench

package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// ms formats seconds as milliseconds.
func ms(s float64) string { return fmt.Sprintf("%.2f", s*1000) }

// ratio formats a/b, or "–" when b is unknown.
func ratio(a, b float64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// writeGroup writes one group's table: medians over every run of every
// round, the 10th-90th percentile, CPU time, and ratios against the floor
// and against the group's reference for the same job (the command's Versus,
// else the group's first reference).
func writeGroup(w io.Writer, g group, ms_ []*measured) {
	var floor float64
	refs := map[string]float64{}
	firstRef := ""
	for _, m := range ms_ {
		switch m.cmd.Role {
		case roleFloor:
			floor = median(m.times)
		case roleRef:
			refs[m.cmd.Label] = median(m.times)
			if firstRef == "" {
				firstRef = m.cmd.Label
			}
		}
	}
	fmt.Fprintf(w, "\n### %s\n\n", g.Name)
	fmt.Fprintln(w, "| command | median ms | p10–p90 ms | CPU ms | × floor | × reference | token requests / process |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, m := range ms_ {
		med := median(m.times)
		vs := ""
		switch {
		case m.cmd.Role == roleOurs && m.cmd.Versus != "":
			vs = ratio(med, refs[m.cmd.Versus]) + " " + m.cmd.Versus
		case m.cmd.Role == roleOurs && firstRef != "":
			vs = ratio(med, refs[firstRef]) + " " + firstRef
		}
		req := ""
		if m.cmd.Requests != nil && m.runs > 0 {
			procs := max(m.cmd.Procs, 1)
			req = fmt.Sprintf("%.2f", float64(m.requests)/float64(m.runs*procs))
		}
		fmt.Fprintf(w, "| %s | %s | %s–%s | %s | %s | %s | %s |\n", m.cmd.Label, ms(med),
			ms(quantile(m.times, 0.1)), ms(quantile(m.times, 0.9)), ms(median(m.cpu)),
			ratio(med, floor), vs, req)
	}
}

// machine describes where the benchmark ran.
func machine() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "- date: %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- CPUs: %d (%s)\n", runtime.NumCPU(), cpuModel())
	fmt.Fprintf(&b, "- kernel: %s\n", firstLine("uname", "-sr"))
	fmt.Fprintf(&b, "- Go: %s; hyperfine: %s\n", runtime.Version(), firstLine("hyperfine", "--version"))
	fmt.Fprintf(&b, "- load average at start: %s\n", loadavg())
	return b.String()
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown model"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown model"
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
