// Package storage defines the key-value layer that sessions are stored in: the
// Driver interface every back end implements, the optional atomic conditional
// write, key rules compatible with unstorage, and a registry that opens drivers by
// name, the way database/sql opens database drivers.
package storage

import (
	"context"
	"errors"
	"time"
)

// Driver is a key-value store for session records. Values are text, stored
// verbatim.
//
// Keys are unstorage keys: segments separated by ':'. Every driver passes each
// key it is given through CleanKey, so "a/b" and "a:b" name the same record, as
// they do in unstorage, and a key that CleanKey refuses fails with an error
// wrapping ErrInvalidKey on every driver alike. Keys returns normalized keys.
// A driver with a base (a folder, a key prefix) stores key k under that base and
// speaks of it as k: the base never appears in the keys it takes or returns.
//
// An empty value is no value: Set(ctx, k, "", ttl) deletes k, and a record that
// is empty in the store (an empty file written by another program) reads as
// missing. This is how Astro reads an empty fs-lite file.
//
// Every method takes a context. A call whose context is already done returns an
// error wrapping ctx.Err() and changes nothing; a driver that waits (for a
// server, a lock) stops waiting when the context is done. After Close every
// method returns an error wrapping ErrClosed.
//
// A Driver is safe for concurrent use by many goroutines. The conformance suite
// in package storagetest checks all of the above.
type Driver interface {
	// Get returns the value stored under key. ok is false when there is no value
	// (a missing key, an expired one, or an empty value).
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Set stores value under key, replacing any previous value and its expiry. A
	// ttl greater than zero makes the value expire after that long; zero or less
	// keeps it until it is deleted. An empty value deletes key.
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Has reports whether a value is stored under key (Get would return ok).
	Has(ctx context.Context, key string) (bool, error)
	// Keys lists the keys holding a value whose normalized form starts with
	// prefix, byte for byte ("" lists all), in no particular order. Expired keys
	// are not listed. Pass a prefix that ends with ':' to list one folder: "a:"
	// lists "a:b" but not "ab".
	Keys(ctx context.Context, prefix string) ([]string, error)
	// Clear removes every key the driver holds, under its base only where it has
	// one: a Redis driver with base "app1" removes "app1:*" and nothing else.
	Clear(ctx context.Context) error
	// Close releases the driver's resources. A closed driver returns ErrClosed
	// from every method; closing it again returns nil.
	Close() error
}

// Swapper is implemented by drivers that offer an atomic conditional write. The
// session layer uses it to merge concurrent writes to one session without losing
// updates; on drivers without it the last writer wins.
type Swapper interface {
	// CompareAndSwap stores value under key only if the key currently holds old
	// (when exists is true) or holds no value (when exists is false; old is then
	// ignored). An expired record counts as no value. It reports whether the value
	// was written; false with a nil error means the key held something else. An
	// empty value makes it a conditional delete; ttl is as for Set.
	//
	// The comparison and the write are atomic with respect to every other call on
	// the same store, including calls from other processes sharing it (the fs
	// driver locks across processes; the remote drivers use the server's atomic
	// operations).
	CompareAndSwap(ctx context.Context, key, old string, exists bool, value string, ttl time.Duration) (swapped bool, err error)
}

// Batcher is implemented by drivers that check or delete many keys in a few
// round trips (a pipeline, one statement) instead of one call per key. The
// session layer uses it for a user's sessions (Manager.UserSessions,
// Manager.DestroyUser, the user index); without it, it calls Has and Delete for
// each key.
//
// Keys are taken as by Has and Delete: normalized, and a key that CleanKey
// refuses fails the whole call with an error wrapping ErrInvalidKey before
// anything is read or deleted. keys may be empty and may repeat a key.
type Batcher interface {
	// HasMany reports, for each key of keys in order, whether a value is stored
	// under it, as Has would: expired and empty records count as absent.
	HasMany(ctx context.Context, keys []string) ([]bool, error)
	// DeleteMany removes every key of keys; missing keys are not an error. It is
	// not atomic: after an error some of the keys may be gone.
	DeleteMany(ctx context.Context, keys []string) error
}

// AsBatcher returns d's own Batcher (native true) when d implements Batcher, or
// else one that checks every key with CleanKey, then calls d.Has or d.Delete
// for each key in turn: a call per key, for callers that need not tell the two
// apart.
func AsBatcher(d Driver) (b Batcher, native bool) {
	if b, ok := d.(Batcher); ok {
		return b, true
	}
	return oneByOne{d}, false
}

// oneByOne is the Batcher of a driver without one.
type oneByOne struct{ d Driver }

func (o oneByOne) HasMany(ctx context.Context, keys []string) ([]bool, error) {
	if err := cleanKeys(keys); err != nil {
		return nil, err
	}
	found := make([]bool, len(keys))
	for i, k := range keys {
		ok, err := o.d.Has(ctx, k)
		if err != nil {
			return nil, err
		}
		found[i] = ok
	}
	return found, nil
}

func (o oneByOne) DeleteMany(ctx context.Context, keys []string) error {
	if err := cleanKeys(keys); err != nil {
		return err
	}
	for _, k := range keys {
		if err := o.d.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func cleanKeys(keys []string) error {
	for _, k := range keys {
		if _, err := CleanKey(k); err != nil {
			return err
		}
	}
	return nil
}

// InProcess is implemented by drivers whose calls never wait on another
// machine (memory, fs). The session layer does not bound their calls with its
// store timeout: what they wait for is a lock held by another writer of the
// same store, which a deadline would turn into failed saves under load.
type InProcess interface {
	InProcess()
}

// Sweeper is implemented by drivers that keep expired records until something
// removes them (memory, fs), as opposed to servers that expire keys themselves.
// Sweep removes every expired record and reports how many it removed; it is safe
// to call while the driver is in use. Tools such as an operator CLI or a cron
// job call it; the drivers can also run it on an interval of their own.
type Sweeper interface {
	Sweep(ctx context.Context) (removed int, err error)
}

// Errors shared by all drivers. Drivers wrap them with %w and add what failed and where.
var (
	// ErrInvalidKey reports a key that the driver cannot store (empty, escaping the
	// base folder, too long, containing NUL, ...).
	ErrInvalidKey = errors.New("storage: invalid key")
	// ErrClosed reports a call on a driver after Close.
	ErrClosed = errors.New("storage: driver is closed")
	// ErrUnknownDriver reports a name that no driver registered.
	ErrUnknownDriver = errors.New("storage: unknown driver")
	// ErrInvalidOption reports a driver option that is unknown or has the wrong type or value.
	ErrInvalidOption = errors.New("storage: invalid driver option")
	// ErrTooLarge reports a value over a driver's size limit.
	ErrTooLarge = errors.New("storage: value too large")
)
