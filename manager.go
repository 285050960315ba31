// Package session gives net/http applications server-side sessions with the
// semantics of Astro's sessions (Astro.session): a cookie holds only a random
// session ID, and the data lives in a storage driver chosen by name ("fs-lite",
// "memory", "redis", "postgres", ...) or passed as a value.
//
// Records are stored exactly as Astro stores them — the devalue text of a Map from
// key to {data, expires} under the session ID — so a Go service and an Astro site
// can share one session store and one cookie.
//
// Sessions load lazily: a request that never touches its session costs no
// storage call and sends no cookie. Changes are written once, before the response
// headers go out, and merged with concurrent writes to the same session where the
// driver offers an atomic conditional write.
package session

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/goastro/session/storage"
	_ "github.com/goastro/session/storage/fs"     // registers "fs", "fs-lite"
	_ "github.com/goastro/session/storage/memory" // registers "memory"
)

// DefaultDriver is the storage driver used when Config names none: files in a
// folder on the local disk, laid out as Astro's fs-lite driver lays them out.
const DefaultDriver = "fs-lite"

// DefaultBase is the folder the fs-lite driver uses when Config gives no "base" option.
const DefaultBase = ".sessions"

// Config configures a Manager. It mirrors Astro's `session` option; the zero
// value is usable and stores sessions in the .sessions folder.
type Config struct {
	// Driver is a storage driver name from the storage registry ("fs-lite",
	// "fs", "memory", and any driver package the program imports, such as
	// "redis" or "postgres"). Default DefaultDriver. Ignored when Storage is set.
	Driver string
	// Options are the driver options, as in Astro's config (for fs-lite: "base").
	Options map[string]any
	// Storage is a driver value to use instead of opening one by name. The
	// Manager does not close it.
	Storage storage.Driver
	// Cookie configures the session cookie.
	Cookie CookieConfig
	// TTL is the default lifetime of each entry, as Astro's `ttl`: every Set
	// stores an expiry of now+TTL unless it passes its own WithTTL. Zero means
	// entries do not expire.
	TTL time.Duration
	// IdleTimeout ends a session that has seen no request for this long. The
	// session records when it was last seen at most once per tenth of the timeout,
	// and the cookie's Max-Age follows. Zero disables it.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it was created (or last
	// regenerated), however active it is. Zero disables it.
	AbsoluteTimeout time.Duration
	// StrictRecords makes the read that meets a corrupt stored record (not a
	// devalue Map of entries) fail with ErrCorruptRecord, after destroying the
	// session, as Astro does. By default the record is removed, the error is
	// logged, and the request goes on with a new, empty session.
	StrictRecords bool
	// MaxRecordSize limits the size in bytes of a stored session record; a Set
	// that would exceed it fails with ErrTooLarge. Default 1 MiB; negative disables the limit.
	MaxRecordSize int
	// RecordCache is how many parsed session records the Manager keeps in
	// memory, by session ID, with their text: a request that reads the very
	// record its session's previous request wrote or read takes it without
	// parsing it again. The text read from the store decides, so a record
	// written elsewhere is never missed. Default DefaultRecordCache; negative
	// turns the cache off.
	RecordCache int
	// WriteTimeout bounds the write of a session at the end of a request, which
	// does not stop when the client goes away. Default 10 seconds.
	WriteTimeout time.Duration
	// Logger receives warnings and the errors of saving sessions. Default slog.Default().
	Logger *slog.Logger
	// ErrorHandler answers a request whose session could not be saved before the
	// response was sent. Default: a plain 500 Internal Server Error.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Manager holds the configuration and the storage driver shared by all
// sessions. Create one with New; it is safe for concurrent use.
type Manager struct {
	store        storage.Driver
	swapper      storage.Swapper
	ownsStore    bool
	cookie       CookieConfig
	ttl          time.Duration
	idle         time.Duration
	absolute     time.Duration
	maxRecord    int
	strict       bool
	writeTimeout time.Duration
	log          *slog.Logger
	onError      func(w http.ResponseWriter, r *http.Request, err error)
	driverName   string
	clock        func() time.Time // for tests; nil means time.Now
	cache        *recordCache     // nil when off
}

// New checks the configuration and opens the storage driver.
func New(cfg Config) (*Manager, error) {
	m := &Manager{
		cookie:       cfg.Cookie,
		ttl:          cfg.TTL,
		idle:         cfg.IdleTimeout,
		absolute:     cfg.AbsoluteTimeout,
		maxRecord:    cfg.MaxRecordSize,
		strict:       cfg.StrictRecords,
		writeTimeout: cfg.WriteTimeout,
		log:          cfg.Logger,
		onError:      cfg.ErrorHandler,
	}
	if err := m.cookie.normalize(); err != nil {
		return nil, err
	}
	if m.ttl < 0 || m.idle < 0 || m.absolute < 0 {
		return nil, configError("TTL, IdleTimeout and AbsoluteTimeout must not be negative")
	}
	switch {
	case cfg.RecordCache == 0:
		m.cache = newRecordCache(DefaultRecordCache)
	case cfg.RecordCache > 0:
		m.cache = newRecordCache(cfg.RecordCache)
	}
	if m.maxRecord == 0 {
		m.maxRecord = 1 << 20
	}
	if m.writeTimeout <= 0 {
		m.writeTimeout = 10 * time.Second
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.onError == nil {
		m.onError = func(w http.ResponseWriter, _ *http.Request, _ error) {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		}
	}
	if cfg.Storage != nil {
		m.store = cfg.Storage
		m.driverName = fmt.Sprintf("%T", cfg.Storage)
	} else {
		name := cfg.Driver
		if name == "" {
			name = DefaultDriver
		}
		opts := cfg.Options
		if isFS(name) {
			if _, ok := opts["base"]; !ok {
				opts = withOption(opts, "base", DefaultBase)
			}
			m.log.Warn("session: the fs-lite driver keeps sessions on this machine's disk; use a shared store such as redis or postgres when the application runs on more than one instance",
				"driver", name, "base", opts["base"])
		}
		d, err := storage.Open(name, opts)
		if err != nil {
			if errors.Is(err, storage.ErrUnknownDriver) {
				return nil, fmt.Errorf("%w: %w (a driver package registers its name when imported, e.g. _ \"github.com/goastro/session/storage/redis\")", ErrInvalidConfig, err)
			}
			return nil, fmt.Errorf("%w: driver %q: %w", ErrInvalidConfig, name, err)
		}
		m.store, m.ownsStore, m.driverName = d, true, name
	}
	m.swapper, _ = m.store.(storage.Swapper)
	return m, nil
}

// Close closes the storage driver when the Manager opened it by name.
func (m *Manager) Close() error {
	if m.ownsStore {
		return m.store.Close()
	}
	return nil
}

// Storage returns the driver the sessions are stored in.
func (m *Manager) Storage() storage.Driver { return m.store }

func isFS(name string) bool {
	return name == "fs" || name == "fs-lite" || name == "fsLite"
}

func withOption(opts map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(opts)+1)
	for key, val := range opts {
		out[key] = val
	}
	out[k] = v
	return out
}
