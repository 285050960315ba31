package storage

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	registryMu sync.RWMutex
	registry   = map[string]func(map[string]any) (Driver, error){}
)

// Register makes a driver available under name to Open. Driver packages call it
// from an init function. open receives the options of a configuration file (a
// JSON-like map: strings, float64 or int numbers, booleans, or nil when there
// are none) and should read them with NewOptions, so that unknown and mistyped
// options are reported the same way by every driver. Register panics when name is empty, open is nil, or name
// is already registered: those are programming errors, as in database/sql.
func Register(name string, open func(options map[string]any) (Driver, error)) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if name == "" {
		panic("storage: Register with an empty driver name")
	}
	if open == nil {
		panic("storage: Register of driver " + strconv.Quote(name) + " with a nil open function")
	}
	if _, dup := registry[name]; dup {
		panic("storage: Register called twice for driver " + strconv.Quote(name))
	}
	registry[name] = open
}

// Open opens the driver registered under name with its options (nil for none).
// The driver package must be linked in, usually with a blank import such as
//
//	import _ "github.com/goastro/session/storage/fs"
//
// An unknown name returns an error wrapping ErrUnknownDriver that lists the
// registered names; options the driver does not accept return an error wrapping
// ErrInvalidOption that lists the ones it does.
func Open(name string, options map[string]any) (Driver, error) {
	registryMu.RLock()
	open, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		names := Names()
		list := "none; import a driver package such as github.com/goastro/session/storage/memory"
		if len(names) > 0 {
			list = strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("%w %q (registered: %s)", ErrUnknownDriver, name, list)
	}
	return open(options)
}

// Names returns the names of the registered drivers, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Options reads the options map given to Open. Each getter returns the option's
// value, or the default when the option is absent (or nil), and remembers the
// name as accepted. A value of the wrong type records an error instead. After
// reading every option it accepts, a driver calls Err, which also reports the
// options nobody asked for; all errors wrap ErrInvalidOption and name the driver.
//
//	o := storage.NewOptions("memory", options)
//	maxEntries := o.Int("maxEntries", 0)
//	if err := o.Err(); err != nil {
//		return nil, err
//	}
type Options struct {
	driver   string
	values   map[string]any
	accepted []string
	errs     []error
}

// NewOptions returns a reader of options for the named driver.
func NewOptions(driver string, options map[string]any) *Options {
	return &Options{driver: driver, values: options}
}

func (o *Options) lookup(name string) (any, bool) {
	if !slices.Contains(o.accepted, name) {
		o.accepted = append(o.accepted, name)
	}
	v, ok := o.values[name]
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

func (o *Options) fail(name string, v any, want string) {
	o.errs = append(o.errs, fmt.Errorf("%w: %s: option %q must be %s, got %s", ErrInvalidOption, o.driver, name, want, jsonType(v)))
}

// Failf records an error about option name, for checks a getter cannot make
// (a negative size, a missing required value, ...).
func (o *Options) Failf(name, format string, args ...any) {
	o.errs = append(o.errs, fmt.Errorf("%w: %s: option %q %s", ErrInvalidOption, o.driver, name, fmt.Sprintf(format, args...)))
}

// Has reports whether option name was given (and is not nil). It marks the name
// as accepted.
func (o *Options) Has(name string) bool {
	_, ok := o.lookup(name)
	return ok
}

// String returns option name as a string. Its errors name the type of a wrong
// value but never the value, which may be a password or a connection string.
func (o *Options) String(name, def string) string {
	v, ok := o.lookup(name)
	if !ok {
		return def
	}
	s, ok := v.(string)
	if !ok {
		o.fail(name, v, "a string")
		return def
	}
	return s
}

// Bool returns option name as a boolean; it accepts a bool or the strings
// "true" and "false".
func (o *Options) Bool(name string, def bool) bool {
	v, ok := o.lookup(name)
	if !ok {
		return def
	}
	switch b := v.(type) {
	case bool:
		return b
	case string:
		if p, err := strconv.ParseBool(b); err == nil {
			return p
		}
	}
	o.fail(name, v, "a boolean")
	return def
}

// Int64 returns option name as an integer; it accepts any Go integer type, a
// float64 holding a whole number (what encoding/json yields) and a decimal string.
func (o *Options) Int64(name string, def int64) int64 {
	v, ok := o.lookup(name)
	if !ok {
		return def
	}
	if n, ok := toInt64(v); ok {
		return n
	}
	o.fail(name, v, "a whole number")
	return def
}

// Int is Int64 for an int.
func (o *Options) Int(name string, def int) int {
	n := o.Int64(name, int64(def))
	if n < math.MinInt || n > math.MaxInt {
		o.Failf(name, "is out of range: %d", n)
		return def
	}
	return int(n)
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return int64(n), n <= math.MaxInt64
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float32:
		return toInt64(float64(n))
	case float64:
		if n != math.Trunc(n) || n < -(1<<63) || n >= 1<<63 {
			return 0, false
		}
		return int64(n), true
	case string:
		p, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return p, err == nil
	}
	return 0, false
}

// Duration returns option name as a duration. It accepts a time.Duration, a
// string in time.ParseDuration form ("90s", "1h30m"), or a number of seconds (as
// unstorage's ttl options are given), which may be fractional.
func (o *Options) Duration(name string, def time.Duration) time.Duration {
	v, ok := o.lookup(name)
	if !ok {
		return def
	}
	switch d := v.(type) {
	case time.Duration:
		return d
	case string:
		if p, err := time.ParseDuration(strings.TrimSpace(d)); err == nil {
			return p
		}
	case float64:
		if !math.IsNaN(d) && math.Abs(d) < float64(math.MaxInt64)/float64(time.Second) {
			return time.Duration(d * float64(time.Second))
		}
	case float32:
		return time.Duration(float64(d) * float64(time.Second))
	default:
		if n, ok := toInt64(v); ok && n > math.MinInt64/int64(time.Second) && n < math.MaxInt64/int64(time.Second) {
			return time.Duration(n) * time.Second
		}
	}
	o.fail(name, v, `a duration ("90s", "1h") or a number of seconds`)
	return def
}

// Err returns the errors recorded by the getters and one for every option that
// no getter asked for, listing the accepted ones; nil when all is well.
func (o *Options) Err() error {
	var unknown []string
	for k := range o.values {
		if !slices.Contains(o.accepted, k) {
			unknown = append(unknown, k)
		}
	}
	errs := o.errs
	if len(unknown) > 0 {
		sort.Strings(unknown)
		acc := slices.Clone(o.accepted)
		sort.Strings(acc)
		list := "none"
		if len(acc) > 0 {
			list = strings.Join(acc, ", ")
		}
		for _, k := range unknown {
			errs = append(errs, fmt.Errorf("%w: %s: unknown option %q (accepted: %s)", ErrInvalidOption, o.driver, k, list))
		}
	}
	return errors.Join(errs...)
}

// jsonType names the type of an option value without showing the value, which
// may be a password.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}
