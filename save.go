package session

import (
	"errors"
	"fmt"
	"github.com/goastro/session/internal/record"
	"time"
)

// This file is the one save path: the pending changes merged into what the
// store holds, written with compare-and-swap (Manager.swap, store.go).

// pending reports whether saving the session has anything to do.
func (s *Session) pending() bool {
	return len(s.changes) > 0 || s.metaSet || len(s.destroy) > 0 || len(s.index) > 0 || s.indexAdd
}

// update is an Update, applied to the record in the write that saves it.
type update struct {
	key   string
	apply func(old any, ok bool) (any, error)
	opts  []SetOption
}

// errGone reports that the session's record was removed while the request ran.
var errGone = errors.New("the session was removed meanwhile")

// save writes what is pending: the record, the removal of destroyed records and
// the users' indexes. upd, when not nil, is applied to the record as it is written.
func (s *Session) save(upd *update) error {
	if len(s.changes) > 0 || s.metaSet || upd != nil {
		if err := s.saveRecord(upd); err != nil {
			return err
		}
	}
	var errs []error
	for _, id := range s.destroy {
		if id != s.id {
			errs = append(errs, s.m.remove(s.ctx, id, "removing a session"))
		}
	}
	s.destroy = nil
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return s.saveIndex()
}

// saveRecord writes the session's record: the stored record with this
// request's changes (and upd) on top, retried on the newer record when another
// writer saved first.
func (s *Session) saveRecord(upd *update) error {
	if err := s.merge(true); err != nil {
		return err
	}
	if s.sealed && s.newID {
		return fmt.Errorf("%w: the session needs a new ID, whose cookie can no longer be sent", ErrHeadersWritten)
	}
	if s.emptyID != "" {
		s.destroy, s.emptyID = append(s.destroy, s.emptyID), ""
	}
	for {
		now := s.m.nowMS()
		s.touchMeta(now)
		var written record.Record
		text, err := s.m.swap(s.ctx, s.id, "saving the session", s.stored, s.storedOK,
			func(old string, ok bool) (string, time.Duration, error) {
				var err error
				if written, err = s.next(old, ok, now, upd); err != nil {
					return "", 0, err
				}
				return s.encode(&written, ok, now)
			})
		switch {
		case errors.Is(err, errGone):
			// Removed meanwhile (DestroyUser, expiry): this request's changes go to
			// a new session that belongs to nobody, and the old one stays gone.
			s.keepOnlyChanges()
			s.data.Meta, s.metaSet, s.indexAdd = nil, false, false
			if err := s.newSession(); err != nil {
				return err
			}
			continue
		case errors.Is(err, errNoWrite):
			text, written, s.cookie = "", s.data, cookieKeep
		case err != nil && s.unchecked:
			// The record came from memory and was never checked: forget it, so
			// that a read after this failed save goes to the store.
			s.keepOnlyChanges()
			if !s.metaSet {
				s.data.Meta = nil
			}
			s.loaded, s.merged, s.fromClient, s.unchecked, s.stored, s.storedOK = false, false, true, false, "", false
			return err
		case err != nil:
			return err
		default:
			s.stored, s.storedOK, s.unchecked = text, true, false
		}
		s.data, s.changes, s.metaSet, s.sizeBound = written, nil, false, len(text)
		return nil
	}
}

// keepOnlyChanges drops from data the stored entries this request did not set.
func (s *Session) keepOnlyChanges() {
	kept := s.data.Entries[:0]
	for _, e := range s.data.Entries {
		if s.changes.get(e.Key) != nil {
			kept = append(kept, e)
		}
	}
	s.data.Entries = kept
}

// newSession moves the session's changes to a new ID.
func (s *Session) newSession() error {
	if s.sealed {
		return fmt.Errorf("%w: the session needs a new ID, whose cookie can no longer be sent", ErrHeadersWritten)
	}
	s.id, s.newID, s.stored, s.storedOK, s.cookie, s.unchecked = NewID(), true, "", false, cookieSend, false
	return nil
}

// next is the record to write over old: this request's data, rebased on old
// when another writer changed it since it was read, with upd applied.
func (s *Session) next(old string, ok bool, now float64, upd *update) (record.Record, error) {
	if old != s.stored || ok != s.storedOK {
		if err := s.rebase(old, ok, now); err != nil {
			return record.Record{}, err
		}
	}
	if upd == nil {
		return s.data, nil
	}
	rec := record.Record{Entries: append([]record.Entry(nil), s.data.Entries...), Meta: s.data.Meta}
	var cur any
	e, has := rec.Get(upd.key)
	if has = has && !e.Expired(now); has {
		cur = e.Data
	} else {
		e = nil
	}
	x, err := upd.apply(cur, has)
	if err != nil {
		return record.Record{}, err
	}
	ne, err := s.m.newEntry(upd.key, x, e, upd.opts)
	if err != nil {
		return record.Record{}, err
	}
	if i := rec.Find(upd.key); i >= 0 {
		rec.Entries[i] = ne
	} else {
		rec.Entries = append(rec.Entries, ne)
	}
	return rec, nil
}

// rebase rebuilds data on the record another writer stored: this request's
// changes on top of it, in the order the request saw.
func (s *Session) rebase(old string, ok bool, now float64) error {
	if !ok {
		if s.storedOK {
			return errGone
		}
		s.stored = old
		return nil
	}
	fresh, err := record.Decode(old, now)
	if err != nil {
		return fmt.Errorf("session with driver %s: %w", s.m.driverName, err)
	}
	out := record.Record{Entries: make([]record.Entry, 0, len(fresh.Entries)+len(s.changes)), Meta: fresh.Meta}
	if s.metaSet {
		out.Meta = s.data.Meta
	}
	for _, e := range s.data.Entries {
		if s.changes.get(e.Key) != nil {
			out.Entries = append(out.Entries, e)
		} else if fe, ok := fresh.Get(e.Key); ok {
			out.Entries = append(out.Entries, *fe)
		}
	}
	for _, fe := range fresh.Entries {
		if s.changes.get(fe.Key) == nil && out.Find(fe.Key) < 0 {
			out.Entries = append(out.Entries, fe)
		}
	}
	s.data, s.stored, s.storedOK, s.unchecked = out, old, ok, false
	return nil
}

// encode writes rec, checks its size and gives its storage TTL. A session with
// nothing in it and nothing stored is not written.
func (s *Session) encode(rec *record.Record, stored bool, now float64) (string, time.Duration, error) {
	if len(rec.Entries) == 0 && rec.Meta == nil && !stored {
		return "", 0, errNoWrite
	}
	text, ttl, err := rec.Encode(now)
	if err != nil {
		return "", 0, err
	}
	if s.m.maxRecord > 0 && len(text) > s.m.maxRecord {
		return "", 0, fmt.Errorf("%w: the session record takes %d bytes, over the limit of %d", ErrTooLarge, len(text), s.m.maxRecord)
	}
	if left := s.m.lifetimeLeft(rec.Meta, now); left > 0 && (ttl == 0 || left < ttl) {
		ttl = left
	}
	return text, ttl, nil
}

// saveIndex applies this request's changes to users' indexes.
func (s *Session) saveIndex() error {
	var errs []error
	if s.indexAdd && s.id != "" && s.data.Meta != nil && s.data.Meta.User != "" {
		user := s.data.Meta.User
		var remove []string
		kept := s.index[:0]
		for _, c := range s.index {
			if c.user == user {
				remove = append(remove, c.id)
			} else {
				kept = append(kept, c)
			}
		}
		s.index = kept
		errs = append(errs, s.m.updateUserIndex(s.ctx, user, s.id, remove))
	}
	for _, c := range s.index {
		errs = append(errs, s.m.updateUserIndex(s.ctx, c.user, "", []string{c.id}))
	}
	s.index, s.indexAdd = nil, false
	return errors.Join(errs...)
}
