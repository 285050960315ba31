package session

import (
	"errors"
	"fmt"

	"github.com/goastro/session/internal/record"
)

// Errors returned by the session layer. Match them with errors.Is; the returned
// errors wrap them with the details (key, driver, cause).
var (
	// ErrInvalidConfig reports a Config that cannot work (bad cookie name, unknown driver, ...).
	ErrInvalidConfig = errors.New("session: invalid configuration")
	// ErrNotSerializable reports a value given to Set that devalue cannot store
	// (a func, a channel, a complex number, ...). It wraps devalue's error, which names the path.
	ErrNotSerializable = record.ErrNotSerializable
	// ErrInvalidKey reports an empty session key, or the reserved MetaKey.
	ErrInvalidKey = errors.New("session: invalid session key")
	// ErrCorruptRecord reports a stored record that is not a devalue Map of
	// entries, or a stored value that cannot be read. Reads return it for a whole
	// record only with Config.StrictRecords.
	ErrCorruptRecord = record.ErrCorrupt
	// ErrValueType reports a stored value that does not fit the Go type a typed
	// read asked for. The error names the key; Key.GetOrDrop recovers from it.
	ErrValueType = errors.New("session: stored value does not fit the type")
	// ErrStorage reports a failed call to the storage driver.
	ErrStorage = errors.New("session: storage failed")
	// ErrInvalidID reports a session ID that is not a lowercase version 4 UUID.
	ErrInvalidID = errors.New("session: invalid session ID")
	// ErrNotFound reports that Load was given an ID with no stored session.
	ErrNotFound = errors.New("session: no session with that ID")
	// ErrHeadersWritten reports a change that needs a new cookie after the response
	// headers were sent, when the client could never learn the session ID.
	ErrHeadersWritten = errors.New("session: response headers already written")
	// ErrConflict reports that a write kept losing to concurrent writers of the same
	// session and was given up after many attempts.
	ErrConflict = errors.New("session: too many concurrent writes to one session")
	// ErrTooLarge reports a session record over Config.MaxRecordSize.
	ErrTooLarge = errors.New("session: session data too large")
)

// storageError wraps a driver's error with what the session layer was doing.
// Session IDs are bearer credentials: any ID in the driver's message (a file
// path, a key) is shown as its fingerprint, so logs never hold a usable ID.
func (m *Manager) storageError(doing string, err error) error {
	return fmt.Errorf("%w: %s with driver %s: %w", ErrStorage, doing, m.driverName, record.RedactIDs(err))
}

func keyError(key string) error {
	if key == "" {
		return fmt.Errorf("%w: the session key was not provided", ErrInvalidKey)
	}
	return fmt.Errorf("%w: %q is reserved", ErrInvalidKey, key)
}

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}
