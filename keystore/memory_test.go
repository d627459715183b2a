package keystore_test

import (
	"testing"

	"github.com/regkey/regkey/keystore"
	"github.com/regkey/regkey/keystore/keystoretest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	keystoretest.Run(t, func(t *testing.T) keystore.Store { return keystore.NewMemory() })
}
