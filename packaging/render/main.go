// Command render fills in the Homebrew formula and Scoop manifest templates
// (packaging/homebrew/regkey.rb.tmpl, packaging/scoop/regkey.json.tmpl) from
// a goreleaser release's checksums.txt:
//
//	go run ./packaging/render -version 1.2.3 -checksums dist/release/checksums.txt -out dist/manifests
//
// Every archive a template names must be in checksums.txt, or nothing is
// written. `make manifests` runs it.
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// Homepage is the project's home, and the base of its release URLs.
const Homepage = "https://github.com/regkey/regkey"

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	version := fs.String("version", "", "release `version` without the leading v (required)")
	sums := fs.String("checksums", "dist/release/checksums.txt", "goreleaser's checksums `file`")
	templates := fs.String("templates", "packaging", "`directory` holding homebrew/ and scoop/")
	out := fs.String("out", "dist/manifests", "output `directory`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *version == "" {
		fmt.Fprintln(stderr, "render: -version is required")
		return 2
	}
	if err := render(strings.TrimPrefix(*version, "v"), *sums, *templates, *out); err != nil {
		fmt.Fprintf(stderr, "render: %v\n", err)
		return 1
	}
	return 0
}

// Release is what the templates see.
type Release struct {
	Version  string
	Homepage string
	// Checksums maps archive file names to their SHA-256 (hex).
	Checksums map[string]string
}

// Archive is the archive name goreleaser gives os/arch.
func (r Release) Archive(goos, goarch string) string {
	ext := ".tar.gz"
	if goos == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("regkey_%s_%s_%s%s", r.Version, goos, goarch, ext)
}

// URL is the download URL of the os/arch archive.
func (r Release) URL(goos, goarch string) string {
	return fmt.Sprintf("%s/releases/download/v%s/%s", r.Homepage, r.Version, r.Archive(goos, goarch))
}

// SHA256 is the checksum of the os/arch archive; a missing one is an error.
func (r Release) SHA256(goos, goarch string) (string, error) {
	name := r.Archive(goos, goarch)
	sum, ok := r.Checksums[name]
	if !ok {
		return "", fmt.Errorf("no checksum for %s", name)
	}
	return sum, nil
}

// readChecksums parses sha256sum output: "<hex>  <file>" per line.
func readChecksums(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if b, err := hex.DecodeString(fields[0]); len(fields) != 2 || err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%s:%d: want \"<sha256>  <file>\"", path, n)
		}
		sums[strings.TrimPrefix(fields[1], "*")] = fields[0]
	}
	return sums, sc.Err()
}

// render writes out/regkey.rb and out/regkey.json.
func render(version, sumsPath, templates, out string) error {
	sums, err := readChecksums(sumsPath)
	if err != nil {
		return fmt.Errorf("reading checksums: %w", err)
	}
	rel := Release{Version: version, Homepage: Homepage, Checksums: sums}
	files := map[string]string{
		filepath.Join(templates, "homebrew", "regkey.rb.tmpl"): "regkey.rb",
		filepath.Join(templates, "scoop", "regkey.json.tmpl"):  "regkey.json",
	}
	rendered := map[string][]byte{}
	for src, dst := range files {
		t, err := template.New(filepath.Base(src)).Option("missingkey=error").ParseFiles(src)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, rel); err != nil {
			return fmt.Errorf("rendering %s: %w", src, err)
		}
		if strings.HasSuffix(dst, ".json") && !json.Valid(b.Bytes()) {
			return fmt.Errorf("rendering %s: the result is not valid JSON", src)
		}
		rendered[dst] = b.Bytes()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, data := range rendered {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
