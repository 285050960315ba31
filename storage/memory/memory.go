// Package memory is an in-process storage driver: a bounded map with per-key
// expiry and least-recently-used eviction. It suits tests, development and a
// single server process; records do not survive a restart and are not shared
// between processes (use fs, redis or postgres for that).
//
// The driver registers itself as "memory" with the options maxEntries (a whole
// number), maxBytes (a whole number) and sweepInterval (a duration such as "1m"
// or a number of seconds):
//
//	d, err := storage.Open("memory", map[string]any{"maxEntries": 10000})
//
// # Bounds and eviction
//
// A store holds at most Options.MaxEntries records and at most Options.MaxBytes
// bytes, counted as len(key)+len(value) of each record. When a Set would go past
// either bound, the least recently used records are evicted until it fits; Get,
// Has, Set and CompareAndSwap count as uses. A record that has expired is removed
// when it is next touched, when it reaches the tail of the LRU list, and by Sweep
// (on demand, or every Options.SweepInterval). A single value larger than
// MaxBytes is refused with storage.ErrTooLarge.
//
// A Get that finds its key does not allocate.
package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/goastro/session/storage"
)

// DefaultMaxBytes is the byte bound of a store whose Options.MaxBytes is zero.
const DefaultMaxBytes = 64 << 20

// Options configures a memory store. The zero value is a store bounded to
// DefaultMaxBytes with no entry limit and no background sweep.
type Options struct {
	// MaxEntries bounds the number of records; zero or less means no bound.
	MaxEntries int
	// MaxBytes bounds the sum of len(key)+len(value) over all records. Zero means
	// DefaultMaxBytes; a negative value means no bound.
	MaxBytes int64
	// SweepInterval, when greater than zero, runs Sweep that often in the
	// background until Close.
	SweepInterval time.Duration
}

func init() {
	storage.Register("memory", func(options map[string]any) (storage.Driver, error) {
		o := storage.NewOptions("memory", options)
		opts := Options{
			MaxEntries:    o.Int("maxEntries", 0),
			MaxBytes:      o.Int64("maxBytes", 0),
			SweepInterval: o.Duration("sweepInterval", 0),
		}
		if err := o.Err(); err != nil {
			return nil, err
		}
		return New(opts), nil
	})
}

// entry is one record, linked into the LRU list (head = most recent).
type entry struct {
	key, value string
	expires    int64 // unix nanoseconds; 0 = never
	prev, next *entry
}

// Store is the memory driver. It implements storage.Driver and storage.Swapper.
// Its zero value is not usable; call New.
type Store struct {
	mu         sync.Mutex
	m          map[string]*entry
	head, tail *entry
	bytes      int64
	closed     bool

	maxEntries int
	maxBytes   int64

	stop chan struct{}
	done chan struct{}
}

var (
	_ storage.Driver  = (*Store)(nil)
	_ storage.Swapper = (*Store)(nil)
	_ storage.Sweeper = (*Store)(nil)
)

// New returns an empty store.
func New(opts Options) *Store {
	s := &Store{m: make(map[string]*entry), maxEntries: opts.MaxEntries, maxBytes: opts.MaxBytes}
	if s.maxBytes == 0 {
		s.maxBytes = DefaultMaxBytes
	}
	if opts.SweepInterval > 0 {
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		go s.sweepLoop(opts.SweepInterval)
	}
	return s
}

func (s *Store) sweepLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_, _ = s.Sweep(context.Background())
		}
	}
}

func size(e *entry) int64 { return int64(len(e.key) + len(e.value)) }

func (s *Store) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (s *Store) pushFront(e *entry) {
	e.prev, e.next = nil, s.head
	if s.head != nil {
		s.head.prev = e
	}
	s.head = e
	if s.tail == nil {
		s.tail = e
	}
}

func (s *Store) touch(e *entry) {
	if s.head != e {
		s.unlink(e)
		s.pushFront(e)
	}
}

func (s *Store) remove(e *entry) {
	s.unlink(e)
	delete(s.m, e.key)
	s.bytes -= size(e)
}

// begin checks the context and the key and locks the store; on success the
// caller must unlock.
func (s *Store) begin(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	k, err := storage.CleanKey(key)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return "", storage.ErrClosed
	}
	return k, nil
}

// live returns the unexpired entry of k, removing it if it has expired. Called
// locked. The clock is read only for entries that expire.
func (s *Store) live(k string) *entry {
	e := s.m[k]
	if e == nil {
		return nil
	}
	if e.expires != 0 && e.expires <= time.Now().UnixNano() {
		s.remove(e)
		return nil
	}
	return e
}

// Get implements storage.Driver.
func (s *Store) Get(ctx context.Context, key string) (string, bool, error) {
	k, err := s.begin(ctx, key)
	if err != nil {
		return "", false, err
	}
	defer s.mu.Unlock()
	e := s.live(k)
	if e == nil {
		return "", false, nil
	}
	s.touch(e)
	return e.value, true, nil
}

// Has implements storage.Driver.
func (s *Store) Has(ctx context.Context, key string) (bool, error) {
	k, err := s.begin(ctx, key)
	if err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	e := s.live(k)
	if e != nil {
		s.touch(e)
	}
	return e != nil, nil
}

// Set implements storage.Driver.
func (s *Store) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	k, err := s.begin(ctx, key)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	return s.set(k, value, ttl)
}

// set stores or deletes k. Called locked.
func (s *Store) set(k, value string, ttl time.Duration) error {
	if value == "" {
		if e := s.m[k]; e != nil {
			s.remove(e)
		}
		return nil
	}
	need := int64(len(k) + len(value))
	if s.maxBytes > 0 && need > s.maxBytes {
		return fmt.Errorf("%w: memory: record of %d bytes over maxBytes %d", storage.ErrTooLarge, need, s.maxBytes)
	}
	var expires int64
	if ttl > 0 {
		expires = time.Now().UnixNano() + int64(ttl)
	}
	e := s.m[k]
	if e != nil {
		s.bytes += need - size(e)
		e.value, e.expires = value, expires
		s.touch(e)
	} else {
		e = &entry{key: k, value: value, expires: expires}
		s.m[k] = e
		s.pushFront(e)
		s.bytes += need
	}
	s.evict(e)
	return nil
}

// evict removes least recently used records, never keep, until the bounds hold.
func (s *Store) evict(keep *entry) {
	for (s.maxEntries > 0 && len(s.m) > s.maxEntries) || (s.maxBytes > 0 && s.bytes > s.maxBytes) {
		victim := s.tail
		if victim == keep {
			victim = victim.prev
		}
		if victim == nil {
			return
		}
		s.remove(victim)
	}
}

// Delete implements storage.Driver.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.begin(ctx, key)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if e := s.m[k]; e != nil {
		s.remove(e)
	}
	return nil
}

// CompareAndSwap implements storage.Swapper.
func (s *Store) CompareAndSwap(ctx context.Context, key, old string, exists bool, value string, ttl time.Duration) (bool, error) {
	k, err := s.begin(ctx, key)
	if err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	e := s.live(k)
	if exists != (e != nil) || (exists && e.value != old) {
		return false, nil
	}
	if err := s.set(k, value, ttl); err != nil {
		return false, err
	}
	return true, nil
}

// Keys implements storage.Driver.
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, storage.ErrClosed
	}
	now := time.Now().UnixNano()
	keys := []string{}
	for k, e := range s.m {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix && (e.expires == 0 || e.expires > now) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Clear implements storage.Driver.
func (s *Store) Clear(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.ErrClosed
	}
	clear(s.m)
	s.head, s.tail, s.bytes = nil, nil, 0
	return nil
}

// Sweep removes every expired record and reports how many it removed.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, storage.ErrClosed
	}
	now := time.Now().UnixNano()
	n := 0
	for _, e := range s.m {
		if e.expires != 0 && e.expires <= now {
			s.remove(e)
			n++
		}
	}
	return n, nil
}

// Len returns the number of records held, expired ones not yet removed included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Bytes returns the sum of len(key)+len(value) over the records held.
func (s *Store) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Close implements storage.Driver: it drops every record and stops the
// background sweep.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	clear(s.m)
	s.head, s.tail, s.bytes = nil, nil, 0
	s.mu.Unlock()
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
	return nil
}

// InProcess marks the store as one whose calls wait on nothing but this
// machine (storage.InProcess).
func (s *Store) InProcess() {}
