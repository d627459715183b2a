//go:build !unix

package config

import (
	"io/fs"
	"os"
)

// copyOwner is a no-op where files have no unix owner.
func copyOwner(*os.File, fs.FileInfo) {}
