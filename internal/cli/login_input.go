package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/keystore"
)

// Prompter asks a person at a terminal for input.
type Prompter interface {
	// Input prints prompt and reads one line.
	Input(prompt string) (string, error)
	// Password prints prompt and reads one line without echoing it.
	Password(prompt string) (string, error)
}

// termPrompter prompts on ErrOut and reads from In, without echo for
// passwords when In is a terminal.
type termPrompter struct {
	ios cmdutil.IOStreams
	r   *bufio.Reader
}

func newTermPrompter(ios cmdutil.IOStreams) *termPrompter {
	return &termPrompter{ios: ios, r: bufio.NewReader(ios.In)}
}

func (p *termPrompter) Input(prompt string) (string, error) {
	fmt.Fprint(p.ios.ErrOut, prompt)
	line, err := p.r.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", fmt.Errorf("reading from the terminal: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (p *termPrompter) Password(prompt string) (string, error) {
	f, ok := p.ios.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return p.Input(prompt)
	}
	fmt.Fprint(p.ios.ErrOut, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(p.ios.ErrOut)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(b), nil
}

// maxPasswordStdin caps what --password-stdin reads.
const maxPasswordStdin = 1 << 20

// readCredential gathers the username and password from the flags, stdin
// or prompts. It prompts only when stdin is a terminal; the username prompt
// offers the one already stored under key.
func readCredential(ctx context.Context, opts *LoginOptions, store keystore.Store, key string) (auth.Credential, error) {
	user, pass := opts.Username, opts.Password
	switch {
	case pass != "":
		fmt.Fprintln(opts.IO.ErrOut, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
	case opts.PasswordStdin:
		b, err := io.ReadAll(io.LimitReader(opts.IO.In, maxPasswordStdin+1))
		if err != nil {
			return auth.Credential{}, fmt.Errorf("reading the password from stdin: %w", err)
		}
		if len(b) > maxPasswordStdin {
			return auth.Credential{}, cmderr.Usagef("the password on stdin is longer than %d bytes", maxPasswordStdin)
		}
		pass = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if pass == "" {
			return auth.Credential{}, cmderr.Usagef("no password on stdin")
		}
	}
	if (user == "" || pass == "") && !opts.IO.InTTY {
		return auth.Credential{}, cmderr.WithHint(cmderr.Usagef("cannot prompt for a %s: stdin is not a terminal", missing(user, pass)),
			"pass the password on stdin: regkey login -u USER --password-stdin SERVER")
	}
	if user == "" {
		stored := ""
		if c, err := store.Get(ctx, key); err == nil && !c.IsIdentityToken() {
			stored = c.Username
		}
		prompt := "Username: "
		if stored != "" {
			prompt = "Username (" + stored + "): "
		}
		in, err := opts.Prompt.Input(prompt)
		if err != nil {
			return auth.Credential{}, err
		}
		if user = strings.TrimSpace(in); user == "" {
			user = stored
		}
		if user == "" {
			return auth.Credential{}, cmderr.Usagef("no username given")
		}
	}
	if pass == "" {
		in, err := opts.Prompt.Password("Password: ")
		if err != nil {
			return auth.Credential{}, err
		}
		if pass = in; pass == "" {
			return auth.Credential{}, cmderr.Usagef("no password given")
		}
	}
	return auth.Credential{Username: user, Secret: pass}, nil
}

func missing(user, pass string) string {
	switch {
	case user == "" && pass == "":
		return "username and password"
	case user == "":
		return "username"
	}
	return "password"
}
