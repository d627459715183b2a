//go:build bench && linux

package bench

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/regkey/regkey/internal/testenv"
	"github.com/regkey/regkey/providers/ecr/ecrfake"
)

// ecrClient is a client environment for the ECR scenarios: static AWS keys,
// no AWS config files, regkey's file keystore (never opened on these paths)
// and the reference helper's cache under the client's directory.
func (b *bench) ecrClient() *testenv.Client {
	c := testenv.NewClient(b.t, b.bin)
	c.UseFileKeystore(b.t)
	c.Setenv("AWS_ACCESS_KEY_ID", benchKeyID)
	c.Setenv("AWS_SECRET_ACCESS_KEY", "bench-secret-access-key")
	c.Setenv("AWS_ECR_CACHE_DIR", filepath.Join(c.Dir, "ecr-login"))
	return c
}

// fake starts an ECR fake for the life of the benchmark.
func (b *bench) fake() *ecrfake.Server {
	f := ecrfake.New()
	b.t.Cleanup(f.Close)
	return f
}

// tlsFake serves base's API over HTTPS and returns its URL and CA
// certificate (PEM). Requests are recorded by base.
func (b *bench) tlsFake(base *ecrfake.Server) (string, []byte) {
	s := httptest.NewUnstartedServer(base.Config.Handler)
	s.StartTLS()
	b.t.Cleanup(s.Close)
	return s.URL, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

func count(f *ecrfake.Server) func() int { return func() int { return len(f.Requests()) } }

// startup times `version`: process start and package initialisation only.
func (b *bench) startup() group {
	c := b.ecrClient()
	in := b.file("empty", "")
	g := group{Name: "start-up: `version` (process start and package init, nothing opened)", Env: c.Env(), Cmds: []command{
		{Label: "floor", Role: roleFloor, Shell: one("", b.floor, "get", in)},
		{Label: "regkey version", Role: roleOurs, Shell: one("", b.bin.Helper, "version", in)},
		{Label: "front prototype version", Role: roleOurs, Shell: one("", b.front, "version", in)},
	}}
	for _, e := range append(compared(), extras()...) {
		g.Cmds = append(g.Cmds, command{Label: e.label + " version", Role: roleOurs, Shell: one("", e.path, "version", in)})
	}
	if b.refECR != "" {
		g.Cmds = append(g.Cmds, command{Label: "ecr-login version", Role: roleRef, Shell: one("", b.refECR, "version", in)})
	}
	return g
}

// contender is a helper timed in an ECR group, with a fake of its own so
// that its token requests are counted apart.
type contender struct {
	label, role, path string
	fake              *ecrfake.Server
	url               string
	pem               []byte // the fake's CA certificate, over HTTPS
	// assign is the shell assignment pointing the helper at its fake; ""
	// for regkey, whose fake is in the client's environment.
	assign string
}

// contenders returns regkey, the builds named in REGKEY_BENCH_COMPARE and
// the reference ECR helper, each with its own fake (over HTTPS when https).
func (b *bench) contenders(https bool) []*contender {
	cs := []*contender{{label: "regkey", role: roleOurs, path: b.bin.Helper}}
	for _, e := range compared() {
		cs = append(cs, &contender{label: e.label, role: roleOurs, path: e.path})
	}
	if b.refECR != "" {
		cs = append(cs, &contender{label: "ecr-login", role: roleRef, path: b.refECR})
	}
	for i, c := range cs {
		c.fake = b.fake()
		c.url = c.fake.URL
		if https {
			c.url, c.pem = b.tlsFake(c.fake)
		}
		if i > 0 {
			c.assign = "AWS_ENDPOINT_URL_ECR=" + c.url
		}
	}
	return cs
}

// env is the extra environment that points c at its fake.
func (c *contender) env() []string {
	if c.assign == "" {
		return nil
	}
	return []string{c.assign}
}

// cachedECR times an ECR get served from each helper's warm token cache,
// without AWS_CA_BUNDLE or with the system bundle in it (as machines of
// this kind export it).
func (b *bench) cachedECR(bundle bool) func() group {
	return func() group {
		c := b.ecrClient()
		cs := b.contenders(false)
		c.Setenv("AWS_ENDPOINT_URL_ECR", cs[0].url)
		name := "cached ECR get (warm token cache), AWS_CA_BUNDLE unset"
		if bundle {
			c.Setenv("AWS_CA_BUNDLE", systemBundle)
			name = "cached ECR get (warm token cache), AWS_CA_BUNDLE=" + systemBundle
		}
		key := b.file("ecr-key", ecrHost)
		// Warm every cache and check the answers; the front reads regkey's
		// entry.
		b.checkToken(b.run(c, nil, ecrHost, b.bin.Helper, "get"))
		c.Setenv("REGKEY_FRONT_CACHE_KEY", b.cacheKey(c))
		b.checkToken(b.run(c, nil, ecrHost, b.front, "get"))
		g := group{Name: name, Cmds: []command{{Label: "floor", Role: roleFloor, Shell: one("", b.floor, "get", key)}}}
		for _, ct := range cs {
			b.checkToken(b.run(c, ct.env(), ecrHost, ct.path, "get"))
			g.Cmds = append(g.Cmds, command{Label: ct.label, Role: ct.role,
				Shell: one(ct.assign, ct.path, "get", key), Requests: count(ct.fake)})
		}
		g.Cmds = append(g.Cmds, command{Label: "front prototype (no SDK linked)", Role: roleOurs, Shell: one("", b.front, "get", key)})
		g.Env = c.Env()
		return g
	}
}

// cacheKey returns the key of the one entry in c's token cache.
func (b *bench) cacheKey(c *testenv.Client) string {
	b.t.Helper()
	files, _ := filepath.Glob(filepath.Join(c.Getenv("XDG_CACHE_HOME"), "regkey", "*.json"))
	if len(files) != 1 {
		b.t.Fatalf("want one token cache entry, found %v", files)
	}
	data, err := os.ReadFile(files[0])
	var e struct{ Key string }
	if err != nil || json.Unmarshal(data, &e) != nil || e.Key == "" {
		b.t.Fatalf("reading the token cache entry %s: %v", files[0], err)
	}
	return e.Key
}

// checkToken fails the benchmark unless out is the fake's ECR answer.
func (b *bench) checkToken(out string) {
	b.t.Helper()
	var cr struct{ Username, Secret string }
	if err := json.Unmarshal([]byte(out), &cr); err != nil || cr.Username != "AWS" ||
		cr.Secret != ecrfake.Password(benchKeyID, "us-east-1") {
		b.t.Fatalf("ECR get answered %q, want the fake's token", out)
	}
}

// coldECR times an ECR get with every token cache emptied before each run:
// SDK configuration, credentials, one GetAuthorizationToken against the
// loopback fake, and the cache write. Over HTTPS the CA bundle is the
// system bundle plus the fakes' certificates, as a corporate bundle would
// be.
func (b *bench) coldECR(https bool) func() group {
	return func() group {
		c := b.ecrClient()
		cs := b.contenders(https)
		c.Setenv("AWS_ENDPOINT_URL_ECR", cs[0].url)
		name := "cold ECR get over HTTP (token caches emptied before every run)"
		if https {
			bundle, _ := os.ReadFile(systemBundle)
			for _, ct := range cs {
				bundle = append(bundle, ct.pem...)
			}
			c.Setenv("AWS_CA_BUNDLE", b.file("bundle.pem", string(bundle)))
			name = fmt.Sprintf("cold ECR get over HTTPS (AWS_CA_BUNDLE: system bundle + fake CAs, %d KiB)", len(bundle)/1024)
		}
		key := b.file("ecr-key", ecrHost)
		g := group{Name: name, Env: c.Env(), Prepare: b.emptyCaches(c), Cmds: []command{
			{Label: "floor", Role: roleFloor, Shell: one("", b.floor, "get", key)},
		}}
		for _, ct := range cs {
			b.checkToken(b.run(c, ct.env(), ecrHost, ct.path, "get"))
			g.Cmds = append(g.Cmds, command{Label: ct.label, Role: ct.role,
				Shell: one(ct.assign, ct.path, "get", key), Requests: count(ct.fake)})
		}
		return g
	}
}

// emptyCaches is the shell line that removes regkey's token cache and the
// reference helper's cache file.
func (b *bench) emptyCaches(c *testenv.Client) string {
	return "rm -rf " + filepath.Join(c.Getenv("XDG_CACHE_HOME"), "regkey") + " " +
		filepath.Join(c.Getenv("AWS_ECR_CACHE_DIR"), "cache.json")
}

// concurrentECR times N processes asking for one cold ECR key at once:
// regkey's per-key lock makes that one token request; the reference helper
// has no cross-process lock.
func (b *bench) concurrentECR() group {
	n := concurrency()
	c := b.ecrClient()
	cs := b.contenders(false)
	c.Setenv("AWS_ENDPOINT_URL_ECR", cs[0].url)
	key := b.file("ecr-key", ecrHost)
	g := group{Name: fmt.Sprintf("%d concurrent cold ECR gets over HTTP (one run = %d processes at once)", n, n),
		Env: c.Env(), Prepare: b.emptyCaches(c), Cmds: []command{
			{Label: fmt.Sprintf("floor ×%d", n), Role: roleFloor, Shell: many(n, "", b.floor, "get", key)},
		}}
	for _, ct := range cs {
		g.Cmds = append(g.Cmds, command{Label: fmt.Sprintf("%s ×%d", ct.label, n), Role: ct.role,
			Shell: many(n, ct.assign, ct.path, "get", key), Requests: count(ct.fake), Procs: n})
	}
	return g
}

// storeClient is a client with every keystore backend reachable: the file
// store, a private gnome-keyring and a pass store, which Debian's
// secretservice and pass helpers use too.
func (b *bench) storeClient() *testenv.Client {
	c := testenv.NewClient(b.t, b.bin)
	c.UseFileKeystore(b.t)
	c.SetenvMap(testenv.NewKeyring(b.t, testenv.KeyringOptions{}).Env())
	c.SetenvMap(testenv.NewPass(b.t).Env())
	return c
}

// stores are the keystores timed, each with the reference helper for the
// same backend.
var stores = []struct{ backend, ref string }{{"file", ""}, {"os", "secretservice"}, {"pass", "pass"}}

// seed stores n credentials (staticHost and n-1 others) in every keystore.
func (b *bench) seed(c *testenv.Client, n int) {
	for i := range n {
		host := staticHost
		if i > 0 {
			host = fmt.Sprintf("registry-%d.bench.example", i)
		}
		in := fmt.Sprintf(`{"ServerURL":%q,"Username":"bench","Secret":"bench-secret-%d"}`, host, i)
		for _, s := range stores {
			b.run(c, []string{"REGKEY_KEYSTORE=" + s.backend}, in, b.bin.Helper, "store")
			if p := b.refPath(s.ref); p != "" {
				b.run(c, nil, in, p, "store")
			}
		}
	}
}

func (b *bench) refPath(name string) string {
	switch name {
	case "secretservice":
		return b.secretservice
	case "pass":
		return b.pass
	}
	return ""
}

// storeGroup times verb against every keystore, each next to its reference.
func (b *bench) storeGroup(name, verb, stdin string, entries int) group {
	c := b.storeClient()
	b.seed(c, entries)
	in := b.file(verb+"-input", stdin)
	g := group{Name: name, Env: c.Env(), Cmds: []command{
		{Label: "floor", Role: roleFloor, Shell: one("", b.floor, verb, in)},
	}}
	for _, s := range stores {
		label := "regkey " + s.backend
		vs := "none"
		if p := b.refPath(s.ref); p != "" {
			vs = "docker-credential-" + s.ref
		}
		g.Cmds = append(g.Cmds, command{Label: label, Role: roleOurs, Versus: vs,
			Shell: one("REGKEY_KEYSTORE="+s.backend, b.bin.Helper, verb, in)})
		if p := b.refPath(s.ref); p != "" {
			g.Cmds = append(g.Cmds, command{Label: vs, Role: roleRef, Shell: one("", p, verb, in)})
		}
	}
	return g
}

// keystoreGet times a get that the keystore answers.
func (b *bench) keystoreGet() group {
	return b.storeGroup("keystore get (exact key), per backend", "get", staticHost, 1)
}

// list times list over 10 stored credentials.
func (b *bench) list() group {
	return b.storeGroup("list (10 credentials), per backend", "list", "", 10)
}
