package keystoretest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/keystore"
)

// Sizes of the concurrency check: small enough for backends that exec gpg or
// talk D-Bus on every call, large enough to interleave.
const (
	writers         = 3
	setsPerWriter   = 6
	readers         = 3
	concurrentKey   = "race.example.com:5000/repo"
	concurrentPad   = 200
	generationShift = 1000
)

// generation builds a credential whose username and secret encode the same
// number, so a reader can tell a torn or mixed pair.
func generation(g int) auth.Credential {
	return auth.Credential{
		Username: fmt.Sprintf("user-%d", g),
		Secret:   fmt.Sprintf("secret-%d-%s", g, strings.Repeat("x", concurrentPad+g%7)),
	}
}

// consistent reports whether c is a pair generation produced.
func consistent(c auth.Credential) bool {
	var g int
	if _, err := fmt.Sscanf(c.Username, "user-%d", &g); err != nil {
		return false
	}
	return c == generation(g)
}

// testConcurrentOneKey runs writers and readers on one key: every Get must
// return a whole pair that some writer stored (never torn, never the
// username of one write with the secret of another), and the final value
// must be one of the last writes.
func testConcurrentOneKey(t *testing.T, s keystore.Store) {
	mustSet(t, s, concurrentKey, generation(0))
	c := ctx(t)
	var (
		wg      sync.WaitGroup
		done    = make(chan struct{})
		errs    = make(chan error, writers*setsPerWriter+readers*1000)
		writeWG sync.WaitGroup
	)
	for w := 1; w <= writers; w++ {
		writeWG.Add(1)
		go func() {
			defer writeWG.Done()
			for i := 0; i < setsPerWriter; i++ {
				if err := s.Set(c, concurrentKey, generation(w*generationShift+i)); err != nil {
					errs <- fmt.Errorf("writer %d Set: %w", w, err)
					return
				}
			}
		}()
	}
	reads := make([]int, readers)
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := s.Get(c, concurrentKey)
				if err != nil {
					errs <- fmt.Errorf("reader %d Get: %w", r, err)
					return
				}
				if !consistent(got) {
					errs <- fmt.Errorf("reader %d saw a mixed or torn pair: username %q with a %d-byte secret", r, got.Username, len(got.Secret))
					return
				}
				reads[r]++
			}
		}()
	}
	writeWG.Wait()
	close(done)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if err := errors.Join(all...); err != nil {
		t.Fatal(err)
	}
	final := mustGet(t, s, concurrentKey)
	last := false
	for w := 1; w <= writers; w++ {
		last = last || final == generation(w*generationShift+setsPerWriter-1)
	}
	if !last {
		t.Fatalf("final value %q is not one of the writers' last writes", final.Username)
	}
	if u := mustList(t, s)[concurrentKey]; u != final.Username {
		t.Fatalf("List says username %q, Get says %q", u, final.Username)
	}
	t.Logf("reads per reader: %v", reads)
}
