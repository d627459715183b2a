package cmdutil

import "io"

// IOStreams are the standard streams a command uses.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY, OutTTY and ErrTTY report whether each stream is a terminal:
	// prompts need InTTY, secrets are refused on an OutTTY, progress is
	// shown on an ErrTTY.
	InTTY, OutTTY, ErrTTY bool
}
