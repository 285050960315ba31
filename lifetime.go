package session

import (
	"context"
	"fmt"
	"github.com/goastro/session/internal/record"
	"time"
)

// MetaKey is the reserved session key under which the record keeps what the
// idle timeout, the absolute lifetime, remember-me and the user binding need:
// when the session was created, when it was last seen, whose it is. It is
// written only when one of those features is used; Keys, Get and Set never show
// or touch it. An Astro site sharing the store sees it as one more key; if an
// Astro application stores its own value under this key, the value is kept as
// it is and those features are off for that session.
const MetaKey = record.MetaKey

// timeouts reports whether the Manager enforces an idle timeout or an absolute lifetime.
func (m *Manager) timeouts() bool { return m.idle > 0 || m.absolute > 0 }

// expiredMeta reports whether a stored session is past its idle timeout or absolute lifetime.
func (m *Manager) expiredMeta(md *record.Meta, nowMS float64) bool {
	if md == nil {
		return false
	}
	if m.absolute > 0 && md.Created > 0 && nowMS-md.Created > ms(m.absolute) {
		return true
	}
	return m.idle > 0 && md.Seen > 0 && nowMS-md.Seen > ms(m.idle)
}

// lifetimeLeft is how long a session with md may still live, or 0 when unbounded.
func (m *Manager) lifetimeLeft(md *record.Meta, nowMS float64) time.Duration {
	left := time.Duration(0)
	if m.idle > 0 {
		left = m.idle
	}
	if m.absolute > 0 && md != nil && md.Created > 0 {
		abs := time.Duration((md.Created + ms(m.absolute) - nowMS) * float64(time.Millisecond))
		if left == 0 || abs < left {
			left = max(abs, time.Second)
		}
	}
	return left
}

// refreshDue reports whether a request should write the session only to record
// that it was seen: at most once per tenth of the idle timeout.
func (m *Manager) refreshDue(md *record.Meta, nowMS float64) bool {
	return m.idle > 0 && nowMS-md.Seen > ms(m.idle)/10
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// touchMeta records, in a record about to be written, when the session was
// last seen (and created), when the timeouts need it.
func (s *Session) touchMeta(now float64) {
	md := s.data.Meta
	if md == nil && (!s.m.timeouts() || s.data.ForeignMeta()) {
		return
	}
	if md == nil {
		md = &record.Meta{Created: now}
		s.data.Meta = md
	}
	md.Seen = now
}

// rememberDefault is the cookie lifetime of a remembered session when neither
// CookieConfig.MaxAge nor a timeout gives one.
const rememberDefault = 30 * 24 * time.Hour

// cookieMaxAge is the Max-Age of the session's cookie: the configured one, or
// what RememberMe chose, kept within the session's remaining lifetime.
func (s *Session) cookieMaxAge() int {
	maxAge, md := s.m.cookie.MaxAge, s.data.Meta
	if md != nil && md.Remember < 0 {
		return 0
	}
	left := int(s.m.lifetimeLeft(md, s.m.nowMS()) / time.Second)
	if md != nil && md.Remember > 0 && maxAge == 0 {
		maxAge = left
		if maxAge == 0 {
			maxAge = int(rememberDefault / time.Second)
		}
	}
	if s.m.timeouts() && left > 0 && (maxAge == 0 || left < maxAge) {
		return left
	}
	return maxAge
}

// RememberMe chooses, for this session, between a persistent cookie (true:
// with a Max-Age of CookieConfig.MaxAge, or the session's remaining lifetime,
// or 30 days) and a browser-session cookie (false: no Max-Age), whatever
// CookieConfig.MaxAge says for other sessions. The choice is kept in the
// record, so it survives Regenerate and every later response sends the same
// kind of cookie. Call it at login.
func (s *Session) RememberMe(remember bool) error {
	return s.editMeta(func(md *record.Meta) { md.Remember = map[bool]int8{true: 1, false: -1}[remember] })
}

// SetUser binds the session to a user, so that Manager.DestroyUser can end all
// of that user's sessions ("log out everywhere"). Call it at login, after
// Regenerate. An empty userID removes the binding.
func (s *Session) SetUser(userID string) error {
	return s.editMeta(func(md *record.Meta) {
		if md.User != "" && md.User != userID && s.storedOK {
			s.index = append(s.index, indexChange{user: md.User, id: s.id})
		}
		md.User = userID
		s.indexAdd = userID != ""
	})
}

func (s *Session) editMeta(edit func(md *record.Meta)) error {
	s.lock()
	defer s.mu.Unlock()
	if err := s.merge(false); err != nil {
		return err
	}
	if s.data.ForeignMeta() {
		return fmt.Errorf("%w: the key %q holds the application's own data", ErrInvalidKey, MetaKey)
	}
	if err := s.prepareWrite(); err != nil {
		return err
	}
	if s.data.Meta == nil {
		now := s.m.nowMS()
		s.data.Meta = &record.Meta{Created: now, Seen: now}
	}
	edit(s.data.Meta)
	s.metaSet = true
	return nil
}

// User returns the user the session is bound to with SetUser, or "".
func (s *Session) User() (string, error) {
	s.lock()
	defer s.mu.Unlock()
	if err := s.merge(false); err != nil || s.data.Meta == nil {
		return "", err
	}
	return s.data.Meta.User, nil
}

type indexChange struct{ user, id string }

// updateUserIndex adds id to (add) or removes ids from a user's index, and drops
// the IDs whose sessions no longer exist, with compare-and-swap where the
// driver has it, so concurrent logins of one user keep every ID.
func (m *Manager) updateUserIndex(ctx context.Context, userID string, add string, remove []string) error {
	key := record.IndexKey(userID)
	old, ok, err := m.get(ctx, key, "reading the user index")
	if err != nil {
		return err
	}
	_, err = m.swap(ctx, key, "writing the user index", old, ok, func(old string, _ bool) (string, time.Duration, error) {
		text, err := record.EditIndex(old, add, remove, func(ids []string) ([]string, error) { return m.live(ctx, ids) })
		return text, 0, err
	})
	return err
}

// UserSessions returns the IDs of the live sessions bound to userID with SetUser.
func (m *Manager) UserSessions(ctx context.Context, userID string) ([]string, error) {
	text, _, err := m.get(ctx, record.IndexKey(userID), "reading the user index")
	if err != nil {
		return nil, err
	}
	return m.live(ctx, record.ParseIndex(text))
}

// DestroyUser removes every session bound to userID ("log out everywhere") and
// the user's index, and returns how many sessions it removed. Requests already
// running for those sessions cannot bring them back: their writes fail the
// conditional write and go to a new session that holds only their own changes.
func (m *Manager) DestroyUser(ctx context.Context, userID string) (int, error) {
	ids, err := m.UserSessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		m.recent.put(id, "")
	}
	if n, err := m.inBatches(ctx, ids, true, m.batcher.DeleteMany); err != nil {
		return n, m.storageError("removing a session", err)
	}
	return len(ids), m.remove(ctx, record.IndexKey(userID), "removing the user index")
}
