package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
)

// refreshOutput is `regkey refresh --json`.
type refreshOutput struct {
	Registries []struct {
		Host, Provider, Origin, Status, Detail string
		Expires                                *time.Time
	}
	Failed []string
}

func decodeRefreshOutput(t *testing.T, res testenv.Result) refreshOutput {
	t.Helper()
	var out refreshOutput
	if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
		t.Fatalf("refresh --json: %v in %q (stderr %q)", err, res.Stdout, res.Stderr)
	}
	return out
}

func (o refreshOutput) statuses() map[string]string {
	m := map[string]string{}
	for _, r := range o.Registries {
		m[r.Host] = r.Provider + " " + r.Status
	}
	return m
}

// TestRefresh: `regkey refresh` with three provider rules in the settings
// file, ECR, ACR and Google, each against its loopback fake, Google's
// refusing the refresh token. ECR and ACR are renewed (and later served from
// the cache), Google is reported, and the exit status is 3 naming it.
func TestRefresh(t *testing.T) {
	t.Parallel()
	const acrHost, gcrHost = "myregistry.azurecr.io", "us-docker.pkg.dev"
	ecrFake := ecrfake.New()
	t.Cleanup(ecrFake.Close)
	entra := newFakeEntra(t, acrHost, shortRefreshJWT(t))
	google := newFakeGoogleOAuth(t, "ya29.e2e-"+randomToken(t))
	google.deny = true

	c := newProviderClient(t)
	useECR(t, c, ecrFake, ecrHost)
	routeToACR(t, c, entra, acrHost, true)
	routeToGCR(t, c, google, gcrHost, true)
	settings := "registries:\n" +
		"  - match: " + ecrHost + "\n    provider: ecr\n" +
		"  - match: " + acrHost + "\n    provider: acr\n    exchange_url: " + entra.srv.URL + "/oauth2/exchange\n" +
		"  - match: " + gcrHost + "\n    provider: gcr\n" +
		"  - match: registry.example.com\n    provider: keystore\n"
	if err := os.WriteFile(filepath.Join(c.Dir, "regkey-config.yaml"), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}

	res := c.Run(t, nil, "regkey", "refresh", "--json")
	out := decodeRefreshOutput(t, res)
	want := map[string]string{ecrHost: "ecr refreshed", acrHost: "acr refreshed", gcrHost: "gcr failed"}
	if diff := cmp.Diff(want, out.statuses()); diff != "" {
		t.Errorf("refresh statuses (-want +got):\n%s", diff)
	}
	if res.ExitCode != 3 || !strings.Contains(res.Stderr, "refresh failed for "+gcrHost) || !cmp.Equal(out.Failed, []string{gcrHost}) {
		t.Errorf("exit %d, failed %v, stderr %q; want 3 naming %s", res.ExitCode, out.Failed, res.Stderr, gcrHost)
	}
	for _, r := range out.Registries {
		switch r.Host {
		case ecrHost:
			if r.Expires == nil || time.Until(*r.Expires) < 11*time.Hour || r.Origin != "rule" {
				t.Errorf("ecr: %+v, want a 12 h token from the rule", r)
			}
		case gcrHost:
			if !strings.Contains(r.Detail, "invalid_grant") {
				t.Errorf("gcr detail %q, want the cause", r.Detail)
			}
		}
	}
	if n := ecrCalls(ecrFake, "us-east-1"); n != 1 {
		t.Errorf("ECR token calls: %d, want 1", n)
	}
	if tokens, exchanges := entra.counts(); tokens != 1 || exchanges != 1 {
		t.Errorf("Entra tokens %d, ACR exchanges %d; want 1 each", tokens, exchanges)
	}

	// Pulls are now served from the cache the refresh filled.
	if got, ok := helperGet(t, c, ecrHost); !ok || got.Secret != ecrfake.Password(ecrKeyID, "us-east-1") {
		t.Errorf("get %s after refresh = %+v, %v", ecrHost, got, ok)
	}
	if got, ok := helperGet(t, c, acrHost); !ok || got.Username != acrNullUser {
		t.Errorf("get %s after refresh = %+v, %v", acrHost, got.Username, ok)
	}
	if n := ecrCalls(ecrFake, "us-east-1"); n != 1 {
		t.Errorf("ECR token calls after a cached get: %d, want 1", n)
	}

	// A timer run renews nothing that stays valid beyond the window.
	res = c.Run(t, nil, "regkey", "refresh", "--if-expiring-within", "1h", "--json", ecrHost, acrHost)
	if diff := cmp.Diff(map[string]string{ecrHost: "ecr fresh", acrHost: "acr fresh"}, decodeRefreshOutput(t, res).statuses()); diff != "" || res.ExitCode != 0 {
		t.Errorf("--if-expiring-within 1h: exit %d (-want +got):\n%s", res.ExitCode, diff)
	}
	// The ACR refresh token lives 3 h: a 4 h window renews it, ECR's 12 h does not.
	res = c.Run(t, nil, "regkey", "refresh", "--if-expiring-within", "4h", "--json", ecrHost, acrHost)
	if diff := cmp.Diff(map[string]string{ecrHost: "ecr fresh", acrHost: "acr refreshed"}, decodeRefreshOutput(t, res).statuses()); diff != "" || res.ExitCode != 0 {
		t.Errorf("--if-expiring-within 4h: exit %d (-want +got):\n%s", res.ExitCode, diff)
	}
	if _, exchanges := entra.counts(); ecrCalls(ecrFake, "us-east-1") != 1 || exchanges != 2 {
		t.Errorf("after the timer runs: %d ECR calls (want 1), %d ACR exchanges (want 2)", ecrCalls(ecrFake, "us-east-1"), exchanges)
	}

	// The table for people; a keystore host named on the command line is
	// skipped, not failed.
	res = c.Run(t, nil, "regkey", "refresh", ecrHost, "registry.example.com")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "REGISTRY") ||
		!tableRow(res.Stdout, ecrHost, "ecr", "refreshed") || !tableRow(res.Stdout, "registry.example.com", "keystore", "skipped") {
		t.Errorf("table: exit %d\n%s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if n := ecrCalls(ecrFake, "us-east-1"); n != 2 {
		t.Errorf("a forced refresh made %d ECR calls in all, want 2", n)
	}
	// On a terminal, each registry's progress comes before the table.
	res = onTerminal(t, c, "regkey", "refresh", ecrHost, acrHost)
	if progress, table, ok := strings.Cut(res.Stdout, "REGISTRY"); res.ExitCode != 0 || !ok ||
		!strings.Contains(progress, "] ecr "+ecrHost+": refreshed") || !strings.Contains(progress, "] acr "+acrHost+": refreshed") ||
		!strings.Contains(progress, "[2/2]") || !tableRow(table, acrHost, "acr", "refreshed") {
		t.Errorf("refresh on a terminal: exit %d\n%s", res.ExitCode, res.Stdout)
	}
	for _, secret := range []string{"e2e-secret-access-key", entra.secret, google.refresh, google.clientSecret} {
		if strings.Contains(res.Stdout+res.Stderr, secret) {
			t.Errorf("a secret reached the output")
		}
	}
	assertNoPlaintext(t, c, "e2e-secret-access-key")
}

// tableRow reports whether some line of out holds every field, in order.
func tableRow(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= len(fields) && cmp.Equal(f[:len(fields)], fields) {
			return true
		}
	}
	return false
}
