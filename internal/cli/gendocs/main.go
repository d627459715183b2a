// Command gendocs writes regkey's man pages (section 1, gzipped, one per
// command) and its bash, zsh, fish and PowerShell completion scripts from
// the cobra tree, for the .deb and .rpm packages and the release archives:
//
//	go run ./internal/cli/gendocs -out dist/docs -version 1.2.3
//
// It is a build tool, not part of the regkey binary, so that cobra/doc and
// its Markdown renderer never reach the helper docker runs on every pull.
// Output is reproducible: the man pages' date comes from -date, else
// $SOURCE_DATE_EPOCH, and the gzip headers carry no name or time.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra/doc"

	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cli"
	"github.com/regkey/regkey/internal/cli/cmdutil"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gendocs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "dist/docs", "output `directory` (man/ and completions/ are created in it)")
	ver := fs.String("version", "dev", "version named in the man pages")
	date := fs.String("date", "", "man page `date` (YYYY-MM-DD or RFC 3339); default $SOURCE_DATE_EPOCH, else today")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := generate(*out, *ver, *date); err != nil {
		fmt.Fprintf(stderr, "gendocs: %v\n", err)
		return 1
	}
	return 0
}

// generate writes out/man/*.1.gz and out/completions/*.
func generate(out, version, date string) error {
	root := cli.NewRootCmd(cmdutil.NewFactory(cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, config.Env{}))
	root.DisableAutoGenTag = true
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	header := &doc.GenManHeader{Section: "1", Source: "regkey " + strings.TrimPrefix(version, "v"), Manual: "regkey manual"}
	if date != "" {
		d, err := time.Parse("2006-01-02", date)
		if err != nil {
			if d, err = time.Parse(time.RFC3339, date); err != nil {
				return fmt.Errorf("-date %q: want YYYY-MM-DD or RFC 3339", date)
			}
		}
		header.Date = &d
	}
	manDir, compDir := filepath.Join(out, "man"), filepath.Join(out, "completions")
	for _, d := range []string{manDir, compDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenManTree(root, header, manDir); err != nil {
		return fmt.Errorf("generating man pages: %w", err)
	}
	if err := gzipAll(manDir); err != nil {
		return err
	}
	completions := map[string]func(io.Writer) error{
		"regkey.bash": func(w io.Writer) error { return root.GenBashCompletionV2(w, true) },
		"_regkey":     root.GenZshCompletion,
		"regkey.fish": func(w io.Writer) error { return root.GenFishCompletion(w, true) },
		"regkey.ps1":  root.GenPowerShellCompletionWithDesc,
	}
	for name, gen := range completions {
		if err := writeWith(filepath.Join(compDir, name), gen); err != nil {
			return fmt.Errorf("generating %s: %w", name, err)
		}
	}
	return nil
}

// gzipAll replaces every file in dir by FILE.gz, compressed at the best
// level with an empty gzip header (no name, no time), as Debian wants.
func gzipAll(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return err
		}
		if _, err := zw.Write(data); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(path+".gz", buf.Bytes(), 0o644); err != nil {
			return err
		}
		if err := os.Remove(path); err != nil {
			return err
		}
	}
	return nil
}

// writeWith writes the output of gen to path.
func writeWith(path string, gen func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := gen(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
