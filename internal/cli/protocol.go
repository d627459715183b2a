package cli

import "context"

// runProtocol speaks the docker credential-helper protocol. (Being written.)
func runProtocol(ctx context.Context, f *Factory, name string, args []string) int {
	_ = ctx
	_ = args
	_, _ = f.IO.Out.Write([]byte(name + ": not implemented yet\n"))
	return 1
}
