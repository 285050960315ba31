package session

import (
	"fmt"
)

// Get returns the value under key decoded into T, with ok false when the session
// has no such key. Decoding follows devalue.Decode: numbers into any numeric
// kind, objects into structs (devalue or json tags) and maps, Dates into
// time.Time, and so on; a value that does not fit T is an error naming the path.
func Get[T any](s *Session, key string) (value T, ok bool, err error) {
	ok, err = s.lookupInto(key, &value)
	if err != nil {
		var zero T
		if ok {
			err = fmt.Errorf("session: key %q: %w", key, err)
		}
		return zero, false, err
	}
	return value, ok, nil
}

// Update reads the value under key, passes it to fn (ok is false when the key
// is absent) and stores what fn returns. If another request writes the same
// session first, fn runs again on the value that request stored, so concurrent
// read-modify-write requests (adding to a cart) lose nothing on drivers with
// conditional writes. fn may therefore run more than once, and must not use the
// session itself.
func Update[T any](s *Session, key string, fn func(old T, ok bool) (T, error), opts ...SetOption) error {
	var o SetOption
	for _, opt := range opts {
		o = opt
	}
	return s.update(key, func(old *value, ok bool) (any, error) {
		var t T
		if ok {
			if err := old.decode(&t); err != nil {
				return nil, fmt.Errorf("session: key %q: %w", key, err)
			}
		}
		return fn(t, ok)
	}, o)
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
