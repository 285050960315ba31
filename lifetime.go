package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/goastro/session/devalue"
)

// MetaKey is the reserved session key under which the record keeps what the
// idle timeout, the absolute lifetime and the user binding need: when the session
// was created, when it was last seen and whose it is. It is written only when one
// of those features is used; Keys, Get and Set never show or touch it. An Astro
// site sharing the store sees it as one more key.
const MetaKey = "$session"

// userIndexPrefix starts the storage key of a user's index of session IDs.
const userIndexPrefix = "session-users:"

// meta is the decoded MetaKey entry.
type meta struct {
	created float64 // epoch ms
	seen    float64 // epoch ms
	user    string
}

func decodeMeta(v any) *meta {
	obj, ok := v.(*devalue.Object)
	if !ok {
		return nil
	}
	m := &meta{}
	if f, ok := getNumber(obj, "created"); ok {
		m.created = f
	}
	if f, ok := getNumber(obj, "seen"); ok {
		m.seen = f
	}
	if u, ok := obj.Get("user"); ok {
		m.user, _ = u.(string)
	}
	return m
}

func getNumber(o *devalue.Object, k string) (float64, bool) {
	v, ok := o.Get(k)
	if !ok {
		return 0, false
	}
	f, ok := v.(float64)
	return f, ok && !math.IsNaN(f)
}

func (m *meta) value() *devalue.Object {
	o := devalue.NewObject()
	o.Set("created", m.created)
	o.Set("seen", m.seen)
	if m.user != "" {
		o.Set("user", m.user)
	}
	return o
}

// timeouts reports whether the Manager enforces an idle timeout or an absolute lifetime.
func (m *Manager) timeouts() bool { return m.idle > 0 || m.absolute > 0 }

// expiredMeta reports whether a stored session is past its idle timeout or absolute lifetime.
func (m *Manager) expiredMeta(md *meta, nowMS float64) bool {
	if md == nil {
		return false
	}
	if m.absolute > 0 && md.created > 0 && nowMS-md.created > ms(m.absolute) {
		return true
	}
	return m.idle > 0 && md.seen > 0 && nowMS-md.seen > ms(m.idle)
}

// lifetimeLeft is how long a session with md may still live, or 0 when unbounded.
func (m *Manager) lifetimeLeft(md *meta, nowMS float64) time.Duration {
	left := time.Duration(0)
	if m.idle > 0 {
		left = m.idle
	}
	if m.absolute > 0 && md != nil && md.created > 0 {
		abs := time.Duration((md.created + ms(m.absolute) - nowMS) * float64(time.Millisecond))
		if left == 0 || abs < left {
			left = max(abs, time.Second)
		}
	}
	return left
}

// refreshDue reports whether a request should write the session only to record
// that it was seen: at most once per tenth of the idle timeout.
func (m *Manager) refreshDue(md *meta, nowMS float64) bool {
	return m.idle > 0 && md != nil && nowMS-md.seen > ms(m.idle)/10
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cookieMaxAge keeps the cookie's Max-Age in step with the session's remaining lifetime.
func (s *Session) cookieMaxAge() int {
	maxAge := s.m.cookie.MaxAge
	if !s.m.timeouts() {
		return maxAge
	}
	var md *meta
	if s.data != nil {
		md = s.data.meta
	}
	left := int(s.m.lifetimeLeft(md, s.now()) / time.Second)
	if left > 0 && (maxAge == 0 || left < maxAge) {
		return left
	}
	return maxAge
}

// SetUser binds the session to a user, so that Manager.DestroyUser can end all
// of that user's sessions ("log out everywhere"). Call it at login, after
// Regenerate. An empty userID removes the binding.
func (s *Session) SetUser(userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ensureLoaded(s.ctx); err != nil {
		return err
	}
	if err := s.prepareWrite(); err != nil {
		return err
	}
	md := s.data.meta
	if md == nil {
		now := s.now()
		md = &meta{created: now, seen: now}
		s.data.meta = md
	}
	if md.user != "" && md.user != userID {
		s.indexRemove = append(s.indexRemove, indexChange{user: md.user, id: s.id})
	}
	md.user = userID
	s.indexAdd = userID != ""
	return nil
}

// User returns the user the session is bound to with SetUser, or "".
func (s *Session) User() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ensureLoaded(s.ctx); err != nil {
		return "", err
	}
	if s.data == nil || s.data.meta == nil {
		return "", nil
	}
	return s.data.meta.user, nil
}

type indexChange struct{ user, id string }

// userIndexKey is the storage key of a user's index: a hash, so that any user ID
// makes a valid key of fixed length.
func userIndexKey(userID string) string {
	h := sha256.Sum256([]byte(userID))
	return userIndexPrefix + hex.EncodeToString(h[:16])
}

// updateUserIndex adds id to (add) or removes ids from a user's index, and drops
// the IDs whose sessions no longer exist. It uses the driver's conditional write
// where there is one, so concurrent logins of one user keep every ID.
func (m *Manager) updateUserIndex(ctx context.Context, userID string, add string, remove []string) error {
	key := userIndexKey(userID)
	for attempt := 1; ; attempt++ {
		old, exists, err := m.store.Get(ctx, key)
		if err != nil {
			return m.storageError("reading the user index", err)
		}
		ids := parseIndex(old)
		next := make([]string, 0, len(ids)+1)
		for _, id := range ids {
			if id == add || contains(remove, id) || contains(next, id) {
				continue
			}
			if ok, err := m.store.Has(ctx, id); err != nil {
				return m.storageError("checking a session", err)
			} else if ok {
				next = append(next, id)
			}
		}
		if add != "" {
			next = append(next, add)
		}
		text := ""
		if len(next) > 0 {
			if text, err = devalue.Stringify(next); err != nil {
				return err
			}
		}
		if m.swapper == nil {
			if err := m.store.Set(ctx, key, text, 0); err != nil {
				return m.storageError("writing the user index", err)
			}
			return nil
		}
		ok, err := m.swapper.CompareAndSwap(ctx, key, old, exists, text, 0)
		if err != nil {
			return m.storageError("writing the user index", err)
		}
		if ok {
			return nil
		}
		if attempt >= maxWriteAttempts {
			return fmt.Errorf("%w: user index: gave up after %d attempts", ErrConflict, attempt)
		}
	}
}

func parseIndex(text string) []string {
	if text == "" {
		return nil
	}
	var ids []string
	if err := devalue.Unmarshal([]byte(text), &ids); err != nil {
		return nil // a damaged index is rebuilt from the sessions that log in next
	}
	out := ids[:0]
	for _, id := range ids {
		if ValidID(id) {
			out = append(out, id)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// UserSessions returns the IDs of the live sessions bound to userID with SetUser.
func (m *Manager) UserSessions(ctx context.Context, userID string) ([]string, error) {
	text, _, err := m.store.Get(ctx, userIndexKey(userID))
	if err != nil {
		return nil, m.storageError("reading the user index", err)
	}
	var live []string
	for _, id := range parseIndex(text) {
		ok, err := m.store.Has(ctx, id)
		if err != nil {
			return nil, m.storageError("checking a session", err)
		}
		if ok {
			live = append(live, id)
		}
	}
	return live, nil
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
	n := 0
	for _, id := range ids {
		if err := m.store.Delete(ctx, id); err != nil {
			return n, m.storageError("removing a session", err)
		}
		n++
	}
	if err := m.store.Delete(ctx, userIndexKey(userID)); err != nil {
		return n, m.storageError("removing the user index", err)
	}
	return n, nil
}
