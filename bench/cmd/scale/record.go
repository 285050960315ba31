package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/devalue"
	"github.com/goastro/session/storage/memory"
)

// cartItem and prefs are the example shop's cart line and preferences.
type cartItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

type prefs struct {
	Theme string `json:"theme"`
	Lang  string `json:"lang"`
}

var (
	keyUserID    = session.NewKey[string]("userId")
	keyUsername  = session.NewKey[string]("username")
	keyRole      = session.NewKey[string]("role")
	keyLoginTime = session.NewKey[time.Time]("loginTime")
	keyCart      = session.NewKey[[]cartItem]("cartItems")
	keyPrefs     = session.NewKey[prefs]("preferences")
)

// signIn sets what the shop stores for a signed-in visitor, with a five-line
// cart, and binds the session to the user.
func signIn(s *session.Session, user string) error {
	cart := []cartItem{{"tee", 2}, {"mug", 1}, {"stickers", 3}, {"hoodie", 1}, {"cap", 4}}
	return firstErr(
		keyUserID.Set(s, user),
		keyUsername.Set(s, "visitor-"+user),
		keyRole.Set(s, "customer"),
		keyLoginTime.Set(s, time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)),
		keyPrefs.Set(s, prefs{Theme: "dark", Lang: "en"}),
		keyCart.Set(s, cart),
		s.SetUser(user),
	)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// makeRecord returns the stored text of a signed-in session, written by the
// library through its middleware on a memory store.
func makeRecord() (string, error) {
	store := memory.New(memory.Options{})
	defer store.Close()
	m, err := session.New(session.Config{Storage: store})
	if err != nil {
		return "", err
	}
	defer m.Close()
	var id string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if err := signIn(s, "u-1042"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		id = s.ID()
	}))
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, httptest.NewRequest(http.MethodPost, "/login", nil))
	if rw.Code != http.StatusOK {
		return "", fmt.Errorf("making the record: status %d: %s", rw.Code, rw.Body)
	}
	text, ok, err := store.Get(context.Background(), id)
	if err != nil || !ok {
		return "", fmt.Errorf("making the record: stored record not found (%v)", err)
	}
	return text, nil
}

// sessionID returns the ID of session number i: a UUID v4 whose first eight
// bytes are spread by a hash of i (so that keys arrive in random order, as
// random IDs do) and whose last six bytes hold i itself, so IDs never collide
// and i can be read back (idIndex).
func sessionID(salt uint64, i uint64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], mix(i^salt))
	binary.BigEndian.PutUint16(b[8:10], uint16(mix(i+salt)))
	b[10], b[11] = byte(i>>40), byte(i>>32)
	binary.BigEndian.PutUint32(b[12:16], uint32(i))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// idIndex reads back i from a sessionID.
func idIndex(id string) (uint64, bool) {
	if !session.ValidID(id) {
		return 0, false
	}
	b, err := hex.DecodeString(id[24:36])
	if err != nil {
		return 0, false
	}
	return uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(binary.BigEndian.Uint32(b[2:6])), true
}

// mix is SplitMix64's finalizer.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// userIndex returns the storage key and text of the index of userID's
// sessions, as the session package writes it (checked at run time against
// Manager.UserSessions). Writing it directly lets a user with many sessions be
// set up without a login per session, each of which checks every session
// already listed.
func userIndex(userID string, ids []string) (key, text string, err error) {
	h := sha256.Sum256([]byte(userID))
	text, err = devalue.Stringify(ids)
	return "session-users:" + hex.EncodeToString(h[:16]), text, err
}
