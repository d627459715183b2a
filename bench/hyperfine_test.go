//go:build bench

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Roles of the commands in a group: ratios are taken against the floor and
// the reference.
const (
	roleFloor = "floor"
	roleRef   = "reference"
	roleOurs  = "regkey"
)

// command is one program invocation timed in a group.
type command struct {
	// Label names it in the report ("regkey", "ecr-login v0.12.0").
	Label string
	// Role is roleFloor, roleRef or roleOurs.
	Role string
	// Shell is the command line hyperfine runs with sh -c. Single processes
	// are run with exec and stdin from a file, so the time is the process's
	// own (hyperfine subtracts the shell's start-up).
	Shell string
	// Requests, when set, counts the token requests this command's fake has
	// seen so far; the report shows requests per process.
	Requests func() int
	// Procs is how many helper processes one run starts (default 1).
	Procs int
	// Versus is the label of the reference this command is compared with;
	// empty means the group's first reference.
	Versus string
}

// group is one scenario: its commands are timed side by side in every
// round, in a rotating order.
type group struct {
	Name string
	// Env is the environment hyperfine (and the shells it starts) runs in.
	Env []string
	// Prepare, when set, runs before every timed run (hyperfine --prepare).
	Prepare string
	Cmds    []command
}

// settings are the run sizes, from REGKEY_BENCH_ROUNDS, _RUNS and _WARMUP.
type settings struct {
	rounds, runs, warmup int
}

func loadSettings() settings {
	s := settings{rounds: 8, runs: 15, warmup: 3}
	for name, p := range map[string]*int{
		"REGKEY_BENCH_ROUNDS": &s.rounds, "REGKEY_BENCH_RUNS": &s.runs, "REGKEY_BENCH_WARMUP": &s.warmup,
	} {
		if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= 0 {
			*p = v
		}
	}
	s.rounds, s.runs = max(s.rounds, 1), max(s.runs, 2)
	return s
}

// measured is what the rounds of one command add up to.
type measured struct {
	cmd      command
	times    []float64 // seconds, every timed run of every round
	cpu      []float64 // user+system seconds, one mean per round
	requests int
	runs     int // timed and warm-up runs, for requests per process
}

// hyperfineResult is the part of hyperfine's --export-json we read.
type hyperfineResult struct {
	Results []struct {
		Command string    `json:"command"`
		Times   []float64 `json:"times"`
		User    float64   `json:"user"`
		System  float64   `json:"system"`
	} `json:"results"`
}

// runGroup times g's commands in s.rounds interleaved hyperfine runs and
// returns them in g's order.
func runGroup(t *testing.T, hyperfine string, g group, s settings) []*measured {
	t.Helper()
	out := make([]*measured, len(g.Cmds))
	for i, c := range g.Cmds {
		out[i] = &measured{cmd: c}
	}
	dir := t.TempDir()
	for round := range s.rounds {
		order := make([]int, len(g.Cmds))
		for i := range order {
			order[i] = (i + round) % len(g.Cmds)
		}
		before := make([]int, len(g.Cmds))
		for i, c := range g.Cmds {
			if c.Requests != nil {
				before[i] = c.Requests()
			}
		}
		file := filepath.Join(dir, fmt.Sprintf("round-%d.json", round))
		args := []string{"--style", "none", "--export-json", file,
			"--runs", strconv.Itoa(s.runs), "--warmup", strconv.Itoa(s.warmup)}
		if g.Prepare != "" {
			args = append(args, "--prepare", g.Prepare)
		}
		for _, i := range order {
			args = append(args, "--command-name", g.Cmds[i].Label, g.Cmds[i].Shell)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		cmd := exec.CommandContext(ctx, hyperfine, args...)
		cmd.Env = g.Env
		cmd.Dir = dir
		b, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: hyperfine: %v\n%s", g.Name, err, b)
		}
		var res hyperfineResult
		data, err := os.ReadFile(file)
		if err == nil {
			err = json.Unmarshal(data, &res)
		}
		if err != nil || len(res.Results) != len(order) {
			t.Fatalf("%s: reading hyperfine's results: %v (%d results)", g.Name, err, len(res.Results))
		}
		for j, i := range order {
			m := out[i]
			m.times = append(m.times, res.Results[j].Times...)
			m.cpu = append(m.cpu, res.Results[j].User+res.Results[j].System)
			if c := g.Cmds[i]; c.Requests != nil {
				m.requests += c.Requests() - before[i]
			}
			m.runs += s.runs + s.warmup
		}
	}
	return out
}

// median returns the median of v (0 for none).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// quantile returns the q-quantile of v by nearest rank.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}
