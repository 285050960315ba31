package session

import (
	"context"
	"fmt"
	"github.com/goastro/session/internal/record"
	"math"
	"slices"
	"sync"
	"time"
)

// Session is the session of one request, started with Manager.Start (the
// middleware does it) and reached with From(ctx). It reads its record on the
// first read and writes what changed when it is finished. Its methods are safe
// for concurrent use by the goroutines of one request.
type Session struct {
	m   *Manager
	ctx context.Context // the request's context, for reads
	mu  sync.Mutex

	// The identity and the cookie.
	id         string      // "" when the session has none yet
	fromClient bool        // id came from the cookie and was not yet found in the store
	cookie     cookieState // what Finish does to the cookie
	sealed     bool        // Finish ran: the cookie can no longer change
	used       bool        // a method was called

	// What was loaded: the stored record and its text, for the conditional write.
	loaded    bool
	loadErr   error         // why the record could not be read
	base      record.Record // the stored record as read, until it is merged into data
	stored    string
	storedOK  bool
	unchecked bool   // stored came from Manager.recent, not yet checked against the store
	newID     bool   // the ID was made in this request and its cookie is not sent yet
	emptyID   string // a stored record with nothing in it, replaced by the first write

	// The session as the request sees it, as Astro keeps it: the entries this
	// request set, then, once something is read, the stored ones merged in.
	data   record.Record
	merged bool // the stored record has been merged into data

	// What is pending, saved by Finish, Save or the next Update.
	changes   changeLog     // sets and deletes, replayed on a newer record if another writer saves first
	metaSet   bool          // data.Meta changed
	destroy   []string      // IDs whose records are removed
	index     []indexChange // removals from users' indexes
	indexAdd  bool          // add the session to its user's index
	sizeBound int           // upper bound of the record's size with the pending changes
}

type cookieState uint8

const (
	cookieKeep cookieState = iota
	cookieSend
	cookieDelete
)

// change is what this request did to one key: set it to e, or delete it.
type change struct {
	key string
	del bool
	e   record.Entry
}

type changeLog []change

func (l changeLog) get(key string) *change {
	for i := range l {
		if l[i].key == key {
			return &l[i]
		}
	}
	return nil
}

func (l *changeLog) put(c change) {
	if old := l.get(c.key); old != nil {
		*old = c
		return
	}
	*l = append(*l, c)
}

// SetOption modifies a Set.
type SetOption struct {
	ttl  time.Duration
	mode ttlMode
}

type ttlMode uint8

const (
	ttlDefault ttlMode = iota // Config.TTL
	ttlGiven                  // ttl
	ttlNever
	ttlKeep // no expiry when the entry replaced has none
)

// WithTTL gives the entry its own lifetime, overriding Config.TTL, as Astro's
// set(key, value, { ttl }): the entry expires d after the call. As in Astro,
// zero expires it at once and a negative d stores it already expired.
func WithTTL(d time.Duration) SetOption { return SetOption{ttl: d, mode: ttlGiven} }

// WithoutTTL stores the entry with no expiry, whatever Config.TTL says.
func WithoutTTL() SetOption { return SetOption{mode: ttlNever} }

// KeepTTL stores the value without expiry when the key holds an entry stored
// without one, and with the TTL the other options give (Config.TTL by default)
// otherwise: a key that lives as long as the session once WithoutTTL set it,
// and expires while it never was. Update checks the entry it replaces; Set
// with KeepTTL reads the session to check it.
func KeepTTL() SetOption { return SetOption{mode: ttlKeep} }

// lock takes the session's lock, and explains a nil session.
func (s *Session) lock() {
	if s == nil {
		panic("session: no session: the request did not pass through Manager.Middleware (or Manager.Start and NewContext), so session.From returned nil")
	}
	s.mu.Lock()
	s.used = true
}

// load reads the stored record, once. A client's ID with no record behind it
// is replaced at the first write, so a client never chooses its session ID.
func (s *Session) load(write bool) error {
	if s.loaded {
		return nil
	}
	if s.id == "" || !s.fromClient {
		s.loaded = true
		return nil
	}
	if s.loadErr != nil {
		return s.loadErr // a store that failed is not waited for again in the same request
	}
	if write && s.loadRecent() {
		return nil
	}
	text, ok, err := s.m.get(s.ctx, s.id, "reading the session")
	if err != nil {
		s.loadErr = err
		return err
	}
	s.loaded, s.fromClient = true, false
	if !ok {
		s.replaceID()
		return nil
	}
	now := s.m.nowMS()
	rec, err := record.Decode(text, now)
	if err != nil {
		// Another program (Astro's fs driver) may be rewriting the record in
		// place: a torn read is read again before the record counts as corrupt.
		time.Sleep(tornReadWait)
		if again, ok2, err2 := s.m.get(s.ctx, s.id, "reading the session"); err2 == nil && ok2 && again != text {
			text, ok = again, ok2
			rec, err = record.Decode(text, now)
		}
	}
	switch {
	case err != nil && s.m.strict:
		s.m.log.Error("session: destroyed a session whose stored record could not be parsed", "driver", s.m.driverName, "session", record.LogID(s.id), "error", err)
		s.stored, s.storedOK = text, true
		s.destroyLocked()
		return fmt.Errorf("session with driver %s: %w", s.m.driverName, err)
	case err != nil:
		s.m.log.Error("session: removed a stored record that could not be parsed; the request goes on with a new session",
			"driver", s.m.driverName, "session", record.LogID(s.id), "error", err)
		s.destroy = append(s.destroy, s.id)
		s.replaceID()
	case s.m.expiredMeta(rec.Meta, now):
		// Past its idle timeout or absolute lifetime: answered as an unknown
		// ID, and its record removed.
		s.destroy = append(s.destroy, s.id)
		s.replaceID()
	case len(rec.Entries) == 0 && rec.Meta == nil:
		// Nothing left in it: answered as an unknown ID, without a write; the
		// first write replaces it.
		s.emptyID = s.id
		s.replaceID()
	default:
		s.base, s.stored, s.storedOK = *rec, text, true
		s.sizeBound += len(text)
	}
	return nil
}

// loadRecent loads, for a save, the record this process last saw for the
// session (Manager.recent) instead of reading it, when that record is a live
// one. The save's compare-and-swap checks it (see saveRecord).
func (s *Session) loadRecent() bool {
	text, ok := s.m.recent.get(s.id)
	if !ok {
		return false
	}
	now := s.m.nowMS()
	rec, err := record.Decode(text, now)
	if err != nil || s.m.expiredMeta(rec.Meta, now) || (len(rec.Entries) == 0 && rec.Meta == nil) {
		return false // such a record is read from the store before anything is done to it
	}
	s.loaded, s.fromClient, s.unchecked = true, false, true
	s.base, s.stored, s.storedOK = *rec, text, true
	s.sizeBound += len(text)
	return true
}

// tornReadWait is how long a record that does not parse is given to be
// completely written by another program before it is read again.
const tornReadWait = 20 * time.Millisecond

// replaceID gives the session a new ID in place of the one the client sent.
func (s *Session) replaceID() {
	s.id, s.newID, s.stored, s.storedOK = NewID(), true, "", false
	if len(s.changes) > 0 && !s.sealed {
		s.cookie = cookieSend
	}
}

// merge loads the stored record and adds its entries that this request has not
// set or deleted after the local ones, as Astro merges a partial session.
func (s *Session) merge(write bool) error {
	if s.merged {
		return nil
	}
	if err := s.load(write); err != nil {
		return err
	}
	s.merged = true
	if len(s.changes) == 0 {
		s.data.Entries = s.base.Entries // nothing local: the stored entries as they are
	} else {
		for _, e := range s.base.Entries {
			if s.changes.get(e.Key) == nil {
				s.data.Entries = append(s.data.Entries, e)
			}
		}
	}
	if !s.metaSet {
		s.data.Meta = s.base.Meta
	}
	s.base = record.Record{}
	if md := s.data.Meta; md != nil && s.m.refreshDue(md, s.m.nowMS()) && !s.sealed {
		s.metaSet, s.cookie = true, cookieSend // slide the idle timeout, and the cookie with it
	}
	return nil
}

// lookup returns the live entry under key.
func (s *Session) lookup(key string) (*record.Entry, error) {
	if err := s.merge(false); err != nil {
		return nil, err
	}
	if e, ok := s.data.Get(key); ok && !e.Expired(s.m.nowMS()) && key != MetaKey {
		return e, nil
	}
	return nil, nil
}

// setEntry sets e in data and records the change.
func (s *Session) setEntry(e record.Entry) {
	if i := s.data.Find(e.Key); i >= 0 {
		s.data.Entries[i] = e
	} else {
		s.data.Entries = append(s.data.Entries, e)
	}
	s.changes.put(change{key: e.Key, e: e})
}

// ID returns the session ID, or "" when the session has none yet (no valid
// cookie and nothing set). It does not read the store.
func (s *Session) ID() string {
	s.lock()
	defer s.mu.Unlock()
	return s.id
}

// Get returns the value stored under key, in the value model of package devalue
// (string, float64, bool, nil, *devalue.Object, *devalue.Date, ...), or nil when
// there is none. The value is the session's own: do not modify it. Use the
// generic Get or a Key for typed access.
func (s *Session) Get(key string) (any, error) {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(key)
	if e == nil {
		return nil, err
	}
	return e.Data, nil
}

// Has reports whether key holds a value (which may be null or undefined).
func (s *Session) Has(key string) (bool, error) {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(key)
	return e != nil, err
}

// Keys returns the session's keys in order.
func (s *Session) Keys() ([]string, error) {
	s.lock()
	defer s.mu.Unlock()
	if err := s.merge(false); err != nil {
		return nil, err
	}
	now := s.m.nowMS()
	keys := make([]string, 0, len(s.data.Entries))
	for _, e := range s.data.Entries {
		if e.Key != MetaKey && !e.Expired(now) {
			keys = append(keys, e.Key)
		}
	}
	return keys, nil
}

// Set stores value under key. The value is copied at once into devalue's model
// (see devalue.ValueOf), so later changes to it are not seen; a value devalue
// cannot store (a func, a channel, ...) is rejected with ErrNotSerializable
// naming the path, and a record that would exceed Config.MaxRecordSize with
// ErrTooLarge. The key's expiry is counted from this call.
func (s *Session) Set(key string, value any, opts ...SetOption) error {
	if key == "" || key == MetaKey {
		return keyError(key)
	}
	s.lock()
	defer s.mu.Unlock()
	var old *record.Entry
	if slices.ContainsFunc(opts, func(o SetOption) bool { return o.mode == ttlKeep }) {
		var err error
		if old, err = s.lookup(key); err != nil {
			return err
		}
	}
	e, err := s.m.newEntry(key, value, old, opts)
	if err != nil {
		return err
	}
	if err := s.checkSize(e); err != nil {
		return err
	}
	if err := s.prepareWrite(); err != nil {
		return err
	}
	s.setEntry(e)
	return nil
}

// newEntry copies value into the model, with its expiry counted from now. old
// is the live entry it replaces, if any, for KeepTTL.
func (m *Manager) newEntry(key string, value any, old *record.Entry, opts []SetOption) (record.Entry, error) {
	data, err := record.Codec.ValueOf(value)
	if err != nil {
		return record.Entry{}, fmt.Errorf("%w: the session data for %q could not be serialized: %w", ErrNotSerializable, key, err)
	}
	ttl, expires := m.ttl, m.ttl != 0
	keep := false
	for _, opt := range opts {
		switch opt.mode {
		case ttlKeep:
			keep = true
		case ttlGiven, ttlNever:
			ttl, expires = opt.ttl, opt.mode == ttlGiven
		}
	}
	if keep && old != nil && !old.HasExp {
		expires = false
	}
	e := record.Entry{Key: key, Data: data, HasExp: expires}
	if expires {
		e.Expires = m.nowMS() + math.Round(float64(ttl)/float64(time.Millisecond))
	}
	return e, nil
}

// checkSize reports ErrTooLarge when the record with e set would exceed the
// limit. Only when a cheap upper bound of the size could exceed it is the record
// written out to measure it.
func (s *Session) checkSize(e record.Entry) error {
	if s.m.maxRecord <= 0 {
		return nil
	}
	if err := s.load(false); err != nil {
		return nil // not checked: the save fails with this error, so nothing is lost silently
	}
	budget := 4096
	if n, ok := record.SizeBound(e.Data, &budget); ok && s.sizeBound+n+6*len(e.Key)+48 <= s.m.maxRecord {
		s.sizeBound += n + 6*len(e.Key) + 48
		return nil
	}
	if err := s.merge(false); err != nil {
		return err
	}
	rec := record.Record{Entries: append([]record.Entry(nil), s.data.Entries...), Meta: s.data.Meta}
	if i := rec.Find(e.Key); i >= 0 {
		rec.Entries[i] = e
	} else {
		rec.Entries = append(rec.Entries, e)
	}
	text, _, err := rec.Encode(s.m.nowMS())
	if err != nil {
		return err
	}
	if len(text) > s.m.maxRecord {
		return fmt.Errorf("%w: with the value for %q the session record would take %d bytes, over the limit of %d", ErrTooLarge, e.Key, len(text), s.m.maxRecord)
	}
	s.sizeBound = len(text)
	return nil
}

// prepareWrite gives the session an ID before a change, and marks its cookie
// to be sent.
func (s *Session) prepareWrite() error {
	if s.sealed && (s.id == "" || s.newID) {
		return fmt.Errorf("%w: a new session needs its cookie, which can no longer be sent", ErrHeadersWritten)
	}
	if s.id == "" {
		s.id, s.loaded, s.newID = NewID(), true, true
	}
	if !s.sealed {
		s.cookie = cookieSend
	}
	return nil
}

// Delete removes key. Like Set it does not read the store.
func (s *Session) Delete(key string) {
	if key == MetaKey || key == "" {
		return
	}
	s.lock()
	defer s.mu.Unlock()
	if i := s.data.Find(key); i >= 0 {
		s.data.Entries = append(s.data.Entries[:i], s.data.Entries[i+1:]...)
	}
	s.changes.put(change{key: key, del: true})
}

// Flash returns the value under key and deletes it: a message that is read once,
// such as a notice shown after a redirect. It returns nil when there is none.
func (s *Session) Flash(key string) (any, error) {
	v, err := s.Get(key)
	if err == nil && v != nil {
		s.Delete(key) // a stored null or undefined is left as it is
	}
	return v, err
}

// Regenerate gives the session a new ID and keeps its data; the old record is
// removed when the session is saved. Call it after a login or a change of
// privileges: it defeats session fixation.
func (s *Session) Regenerate() error {
	s.lock()
	defer s.mu.Unlock()
	if err := s.merge(false); err != nil {
		return err
	}
	if s.sealed {
		return fmt.Errorf("%w: the regenerated session's cookie can no longer be sent", ErrHeadersWritten)
	}
	if s.id != "" && s.storedOK {
		s.destroy = append(s.destroy, s.id)
		if md := s.data.Meta; md != nil && md.User != "" {
			s.index = append(s.index, indexChange{user: md.User, id: s.id})
		}
	}
	s.id, s.fromClient, s.loaded, s.newID = NewID(), false, true, true
	s.stored, s.storedOK = "", false
	s.changes = s.changes[:0]
	for _, e := range s.data.Entries {
		s.changes = append(s.changes, change{key: e.Key, e: e})
	}
	if md := s.data.Meta; md != nil {
		md.Created = s.m.nowMS()
		s.metaSet = true
		s.indexAdd = md.User != ""
	}
	s.cookie = cookieSend
	return nil
}

// Destroy deletes the session: its record is removed when the session is saved,
// and the cookie is expired. A later Set in the same request starts a new session.
func (s *Session) Destroy() error {
	s.lock()
	defer s.mu.Unlock()
	s.destroyLocked()
	return nil
}

func (s *Session) destroyLocked() {
	if s.id != "" && (s.storedOK || s.fromClient) {
		s.destroy = append(s.destroy, s.id)
		md := s.data.Meta
		if !s.merged {
			md = s.base.Meta
		}
		if md != nil && md.User != "" {
			s.index = append(s.index, indexChange{user: md.User, id: s.id})
		}
	}
	s.id, s.fromClient, s.loaded, s.newID, s.merged = "", false, true, false, true
	s.base, s.data, s.stored, s.storedOK = record.Record{}, record.Record{}, "", false
	s.changes, s.metaSet, s.sizeBound = nil, false, 0
	s.cookie = cookieDelete
}

// Load switches the request to the stored session id, discarding unsaved local
// changes, and sends its cookie. It fails with ErrInvalidID for a malformed ID
// and ErrNotFound when nothing is stored under it; the session is then unchanged.
func (s *Session) Load(id string) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	s.lock()
	defer s.mu.Unlock()
	text, ok, err := s.m.get(s.ctx, id, "loading a session")
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	now := s.m.nowMS()
	rec, err := record.Decode(text, now)
	if err != nil {
		return fmt.Errorf("session with driver %s: %w", s.m.driverName, err)
	}
	if s.m.expiredMeta(rec.Meta, now) {
		return ErrNotFound
	}
	s.id, s.fromClient, s.loaded, s.newID, s.merged = id, false, true, false, true
	s.base, s.data, s.stored, s.storedOK = record.Record{}, *rec, text, true
	s.changes, s.metaSet, s.sizeBound = nil, false, len(text)
	s.cookie = cookieSend
	return nil
}
