package cli

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/doctor"
	"github.com/regkey/regkey/internal/inventory"
	"github.com/regkey/regkey/internal/inventory/inventorytest"
	"github.com/regkey/regkey/keystore"
)

// Until setup_test.go leaves internal/cli (issue 13), its one doctor run
// goes through these, over internal/doctor and inventorytest; delete this
// file once it does.

// fakeProvider names the provider inventorytest.Deps routes to.
type fakeProvider struct{ name string }

// testDeps is inventorytest.Deps with p's name.
func testDeps(t *testing.T, store keystore.Store, p *fakeProvider, installed ...string) (inventory.Deps, string) {
	t.Helper()
	return inventorytest.Deps(t, store, &inventorytest.Provider{ID: p.name}, installed...)
}

// DoctorOptions are what setup_test.go passes doctorRun.
type DoctorOptions struct {
	IO      cmdutil.IOStreams
	Deps    inventory.Deps
	Offline bool
}

// doctorRun prints every finding's message on o.IO.Out, and fails when
// doctor finds anything not well.
func doctorRun(ctx context.Context, o *DoctorOptions) error {
	checks := doctor.Run(ctx, o.Deps, doctor.Options{Offline: o.Offline})
	for _, c := range checks {
		fmt.Fprintf(o.IO.Out, "%s\t%s\t%s\n", c.Status, c.Check, c.Message)
	}
	if !doctor.OK(checks) {
		return errors.New("doctor found a problem")
	}
	return nil
}
