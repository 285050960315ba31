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
// folder on the local disk (by default .astro/session, the folder Astro's own
// fs-lite driver uses), laid out as Astro's fs-lite driver lays them out.
const DefaultDriver = "fs-lite"

// DefaultStoreTimeout bounds each storage call when Config.StoreTimeout is zero.
const DefaultStoreTimeout = time.Second

// Config configures a Manager. It mirrors Astro's `session` option; the zero
// value is usable and stores sessions with the fs-lite driver.
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
	// TTL is the default lifetime of each entry, as Astro's `ttl` (which Astro
	// counts in seconds: write 3600 * time.Second): every Set stores an expiry
	// of now+TTL unless it passes its own WithTTL or WithoutTTL. Zero means
	// entries do not expire; under one second is refused as a likely mistake.
	TTL time.Duration
	// IdleTimeout ends a session that has seen no request for this long. The
	// session records when it was last seen at most once per tenth of the
	// timeout, and the cookie's Max-Age follows. Zero disables it.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it was created (or last
	// regenerated), however active it is. Zero disables it.
	AbsoluteTimeout time.Duration
	// StrictRecords makes the read that meets a corrupt stored record (not a
	// devalue Map of entries) fail with ErrCorruptRecord, as Astro does. By
	// default the error is logged and the request goes on with an empty session
	// whose first write replaces the record under a new ID.
	StrictRecords bool
	// MaxRecordSize limits the size in bytes of a stored session record; a Set
	// that would exceed it fails with ErrTooLarge. Default 1 MiB; negative
	// disables the limit.
	MaxRecordSize int
	// StoreTimeout bounds each call to the storage driver (each read, each
	// write), so that a store that died or hangs fails the request within that
	// time instead of holding it. Writes are not cut short when the client goes
	// away, only by this bound. Default DefaultStoreTimeout, except for drivers
	// that run in this process (memory, fs: see storage.InProcess), whose calls
	// are not bounded unless StoreTimeout is set; negative disables it.
	StoreTimeout time.Duration
	// Logger receives warnings and the errors of saving sessions. Default slog.Default().
	Logger *slog.Logger
	// ErrorHandler answers a request whose session could not be saved before the
	// response was sent. Default: a plain 500 Internal Server Error.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Manager holds the configuration and the storage driver shared by all
// sessions. Create one with New; it is safe for concurrent use.
type Manager struct {
	store      storage.Driver
	swapper    storage.Swapper // nil when the driver has no compare-and-swap
	recent     *recentRecords  // nil unless swapper is set and the driver is across a network
	batcher    storage.Batcher // see storage.AsBatcher
	batch      int             // keys per batcher call: 1 when the driver does not batch
	ownsStore  bool
	driverName string
	cookie     CookieConfig
	ttl        time.Duration
	idle       time.Duration
	absolute   time.Duration
	maxRecord  int
	strict     bool
	timeout    time.Duration
	log        *slog.Logger
	onError    func(w http.ResponseWriter, r *http.Request, err error)
	clock      func() time.Time // for tests; nil means time.Now
}

// New checks the configuration and opens the storage driver.
func New(cfg Config) (*Manager, error) {
	m := &Manager{
		cookie: cfg.Cookie, ttl: cfg.TTL, idle: cfg.IdleTimeout, absolute: cfg.AbsoluteTimeout,
		maxRecord: cfg.MaxRecordSize, strict: cfg.StrictRecords, timeout: cfg.StoreTimeout,
		log: cfg.Logger, onError: cfg.ErrorHandler,
	}
	if err := m.cookie.normalize(); err != nil {
		return nil, err
	}
	if err := checkDurations(cfg); err != nil {
		return nil, err
	}
	if m.maxRecord == 0 {
		m.maxRecord = 1 << 20
	}
	if m.timeout == 0 {
		m.timeout = DefaultStoreTimeout
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.onError == nil {
		m.onError = func(w http.ResponseWriter, _ *http.Request, _ error) {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		}
	}
	if err := m.openStore(cfg); err != nil {
		return nil, err
	}
	m.swapper, _ = m.store.(storage.Swapper)
	b, native := storage.AsBatcher(m.store)
	m.batcher, m.batch = b, 1
	if native {
		m.batch = batchSize
	}
	_, local := m.store.(storage.InProcess)
	if local && cfg.StoreTimeout == 0 {
		m.timeout = -1
	}
	if m.swapper != nil && !local {
		m.recent = &recentRecords{texts: map[string]string{}}
	}
	return m, nil
}

// checkDurations refuses durations that cannot be meant: negative ones, and
// those under a second, which come from writing Astro's seconds as a Duration.
func checkDurations(cfg Config) error {
	names := []string{"TTL", "IdleTimeout", "AbsoluteTimeout"}
	for i, d := range []time.Duration{cfg.TTL, cfg.IdleTimeout, cfg.AbsoluteTimeout} {
		if d < 0 {
			return configError("%s must not be negative", names[i])
		}
		if d > 0 && d < time.Second {
			return configError("%s is %v: it is a time.Duration, not a number of seconds as in Astro (write %d * time.Second)", names[i], d, int64(d))
		}
	}
	return nil
}

func (m *Manager) openStore(cfg Config) error {
	if cfg.Storage != nil {
		m.store, m.driverName = cfg.Storage, fmt.Sprintf("%T", cfg.Storage)
		return nil
	}
	name := cfg.Driver
	if name == "" {
		name = DefaultDriver
	}
	d, err := storage.Open(name, cfg.Options)
	if errors.Is(err, storage.ErrUnknownDriver) {
		return fmt.Errorf("%w: %w (a driver package registers its name when imported, e.g. _ \"github.com/goastro/session/storage/redis\")", ErrInvalidConfig, err)
	}
	if err != nil {
		return fmt.Errorf("%w: driver %q: %w", ErrInvalidConfig, name, err)
	}
	m.store, m.ownsStore, m.driverName = d, true, name
	return nil
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

// CookieName returns the name of the session cookie, for frameworks that read
// it themselves before calling Start.
func (m *Manager) CookieName() string { return m.cookie.Name }

// nowMS is the time in whole epoch milliseconds, JavaScript's Date.now(), so
// that expiries are written as Astro writes them.
func (m *Manager) nowMS() float64 {
	if m.clock != nil {
		return float64(m.clock().UnixMilli())
	}
	return float64(time.Now().UnixMilli())
}
