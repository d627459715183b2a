package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readGz(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("%s: gzip header names %q at %v; want neither", path, zr.Name, zr.ModTime)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	var stderr bytes.Buffer
	if code := run([]string{"-out", out, "-version", "v1.2.3", "-date", "2026-02-03"}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, page := range []string{"regkey", "regkey-refresh", "regkey-export", "regkey-kubelet-provider", "regkey-login", "regkey-completion"} {
		man := readGz(t, filepath.Join(out, "man", page+".1.gz"))
		if !strings.Contains(man, ".TH \""+strings.ToUpper(page)+"\" \"1\" \"Feb 2026\" \"regkey 1.2.3\"") {
			t.Errorf("%s.1: header not as expected:\n%.300s", page, man)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "man", "regkey-helper.1.gz")); err == nil {
		t.Error("the hidden helper command has a man page")
	}
	for name, want := range map[string]string{
		"regkey.bash": "__start_regkey",
		"_regkey":     "#compdef regkey",
		"regkey.fish": "complete -c regkey",
		"regkey.ps1":  "Register-ArgumentCompleter",
	} {
		b, err := os.ReadFile(filepath.Join(out, "completions", name))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: %v, want it to contain %q", name, err, want)
		}
	}

	// Reproducible: a second run writes the same bytes.
	again := t.TempDir()
	if code := run([]string{"-out", again, "-version", "v1.2.3", "-date", "2026-02-03T04:05:06+07:00"}, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	for _, sub := range []string{"man", "completions"} {
		entries, _ := os.ReadDir(filepath.Join(out, sub))
		for _, e := range entries {
			a, _ := os.ReadFile(filepath.Join(out, sub, e.Name()))
			b, _ := os.ReadFile(filepath.Join(again, sub, e.Name()))
			if !bytes.Equal(a, b) {
				t.Errorf("%s/%s differs between runs", sub, e.Name())
			}
		}
	}
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run([]string{"-date", "yesterday", "-out", t.TempDir()}, &stderr); code != 1 {
		t.Errorf("bad -date: exit %d", code)
	}
	if code := run([]string{"-nope"}, &stderr); code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
}
