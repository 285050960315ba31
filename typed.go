package session

import (
	"errors"
	"fmt"

	"github.com/goastro/session/devalue"
)

// Get returns the value under key decoded into T, with ok false when the session
// has no such key. Decoding follows devalue.Decode: numbers into any numeric
// kind, objects into structs (devalue or json tags) and maps, Dates into
// time.Time, and so on. A stored value that does not fit T (written by an older
// version of the application, or by an Astro page) is an error wrapping
// ErrValueType that names the key and the path; Key.GetOrDrop recovers from it.
func Get[T any](s *Session, key string) (value T, ok bool, err error) {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(key)
	if e == nil {
		return value, false, err
	}
	if err := decodeInto(key, e.Data, &value); err != nil {
		return *new(T), false, err
	}
	return value, true, nil
}

// decodeInto decodes a stored value into out, naming the key in its error.
func decodeInto(key string, data, out any) error {
	err := devalue.Decode(data, out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, devalue.ErrType):
		return fmt.Errorf("%w: key %q: %w", ErrValueType, key, err)
	}
	return fmt.Errorf("%w: key %q: %w", ErrCorruptRecord, key, err)
}

// Update reads the value under key, passes it to fn (ok is false when the key
// is absent) and saves what fn returns at once, with the session's other
// pending changes. If another request writes the same session first, fn runs
// again on the value that request stored, so concurrent read-modify-write
// requests (adding to a cart) lose nothing on drivers with compare-and-swap; fn
// may therefore run more than once, and must not use the session itself. An
// error from fn is returned as it is and changes nothing. A stored value that
// does not fit T gives an error wrapping ErrValueType.
func Update[T any](s *Session, key string, fn func(old T, ok bool) (T, error), opts ...SetOption) error {
	return s.update(&update{key: key, opts: opts, apply: func(old any, ok bool) (any, error) {
		var t T
		if ok {
			if err := decodeInto(key, old, &t); err != nil {
				return nil, err
			}
		}
		return fn(t, ok)
	}})
}

// update saves the session with upd applied to its record.
func (s *Session) update(upd *update) error {
	if upd.key == "" || upd.key == MetaKey {
		return keyError(upd.key)
	}
	s.lock()
	defer s.mu.Unlock()
	if err := s.prepareWrite(); err != nil {
		return err
	}
	return s.save(upd)
}

// Key is a session key whose value has the type T, so that reads and writes are
// checked by the compiler: the Go counterpart of Astro's App.SessionData.
//
//	var Cart = session.NewKey[[]Item]("cartItems")
//	items, ok, err := Cart.Get(s)
type Key[T any] struct {
	name string
	opts []SetOption
}

// NewKey declares a typed key. The options (such as WithTTL) apply to every Set through it.
func NewKey[T any](name string, opts ...SetOption) Key[T] {
	return Key[T]{name: name, opts: opts}
}

// Name returns the key's name in the session.
func (k Key[T]) Name() string { return k.name }

// Get returns the value under the key, with ok false when it is absent.
func (k Key[T]) Get(s *Session) (T, bool, error) { return Get[T](s, k.name) }

// GetOrDrop is Get for values whose type may have changed: when the stored
// value does not fit T, it deletes the key, logs a warning and reports the key
// as absent, so that a change of the application's types never locks a visitor
// out. Other errors (a store that failed) are returned.
func (k Key[T]) GetOrDrop(s *Session) (T, bool, error) {
	v, ok, err := Get[T](s, k.name)
	if errors.Is(err, ErrValueType) {
		s.m.log.Warn("session: dropped a stored value that no longer fits its type", "key", k.name, "error", err)
		s.Delete(k.name)
		return v, false, nil
	}
	return v, ok, err
}

// Set stores v under the key.
func (k Key[T]) Set(s *Session, v T, opts ...SetOption) error {
	return s.Set(k.name, v, append(k.opts[:len(k.opts):len(k.opts)], opts...)...)
}

// Update is Update for this key.
func (k Key[T]) Update(s *Session, fn func(old T, ok bool) (T, error)) error {
	return Update(s, k.name, fn, k.opts...)
}

// Delete removes the key.
func (k Key[T]) Delete(s *Session) { s.Delete(k.name) }
