package login

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/regkey/regkey/internal/cli/cmdutil"
)

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
