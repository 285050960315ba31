package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Session is the session of one request, reached with From(r.Context()). It loads
// its data lazily on the first read and is saved once, before the response headers
// are sent. Its methods are safe for concurrent use by the goroutines of one request.
type Session struct {
	m      *Manager
	ctx    context.Context // the request's context, for reads
	reqHdr http.Header     // the request headers, for the cookie
	resp   *responseWriter // nil outside a request

	mu sync.Mutex

	started bool // the cookie has been read and *sessionState allocated
	*sessionState
}

// sessionState is the part of a Session that exists once the session is used:
// a request that never touches its session does not allocate it.
type sessionState struct {
	id           string // current session ID; "" when there is none yet
	idFromCookie bool   // id came from the client and is not yet known to be stored

	data      *record // local entries; nil until the first change or load
	partial   bool    // data is not yet merged with the stored record
	stored    string  // the stored text data was merged with (for the conditional write)
	storedOK  bool    // a stored record existed when data was merged
	dirty     bool    // data must be written
	changes   changeLog
	toDestroy []string // IDs whose records are removed when the session is saved

	indexAdd    bool          // add the ID to its user's index when saved
	indexRemove []indexChange // IDs to remove from user indexes when saved

	peeked   bool   // the record was read (by peek) but not merged yet
	peekText string // what peek read
	peekOK   bool
	peekErr  error // why peek could not read the record

	nowAt float64 // see now

	parsed bool // data was parsed from the stored text this request (not taken from the cache)

	recordBytes int // size of the record as last read, written or measured
	addedBytes  int // upper bound of what this request's values added since

	sendCookie   bool // the ID cookie must be (re)sent
	deleteCookie bool // the cookie must be removed
	cookieSent   bool // a Set-Cookie for this session is already in the response headers
}

type changeKind uint8

const (
	changeSet changeKind = iota + 1
	changeDelete
)

// change is what this request did to one key, replayed onto a fresh copy of the
// stored record when a concurrent writer got there first.
type change struct {
	kind      changeKind
	updates   []func(old *value, ok bool) (any, error)
	fromStore bool   // the updates start from the stored value
	base      *entry // otherwise from this value (nil: absent)
	opts      SetOption
}

// changeLog is what this request did, key by key, in the order of first change.
// Requests change a few keys, so it is a list searched in order.
type changeLog []keyChange

type keyChange struct {
	key string
	c   *change
}

func (l changeLog) get(key string) *change {
	for i := range l {
		if l[i].key == key {
			return l[i].c
		}
	}
	return nil
}

func (l *changeLog) put(key string, c *change) {
	for i := range *l {
		if (*l)[i].key == key {
			(*l)[i].c = c
			return
		}
	}
	*l = append(*l, keyChange{key, c})
}

// SetOption modifies a Set.
type SetOption struct {
	ttl    time.Duration
	hasTTL bool
}

// WithTTL gives the entry its own lifetime, overriding Config.TTL, as Astro's
// set(key, value, { ttl }). Zero or less means the entry does not expire.
func WithTTL(d time.Duration) SetOption { return SetOption{ttl: d, hasTTL: true} }

// nowMS is the time in whole epoch milliseconds, JavaScript's Date.now(), so
// that expiries are written as Astro writes them.
func (m *Manager) nowMS() float64 {
	if m.clock != nil {
		return float64(m.clock().UnixMilli())
	}
	return float64(time.Now().UnixMilli())
}

// now is the request's time in epoch milliseconds, read once per request and
// again for each save: a session's checks and writes within one step agree,
// and the clock (slow to read on some machines) is read once.
func (s *Session) now() float64 {
	if s.nowAt == 0 {
		s.nowAt = s.m.nowMS()
	}
	return s.nowAt
}

func (s *Session) init(m *Manager, ctx context.Context, reqHdr http.Header) {
	s.m, s.ctx, s.reqHdr = m, ctx, reqHdr
}

// begin reads the session cookie the first time the session is used. Every
// method calls it before it touches the session's state.
func (s *Session) begin() {
	if s.started {
		return
	}
	s.started = true
	s.sessionState = &sessionState{partial: true}
	if v, ok := cookieValue(s.reqHdr, s.m.cookie.Name); ok && ValidID(v) {
		s.id, s.idFromCookie = v, true
	}
}

// ensureLoaded merges the stored record into the local data, once.
func (s *Session) ensureLoaded(ctx context.Context) error {
	s.begin()
	if !s.partial {
		return nil
	}
	if s.id == "" || !s.idFromCookie {
		// No cookie, or an ID made in this request: nothing can be stored under it.
		s.partial = false
		return nil
	}
	if s.peeked && s.peekErr != nil {
		// The read peek made for a Set failed: the save fails with it, once.
		err := s.peekErr
		s.peeked, s.peekErr = false, nil
		return err
	}
	text, ok := s.peekText, s.peekOK
	if !s.peeked {
		var err error
		if text, ok, err = s.m.store.Get(ctx, s.id); err != nil {
			return s.m.storageError("reading the session", err)
		}
	}
	s.peeked, s.peekText = false, ""
	if !ok {
		// The client presented an ID with no record (expired, destroyed or forged):
		// a fresh ID replaces it, so a client can never choose its session ID.
		s.replaceID(false)
		return nil
	}
	var rec *record
	var err error
	if s.m.cache != nil {
		rec = s.m.cache.get(s.id, text)
	}
	if rec == nil {
		rec, err = decodeRecord(text)
		s.parsed = err == nil
	}
	now := s.now()
	switch {
	case err != nil && s.m.strict:
		s.m.log.Error("session: destroyed a session whose stored record could not be parsed",
			"driver", s.m.driverName, "session", logID(s.id), "error", err)
		s.destroyLocked()
		return fmt.Errorf("session with driver %s: %w", s.m.driverName, err)
	case err != nil:
		s.m.log.Error("session: removed a stored record that could not be parsed; the request goes on with a new session",
			"driver", s.m.driverName, "session", logID(s.id), "error", err)
		s.replaceID(true)
		return nil
	case s.m.expiredMeta(rec.meta, now) || (rec.meta == nil && !rec.live(now)):
		// Past its idle timeout or absolute lifetime, or every entry expired: a
		// dead session, answered exactly like an unknown ID.
		if rec.meta != nil && rec.meta.user != "" {
			s.indexRemove = append(s.indexRemove, indexChange{user: rec.meta.user, id: s.id})
		}
		s.replaceID(true)
		return nil
	}
	s.mergeStored(rec)
	s.stored, s.storedOK, s.idFromCookie, s.partial = text, true, false, false
	s.recordBytes = len(text)
	if s.m.refreshDue(s.data.meta, s.now()) {
		s.dirty, s.sendCookie = true, true // slide the idle timeout and the cookie with it
	}
	return nil
}

// replaceID gives the session a new ID in place of the one the client sent,
// keeping this request's changes; destroyOld removes the old record when the
// session is saved.
func (s *Session) replaceID(destroyOld bool) {
	if destroyOld {
		s.toDestroy = append(s.toDestroy, s.id)
	}
	s.id, s.idFromCookie, s.partial = NewID(), false, false
	if s.data != nil && s.data.len() > 0 {
		s.sendCookie = true
	}
}

// mergeStored adds the stored entries that this request has not set, deleted or
// seen expire, after the local ones, as Astro merges a partial session.
func (s *Session) mergeStored(rec *record) {
	now := s.now()
	if s.data == nil && len(s.changes) == 0 {
		// No local changes: the stored record is the session, less what expired.
		rec.dropExpired(now)
		s.data = rec
		return
	}
	if s.data == nil {
		s.data = newRecord()
	}
	if s.data.meta == nil {
		s.data.meta = rec.meta
	}
	for i := range rec.entries {
		e := &rec.entries[i]
		if _, local := s.data.get(e.key); local || e.expired(now) {
			continue
		}
		if c := s.changes.get(e.key); c != nil && c.kind == changeDelete {
			continue
		}
		s.data.set(*e)
	}
}

// liveEntry returns the entry under key unless it is absent or expired,
// loading the session first. s.mu is held.
func (s *Session) liveEntry(key string) (*entry, error) {
	if err := s.ensureLoaded(s.ctx); err != nil || s.data == nil {
		return nil, err
	}
	if e, ok := s.data.get(key); ok && !e.expired(s.now()) {
		return e, nil
	}
	return nil, nil
}

// lookup returns the value under key, built into the model when build is set.
func (s *Session) lookup(key string, build bool) (any, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.liveEntry(key)
	if e == nil || !build {
		return nil, e != nil, err
	}
	v, err := e.val.modelValue()
	if err != nil {
		return nil, false, s.corruptValue(key, err)
	}
	return v, true, nil
}

// lookupInto decodes the value under key into out, straight from the stored
// text when the value was not built.
func (s *Session) lookupInto(key string, out any) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.liveEntry(key)
	if e == nil {
		return false, err
	}
	return true, e.val.decode(out)
}

// corruptValue is the error of a stored value that cannot be built.
func (s *Session) corruptValue(key string, err error) error {
	return fmt.Errorf("%w: the value of %q: %w", ErrCorruptRecord, key, err)
}

// ID returns the session ID, or "" when the session has none yet (no valid
// cookie and nothing set). It does not read the store.
func (s *Session) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begin()
	return s.id
}

// Get returns the value stored under key, in the value model of package devalue
// (string, float64, bool, nil, *devalue.Object, *devalue.Date, ...), or nil when
// there is none. Use the generic Get or a Key for typed access.
func (s *Session) Get(key string) (any, error) {
	v, _, err := s.lookup(key, true)
	return v, err
}

// Has reports whether key holds a value (which may be null or undefined).
func (s *Session) Has(key string) (bool, error) {
	_, ok, err := s.lookup(key, false)
	return ok, err
}

// Keys returns the session's keys in order.
func (s *Session) Keys() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ensureLoaded(s.ctx); err != nil {
		return nil, err
	}
	if s.data == nil {
		return []string{}, nil
	}
	now := s.now()
	keys := make([]string, 0, s.data.len())
	for i := range s.data.entries {
		if e := &s.data.entries[i]; !e.expired(now) {
			keys = append(keys, e.key)
		}
	}
	return keys, nil
}

// Set stores value under key. The value is copied at once (see devalue.Clone
// and devalue.Stringify), so later changes to it are not seen; a value devalue
// cannot store (a func, a channel, ...) is rejected with ErrNotSerializable
// naming the path. With Config.MaxRecordSize set (it is by default), Set reads
// the stored record's size: the one read saving the session needs anyway. The
// first Set of a request sends the cookie.
func (s *Session) Set(key string, value any, opts ...SetOption) error {
	if key == "" || key == MetaKey {
		return keyError(key)
	}
	v, size, err := s.m.newValue(key, value)
	if err != nil {
		return err
	}
	var o SetOption
	for _, opt := range opts {
		o = opt
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begin()
	e := s.newEntry(key, v, o)
	if err := s.checkRecordSize(e, size); err != nil {
		return err
	}
	if err := s.prepareWrite(); err != nil {
		return err
	}
	s.data.set(e)
	s.setChange(key, &change{kind: changeSet, opts: o})
	return nil
}

// peek reads the stored record of a session that is not loaded yet, to know its
// size, without merging it: the merge (and its key order, Astro's) happens when
// the session is read or saved, from what peek read.
func (s *Session) peek(ctx context.Context) error {
	s.begin()
	if !s.partial || s.id == "" || !s.idFromCookie || s.peeked {
		return nil
	}
	text, ok, err := s.m.store.Get(ctx, s.id)
	if err != nil {
		// The Set goes on without the size check; saving the session fails
		// with this error, so the write is never silently lost.
		s.peeked, s.peekErr = true, s.m.storageError("reading the session", err)
		return nil
	}
	s.peeked, s.peekText, s.peekOK = true, text, ok
	s.recordBytes = len(text)
	return nil
}

// newValue copies x for the session and returns an upper bound of the size it
// adds to the record, so that later changes to x are not seen. A string,
// number, boolean or nil is kept as it is. Plain Go data (structs, slices,
// string-keyed maps of those) is deep-copied by devalue.Clone and written out
// when the record is saved. Any other value is written out at once (what devalue
// cannot write is refused here) and kept as that text, which the record copies
// when it is saved and typed reads decode from.
func (m *Manager) newValue(key string, x any) (value, int, error) {
	size := 6*len(key) + 48 // the key, the entry object and its indices
	switch v := x.(type) {
	case nil, bool, float64:
		return value{data: x, form: inModel}, size + 24, nil
	case string:
		if 6*len(v) <= m.maxRecord || m.maxRecord <= 0 {
			return value{data: x, form: inModel}, size + 6*len(v) + 2, nil
		}
	case int:
		if v > -1<<53 && v < 1<<53 {
			return value{data: float64(v), form: inModel}, size + 24, nil
		}
	}
	if c, n, ok := astroCodec.Clone(x); ok && (n <= m.maxRecord || m.maxRecord <= 0) {
		return value{data: c, form: goCopy}, size + n, nil
	}
	text, err := astroCodec.Stringify(x)
	if err != nil {
		return value{}, 0, fmt.Errorf("%w: the session data for %q could not be serialized: %w", ErrNotSerializable, key, err)
	}
	if m.maxRecord > 0 && len(text) > m.maxRecord {
		return value{}, 0, fmt.Errorf("%w: the value for %q takes %d bytes, over the limit of %d", ErrTooLarge, key, len(text), m.maxRecord)
	}
	doc, err := astroCodec.ParseDoc(text)
	if err != nil {
		return value{}, 0, fmt.Errorf("%w: the session data for %q could not be read back: %w", ErrNotSerializable, key, err)
	}
	return value{node: doc.Root()}, size + len(text), nil
}

// checkRecordSize reports ErrTooLarge when the record with e set would exceed
// the limit. size is an upper bound of what e adds: only when the record's
// known size plus the bounds of this request's values could exceed the limit
// is the record written out to measure it. With a limit the stored record is
// read here rather than when the session is saved (it is read once either way).
func (s *Session) checkRecordSize(e entry, size int) error {
	if s.m.maxRecord <= 0 {
		return nil
	}
	if err := s.peek(s.ctx); err != nil {
		return err
	}
	if s.peekErr != nil {
		return nil
	}
	if s.recordBytes+s.addedBytes+size <= s.m.maxRecord {
		s.addedBytes += size
		return nil
	}
	if err := s.ensureLoaded(s.ctx); err != nil {
		return err
	}
	tmp := &record{}
	if s.data != nil {
		tmp.entries, tmp.meta = append([]entry(nil), s.data.entries...), s.data.meta
	}
	tmp.set(e)
	text, _, err := tmp.encode(s.now())
	if err != nil {
		return err
	}
	if len(text) > s.m.maxRecord {
		return fmt.Errorf("%w: with the value for %q the session record would take %d bytes, over the limit of %d", ErrTooLarge, e.key, len(text), s.m.maxRecord)
	}
	s.recordBytes, s.addedBytes = len(text), 0
	return nil
}

// prepareWrite makes sure the session has local data and an ID before a change.
func (s *Session) prepareWrite() error {
	s.begin()
	if s.id == "" {
		if s.resp != nil && s.resp.wroteHeader {
			return fmt.Errorf("%w: a new session needs its cookie, which can no longer be sent", ErrHeadersWritten)
		}
		s.id, s.idFromCookie, s.partial = NewID(), false, false
	}
	if s.data == nil {
		s.data = newRecord()
	}
	s.dirty, s.sendCookie, s.deleteCookie = true, true, false
	return nil
}

func (s *Session) newEntry(key string, v value, o SetOption) entry {
	ttl := s.m.ttl
	if o.hasTTL {
		ttl = o.ttl
	}
	e := entry{key: key, val: v}
	if ttl > 0 {
		e.expires, e.hasExp = s.now()+math.Round(float64(ttl)/float64(time.Millisecond)), true
	}
	return e
}

func (s *Session) setChange(key string, c *change) {
	s.changes.put(key, c)
}

// Delete removes key. Like Set it does not read the store.
func (s *Session) Delete(key string) {
	if key == MetaKey {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begin()
	if s.data == nil {
		s.data = newRecord()
	}
	s.data.del(key)
	s.setChange(key, &change{kind: changeDelete})
	s.dirty = true
}

// Flash returns the value under key and deletes it: a message that is read once,
// such as a notice shown after a redirect. It returns nil when there is none.
func (s *Session) Flash(key string) (any, error) {
	v, ok, err := s.lookup(key, true)
	if err != nil || !ok {
		return nil, err
	}
	s.Delete(key)
	return v, nil
}

// update is the untyped core of Update.
func (s *Session) update(key string, apply func(old *value, ok bool) (any, error), o SetOption) error {
	if key == "" || key == MetaKey {
		return keyError(key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.liveEntry(key)
	if err != nil {
		return err
	}
	c := s.changes.get(key)
	if c == nil || len(c.updates) == 0 {
		nc := &change{kind: changeSet, opts: o}
		if c == nil {
			nc.fromStore = true
		} else if c.kind == changeSet && cur != nil {
			base := *cur
			nc.base = &base
		}
		c = nc
	}
	var old *value
	if cur != nil {
		old = &cur.val
	}
	x, err := apply(old, cur != nil)
	if err != nil {
		return err
	}
	nv, size, err := s.m.newValue(key, x)
	if err != nil {
		return err
	}
	e := s.newEntry(key, nv, o)
	if err := s.checkRecordSize(e, size); err != nil {
		return err
	}
	if err := s.prepareWrite(); err != nil {
		return err
	}
	c.updates = append(c.updates, apply)
	c.opts = o
	s.data.set(e)
	s.setChange(key, c)
	return nil
}

// Regenerate gives the session a new ID and keeps its data; the old record is
// removed when the session is saved. Call it after a login or a change of
// privileges: it defeats session fixation.
func (s *Session) Regenerate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ensureLoaded(s.ctx); err != nil {
		return err
	}
	if s.resp != nil && s.resp.wroteHeader {
		return fmt.Errorf("%w: the regenerated session's cookie can no longer be sent", ErrHeadersWritten)
	}
	if s.id != "" && s.storedOK {
		s.toDestroy = append(s.toDestroy, s.id)
	}
	if s.data != nil && s.data.meta != nil {
		md := s.data.meta
		if md.user != "" {
			if s.storedOK {
				s.indexRemove = append(s.indexRemove, indexChange{user: md.user, id: s.id})
			}
			s.indexAdd = true
		}
		md.created = s.now()
	}
	s.id, s.idFromCookie, s.partial = NewID(), false, false
	s.stored, s.storedOK = "", false
	if s.data == nil {
		s.data = newRecord()
	}
	s.changes = make(changeLog, 0, s.data.len())
	for i := range s.data.entries {
		// keys are unique in a record
		s.changes = append(s.changes, keyChange{s.data.entries[i].key, &change{kind: changeSet}})
	}
	s.dirty, s.sendCookie, s.deleteCookie = true, true, false
	return nil
}

// Destroy deletes the session: its record is removed when the session is saved,
// and the cookie is expired. A later Set in the same request starts a new session.
func (s *Session) Destroy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begin()
	s.destroyLocked()
	return nil
}

func (s *Session) destroyLocked() {
	if s.id != "" && (s.storedOK || s.idFromCookie) {
		s.toDestroy = append(s.toDestroy, s.id)
		if s.data != nil && s.data.meta != nil && s.data.meta.user != "" {
			s.indexRemove = append(s.indexRemove, indexChange{user: s.data.meta.user, id: s.id})
		}
	}
	s.indexAdd = false
	s.id, s.idFromCookie = "", false
	s.data, s.partial, s.stored, s.storedOK, s.changes = nil, false, "", false, nil
	s.peeked, s.peekText, s.peekErr, s.recordBytes, s.addedBytes = false, "", nil, 0, 0
	s.dirty, s.sendCookie, s.deleteCookie = false, false, true
}

// Load switches the request to the stored session id, discarding unsaved local
// changes, and sends its cookie. It fails with ErrInvalidID for a malformed ID
// and ErrNotFound when nothing is stored under it; the session is then unchanged.
func (s *Session) Load(id string) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begin()
	text, ok, err := s.m.store.Get(s.ctx, id)
	if err != nil {
		return s.m.storageError("loading a session", err)
	}
	if !ok {
		return ErrNotFound
	}
	rec, err := decodeRecord(text)
	if err != nil {
		s.toDestroy = append(s.toDestroy, id)
		return fmt.Errorf("session with driver %s: %w", s.m.driverName, err)
	}
	if now := s.now(); s.m.expiredMeta(rec.meta, now) || (rec.meta == nil && !rec.live(now)) {
		return ErrNotFound
	}
	s.id, s.idFromCookie, s.partial = id, false, false
	s.data, s.stored, s.storedOK, s.changes = newRecord(), text, true, nil
	s.recordBytes, s.addedBytes = len(text), 0
	s.peeked, s.peekText, s.peekErr = false, "", nil
	s.mergeStored(rec)
	s.dirty, s.sendCookie, s.deleteCookie = false, true, false
	return nil
}

// Save writes the session now instead of when the response starts, for handlers
// that stream. Later changes are saved again at the end of the request.
func (s *Session) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begin()
	return s.flush()
}

// flush persists the session and puts its cookie in the response headers.
func (s *Session) flush() error {
	var err error
	s.nowAt = 0
	if s.parsed && !s.dirty && s.storedOK {
		// read and not changed: the next request can take the record as parsed
		s.cachePut()
	}
	if s.needsPersist() {
		ctx := newSaveContext(s.ctx, s.m.writeTimeout)
		err = s.persist(ctx)
		ctx.stop()
	}
	if s.resp == nil {
		return err
	}
	if s.resp.wroteHeader {
		if s.sendCookie || s.deleteCookie {
			s.sendCookie, s.deleteCookie = false, false
			err = errors.Join(err, fmt.Errorf("%w: the session cookie changed after the response started", ErrHeadersWritten))
		}
		return err
	}
	if err != nil {
		return err
	}
	s.writeCookie(s.resp.ResponseWriter.Header())
	return nil
}

func (s *Session) writeCookie(h http.Header) {
	var line string
	switch {
	case s.sendCookie && s.id != "":
		line = s.m.cookie.setCookie(s.id, s.cookieMaxAge())
	case s.deleteCookie:
		line = s.m.cookie.deleteCookie()
	default:
		return
	}
	s.sendCookie, s.deleteCookie = false, false
	if s.cookieSent {
		prefix := s.m.cookie.Name + "="
		kept := h["Set-Cookie"][:0]
		for _, v := range h["Set-Cookie"] {
			if !strings.HasPrefix(v, prefix) {
				kept = append(kept, v)
			}
		}
		h["Set-Cookie"] = kept
	}
	h.Add("Set-Cookie", line)
	s.cookieSent = true
}

// cachePut caches the session's data as the record whose text is stored.
func (s *Session) cachePut() {
	s.parsed = false
	if s.m.cache != nil && s.data != nil && s.id != "" {
		s.m.cache.put(s.id, s.stored, s.data)
	}
}

// needsPersist reports whether saving the session has anything to write or remove.
func (s *Session) needsPersist() bool {
	return (s.dirty && s.id != "" && s.data != nil) || len(s.toDestroy) > 0 || s.indexAdd || len(s.indexRemove) > 0
}

const maxWriteAttempts = 100

// persist writes the session's changes and removes destroyed records.
func (s *Session) persist(ctx context.Context) error {
	var errs []error
	if s.dirty && s.id != "" && s.data != nil {
		if err := s.write(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range s.toDestroy {
		if id == s.id {
			continue
		}
		if s.m.cache != nil {
			s.m.cache.drop(id)
		}
		if err := s.m.store.Delete(ctx, id); err != nil {
			errs = append(errs, s.m.storageError("removing a session", err))
		}
	}
	s.toDestroy = s.toDestroy[:0]
	if len(errs) == 0 {
		if err := s.saveUserIndex(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Session) write(ctx context.Context) error {
	if err := s.ensureLoaded(ctx); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		now := s.now()
		if s.m.timeouts() || s.data.meta != nil {
			if s.data.meta == nil {
				s.data.meta = &meta{created: now}
			}
			s.data.meta.seen = now
		}
		text, ttl, err := s.data.encode(now)
		if err != nil {
			return err
		}
		if s.m.maxRecord > 0 && len(text) > s.m.maxRecord {
			return fmt.Errorf("%w: the session record takes %d bytes, over the limit of %d", ErrTooLarge, len(text), s.m.maxRecord)
		}
		if left := s.m.lifetimeLeft(s.data.meta, now); left > 0 && (ttl == 0 || left < ttl) {
			ttl = left
		}
		if s.data.len() == 0 && !s.storedOK && (s.data.meta == nil || s.data.meta.user == "") {
			// Nothing to store and nothing stored: no record, and no cookie for it.
			s.sendCookie = false
			break
		}
		if s.m.swapper == nil {
			if err := s.m.store.Set(ctx, s.id, text, ttl); err != nil {
				return s.m.storageError("saving the session", err)
			}
			s.stored, s.storedOK = text, true
			s.cachePut()
			break
		}
		ok, err := s.m.swapper.CompareAndSwap(ctx, s.id, s.stored, s.storedOK, text, ttl)
		if err != nil {
			return s.m.storageError("saving the session", err)
		}
		if ok {
			s.stored, s.storedOK = text, true
			s.cachePut()
			break
		}
		if attempt >= maxWriteAttempts {
			return fmt.Errorf("%w: gave up after %d attempts", ErrConflict, attempt)
		}
		if attempt > 3 {
			backoff := time.Duration(rand.Int64N(int64(attempt) * int64(100*time.Microsecond)))
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w: saving the session: %w", ErrStorage, ctx.Err())
			case <-time.After(min(backoff, 5*time.Millisecond)):
			}
		}
		if err := s.rebase(ctx); err != nil {
			return err
		}
	}
	s.dirty, s.changes = false, nil
	s.recordBytes, s.addedBytes = len(s.stored), 0
	return nil
}

// rebase rebuilds the local data from the record another writer just stored,
// replaying this request's changes on top of it.
func (s *Session) rebase(ctx context.Context) error {
	text, ok, err := s.m.store.Get(ctx, s.id)
	if err != nil {
		return s.m.storageError("reading the session", err)
	}
	fresh := newRecord()
	if ok {
		if fresh, err = decodeRecord(text); err != nil {
			return fmt.Errorf("session with driver %s: %w", s.m.driverName, err)
		}
	} else if s.storedOK {
		// The record was removed meanwhile (destroyed elsewhere, or expired): this
		// request's changes start a new session rather than bring back the old ID,
		// and the new session belongs to nobody: a user's sessions destroyed by
		// DestroyUser stay logged out.
		s.id = NewID()
		s.sendCookie = true
		if s.data.meta != nil {
			s.data.meta = nil
			s.indexAdd = false
		}
	}
	now := s.now()
	out := &record{entries: make([]entry, 0, fresh.len()+len(s.changes))}
	for i := range fresh.entries {
		e := &fresh.entries[i]
		if e.expired(now) {
			continue
		}
		if c := s.changes.get(e.key); c != nil {
			if c.kind == changeDelete {
				continue
			}
			if len(c.updates) == 0 {
				local, _ := s.data.get(e.key)
				out.set(*local)
				continue
			}
		}
		out.set(*e)
	}
	for i := range s.data.entries {
		e := &s.data.entries[i]
		if c := s.changes.get(e.key); c != nil && c.kind == changeSet && len(c.updates) == 0 {
			out.set(*e)
		}
	}
	for i := range s.data.entries {
		k := s.data.entries[i].key
		c := s.changes.get(k)
		if c == nil || len(c.updates) == 0 {
			continue
		}
		var v value
		has := false
		if c.fromStore {
			if e, ok := out.get(k); ok {
				v, has = e.val, true
			}
		} else if c.base != nil {
			v, has = c.base.val, true
		}
		for _, apply := range c.updates {
			x, err := apply(&v, has)
			if err != nil {
				return err
			}
			if v, _, err = s.m.newValue(k, x); err != nil {
				return err
			}
			has = true
		}
		out.set(s.newEntry(k, v, c.opts))
	}
	out.meta = s.data.meta
	if out.meta == nil && ok {
		out.meta = fresh.meta
	}
	s.data, s.stored, s.storedOK = out, text, ok
	return nil
}

// saveUserIndex applies the user index changes of this request.
func (s *Session) saveUserIndex(ctx context.Context) error {
	if !s.indexAdd && len(s.indexRemove) == 0 {
		return nil
	}
	var errs []error
	user := ""
	if s.indexAdd && s.id != "" && s.data != nil && s.data.meta != nil {
		user = s.data.meta.user
	}
	byUser := map[string][]string{}
	for _, c := range s.indexRemove {
		byUser[c.user] = append(byUser[c.user], c.id)
	}
	if user != "" {
		if err := s.m.updateUserIndex(ctx, user, s.id, byUser[user]); err != nil {
			errs = append(errs, err)
		}
		delete(byUser, user)
	}
	for u, ids := range byUser {
		if err := s.m.updateUserIndex(ctx, u, "", ids); err != nil {
			errs = append(errs, err)
		}
	}
	s.indexAdd, s.indexRemove = false, nil
	return errors.Join(errs...)
}

// logID identifies a session in logs without revealing its ID, which is a bearer secret.
func logID(id string) string {
	if id == "" {
		return ""
	}
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:6])
}
