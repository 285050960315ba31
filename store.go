package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// bound returns the context for one storage call; every call goes through this
// file, bounded by Config.StoreTimeout, its error wrapped in ErrStorage with IDs
// redacted. Writes (keep) are not cancelled with the request's context, so a
// client that goes away cannot leave half a save.
func (m *Manager) bound(ctx context.Context, keep bool) (context.Context, context.CancelFunc) {
	if keep {
		ctx = context.WithoutCancel(ctx)
	}
	if m.timeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, m.timeout)
}

func (m *Manager) get(ctx context.Context, key, doing string) (string, bool, error) {
	ctx, cancel := m.bound(ctx, false)
	defer cancel()
	v, ok, err := m.store.Get(ctx, key)
	if err != nil {
		return "", false, m.storageError(doing, err)
	}
	m.recent.put(key, v)
	return v, ok, nil
}

// batchSize is how many keys one call of a driver's storage.Batcher takes, so
// that each call stays well within the store timeout.
const batchSize = 1000

// inBatches calls fn on keys, m.batch at a time (one where the driver does not
// batch), each call bounded, and returns how many keys it was done with.
func (m *Manager) inBatches(ctx context.Context, keys []string, keep bool, fn func(context.Context, []string) error) (int, error) {
	for i := 0; i < len(keys); i += m.batch {
		bctx, cancel := m.bound(ctx, keep)
		err := fn(bctx, keys[i:min(i+m.batch, len(keys))])
		cancel()
		if err != nil {
			return i, err
		}
	}
	return len(keys), nil
}

// live returns the keys that hold a value, in order.
func (m *Manager) live(ctx context.Context, keys []string) ([]string, error) {
	var live []string
	_, err := m.inBatches(ctx, keys, false, func(ctx context.Context, batch []string) error {
		ok, err := m.batcher.HasMany(ctx, batch)
		if err == nil && len(ok) != len(batch) {
			err = fmt.Errorf("the driver answered for %d of %d keys", len(ok), len(batch))
		}
		for i := 0; err == nil && i < len(ok); i++ {
			if ok[i] {
				live = append(live, batch[i])
			}
		}
		return err
	})
	if err != nil {
		return nil, m.storageError("checking a session", err)
	}
	return live, nil
}

func (m *Manager) remove(ctx context.Context, key, doing string) error {
	m.recent.put(key, "")
	ctx, cancel := m.bound(ctx, true)
	defer cancel()
	if err := m.store.Delete(ctx, key); err != nil {
		return m.storageError(doing, err)
	}
	return nil
}

// errNoWrite, returned by a swap's edit function, ends the swap without writing.
var errNoWrite = errors.New("nothing to write")

// maxSwapAttempts bounds the retries of one write that keeps losing to others.
const maxSwapAttempts = 100

// swap replaces the value under key with what edit makes of the value the store
// holds. old and ok are what the caller last read. With a driver that has
// compare-and-swap the write succeeds only if the store still holds old; when
// another writer got there first, the value is read again and edit runs again
// on it, so nobody's write is lost. Without compare-and-swap the last writer
// wins. It returns what was written.
func (m *Manager) swap(ctx context.Context, key, doing, old string, ok bool,
	edit func(old string, ok bool) (next string, ttl time.Duration, err error)) (string, error) {
	for attempt := 1; ; attempt++ {
		next, ttl, err := edit(old, ok)
		if err != nil {
			return "", err
		}
		swapped, err := m.write(ctx, key, old, ok, next, ttl)
		if err != nil {
			return "", m.storageError(doing, err)
		}
		if swapped {
			return next, nil
		}
		if attempt >= maxSwapAttempts {
			return "", fmt.Errorf("%w: %s: gave up after %d attempts", ErrConflict, doing, attempt)
		}
		if err := backoff(ctx, attempt); err != nil {
			return "", m.storageError(doing, err)
		}
		if old, ok, err = m.get(ctx, key, doing); err != nil {
			return "", err
		}
	}
}

// write stores next under key, conditionally when the driver can.
func (m *Manager) write(ctx context.Context, key, old string, ok bool, next string, ttl time.Duration) (bool, error) {
	ctx, cancel := m.bound(ctx, true)
	defer cancel()
	if m.swapper != nil {
		swapped, err := m.swapper.CompareAndSwap(ctx, key, old, ok, next, ttl)
		if swapped {
			m.recent.put(key, next)
		}
		return swapped, err
	}
	return true, m.store.Set(ctx, key, next, ttl)
}

// backoff waits a little, randomly, after the first few lost races, so that
// writers of one busy session do not keep colliding.
func backoff(ctx context.Context, attempt int) error {
	if attempt <= 3 {
		return nil
	}
	d := min(time.Duration(rand.Int64N(int64(attempt)*int64(100*time.Microsecond))), 5*time.Millisecond)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// recentRecords remembers, for a driver with compare-and-swap across a network,
// the text this process last read or wrote under each key (get, write and
// remove keep it current). A request
// that writes its session without reading it first (an Update, a Delete) then
// sends the compare-and-swap against that text at once: one store round trip
// instead of two (the cart flow of bench/README.md's load test). It is never
// used to answer a read. A text that is no longer current costs only the read
// it was meant to save: the swap fails and the record is read and merged as
// for any concurrent writer. Small records only, and a bounded number of them.
type recentRecords struct {
	mu    sync.Mutex
	texts map[string]string
}

const (
	recentMaxRecords = 1024
	recentMaxText    = 4 << 10
)

func (r *recentRecords) get(id string) (string, bool) {
	if r == nil {
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	text, ok := r.texts[id]
	return text, ok
}

// put remembers text as the record of id; a "" text, or one too large, forgets it.
func (r *recentRecords) put(id, text string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if text == "" || len(text) > recentMaxText {
		delete(r.texts, id)
		return
	}
	if _, ok := r.texts[id]; !ok && len(r.texts) >= recentMaxRecords {
		for old := range r.texts { // an arbitrary one: map order is random
			delete(r.texts, old)
			break
		}
	}
	r.texts[id] = text
}
