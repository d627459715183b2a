package tokencache

import "context"

// waitForHolder is called when another process holds key's lock, which
// means it is asking the provider for that key right now. It waits until
// the holder lets go (or ctx ends) and returns the entry the holder wrote
// when it is fresh. Every waiter wakes at the same moment and is served
// without taking the lock in turn: polling the lock every lockRetry made N
// processes asking for one cold key take about N × lockRetry (87 ms for 8
// processes, see BENCHMARKS.md).
func (c *Cache) waitForHolder(ctx context.Context, lockPath, path, key string) (Entry, bool) {
	if err := waitUnlocked(ctx, lockPath); err != nil {
		return Entry{}, false
	}
	e, err := readEntry(path, key)
	if err != nil || !e.Fresh(c.now()) {
		return Entry{}, false
	}
	return e, true
}
