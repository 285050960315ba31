package session

import (
	"context"
	"fmt"
)

// Start begins the session of one request from the value of the session cookie
// it carried ("" when it carried none; see Manager.CookieName). A value that is
// not a well-formed session ID is ignored. Start reads nothing from the store:
// the record is read on the session's first read. Finish the session before
// the response is written.
func (m *Manager) Start(ctx context.Context, cookieValue string) *Session {
	s := &Session{m: m, ctx: ctx}
	if ValidID(cookieValue) {
		s.id, s.fromClient = cookieValue, true
	}
	return s
}

// Finish saves what the request changed and returns the Set-Cookie header value
// to send with the response, or "" when the cookie does not change. Call it
// before the response's headers are written. It may be called again after
// more changes: they are saved, but a change that needs a new cookie then
// fails with ErrHeadersWritten. A session that was never used costs nothing.
func (s *Session) Finish(ctx context.Context) (setCookie string, err error) {
	if s == nil {
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx != nil {
		s.ctx = ctx
	}
	if s.pending() {
		if err := s.save(nil); err != nil {
			return "", err
		}
	}
	state, sealed := s.cookie, s.sealed
	s.cookie, s.sealed = cookieKeep, true
	switch {
	case state == cookieKeep:
		return "", nil
	case sealed:
		return "", fmt.Errorf("%w: the session cookie changed after the response started", ErrHeadersWritten)
	case state == cookieSend && s.storedOK:
		s.newID = false
		return s.m.cookie.line(s.id, s.cookieMaxAge()), nil
	case state == cookieSend:
		return "", nil // no record behind the ID (its write failed): nothing to point at
	}
	return s.m.cookie.line("", -1), nil
}

// Used reports whether the request called any of the session's methods. A
// framework adds "Vary: Cookie" to the response of a request that did.
func (s *Session) Used() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// Save writes the session's changes now rather than at Finish (which still
// sends the cookie), for handlers that stream or want to know the write succeeded.
func (s *Session) Save() error {
	s.lock()
	defer s.mu.Unlock()
	return s.save(nil)
}

type contextKey struct{}

// NewContext returns a copy of ctx that carries s, for From.
func NewContext(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, contextKey{}, s)
}

// From returns the session that ctx carries (see NewContext; the middleware
// puts it in every request's context), or nil when there is none. Every method
// of a nil *Session panics with a message saying what is missing.
func From(ctx context.Context) *Session {
	s, _ := ctx.Value(contextKey{}).(*Session)
	return s
}
