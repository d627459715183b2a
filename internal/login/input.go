package login

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/keystore"
)

// Prompter asks a person at a terminal for input: Login uses it for a
// username or password the flags and stdin did not give.
type Prompter interface {
	// Input prints prompt and reads one line.
	Input(prompt string) (string, error)
	// Password prints prompt and reads one line without echoing it.
	Password(prompt string) (string, error)
}

// maxPasswordStdin caps what --password-stdin reads.
const maxPasswordStdin = 1 << 20

// readCredential gathers the username and password from the flags, stdin
// or prompts. It prompts only when stdin is a terminal; the username prompt
// offers the one already stored under key.
func readCredential(ctx context.Context, opts *Options, store keystore.Store, key string) (auth.Credential, error) {
	user, pass := opts.Username, opts.Password
	switch {
	case pass != "":
		fmt.Fprintln(opts.ErrOut, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
	case opts.PasswordStdin:
		b, err := io.ReadAll(io.LimitReader(opts.In, maxPasswordStdin+1))
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
	if (user == "" || pass == "") && !opts.InTTY {
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
