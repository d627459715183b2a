// Command regkey is a container-registry credential manager and, when
// invoked as docker-credential-regkey, a docker credential helper.
package main

import (
	"os"

	"github.com/regkey/regkey/internal/cli"
)

func main() { os.Exit(cli.Main()) }
