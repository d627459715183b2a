package config

import (
	"bytes"
	"fmt"
	"strings"
)

// maxDiffLines bounds the quadratic line diff; larger files are shown as a
// whole replacement.
const maxDiffLines = 4000

// UnifiedDiff returns a unified diff (three lines of context) from a to b,
// labelled with the two names; "" when they are equal. A nil side is shown
// as /dev/null, as for a created or removed file.
func UnifiedDiff(nameA, nameB string, a, b []byte) string {
	if bytes.Equal(a, b) && (a == nil) == (b == nil) {
		return ""
	}
	if a == nil {
		nameA = "/dev/null"
	}
	if b == nil {
		nameB = "/dev/null"
	}
	x, y := splitLines(a), splitLines(b)
	ops := lineDiff(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	const ctx = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run-end > 2*ctx || run == len(ops) {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end])
		i = end
	}
	return out.String()
}

type diffOp struct {
	kind   byte // ' ', '-', '+'
	line   string
	ai, bi int // 1-based line numbers in a and b at this op
}

func writeHunk(out *strings.Builder, ops []diffOp) {
	na, nb := 0, 0
	for _, o := range ops {
		if o.kind != '+' {
			na++
		}
		if o.kind != '-' {
			nb++
		}
	}
	as, bs := ops[0].ai, ops[0].bi
	if na == 0 {
		as--
	}
	if nb == 0 {
		bs--
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(as, na), hunkRange(bs, nb))
	for _, o := range ops {
		line := o.line
		nl := strings.HasSuffix(line, "\n")
		out.WriteByte(o.kind)
		out.WriteString(strings.TrimSuffix(line, "\n"))
		out.WriteByte('\n')
		if !nl {
			out.WriteString("\\ No newline at end of file\n")
		}
	}
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineDiff is a longest-common-subsequence diff of two line lists.
func lineDiff(x, y []string) []diffOp {
	if len(x) > maxDiffLines || len(y) > maxDiffLines {
		var ops []diffOp
		for i, l := range x {
			ops = append(ops, diffOp{kind: '-', line: l, ai: i + 1, bi: 1})
		}
		for j, l := range y {
			ops = append(ops, diffOp{kind: '+', line: l, ai: len(x) + 1, bi: j + 1})
		}
		return ops
	}
	n, m := len(x), len(y)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, diffOp{kind: ' ', line: x[i], ai: i + 1, bi: j + 1})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{kind: '-', line: x[i], ai: i + 1, bi: j + 1})
			i++
		default:
			ops = append(ops, diffOp{kind: '+', line: y[j], ai: i + 1, bi: j + 1})
			j++
		}
	}
	return ops
}

// hunkRange formats a hunk's line range as diff -u does.
func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
