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

// Driver is a key-value store for session records. Keys are unstorage keys
// (segments separated by ':'); values are text, stored verbatim. Every method takes
// a context and must return promptly once it is cancelled.
//
// A Driver is safe for concurrent use by many goroutines.
type Driver interface {
	// Get returns the value stored under key. ok is false when there is no value
	// (a missing key, an expired one, or an empty value).
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Set stores value under key. A ttl greater than zero makes the value expire
	// after that long; zero keeps it until it is deleted.
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Has reports whether a value is stored under key.
	Has(ctx context.Context, key string) (bool, error)
	// Keys lists the keys that start with prefix ("" lists all), in no particular order.
	Keys(ctx context.Context, prefix string) ([]string, error)
	// Clear removes every key the driver holds (under its base, where it has one).
	Clear(ctx context.Context) error
	// Close releases the driver's resources. A closed driver returns ErrClosed.
	Close() error
}

// Swapper is implemented by drivers that offer an atomic conditional write. The
// session layer uses it to merge concurrent writes to one session without losing
// updates; on drivers without it the last writer wins.
type Swapper interface {
	// CompareAndSwap stores value under key only if the key currently holds old
	// (when exists is true) or holds no value (when exists is false). It reports
	// whether the value was written; false with a nil error means another writer
	// changed the key first.
	CompareAndSwap(ctx context.Context, key, old string, exists bool, value string, ttl time.Duration) (swapped bool, err error)
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
