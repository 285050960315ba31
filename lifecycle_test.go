package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/memory"
)

// The two-step lifecycle drives a session without net/http: Start with the
// cookie's value, Finish for the cookie to send.
func TestStartFinishWithoutMiddleware(t *testing.T) {
	m, err := New(Config{Storage: memory.New(memory.Options{}), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := m.Start(ctx, "")
	if line, err := s.Finish(ctx); line != "" || err != nil {
		t.Fatalf("an unused session finished with %q, %v", line, err)
	}
	s = m.Start(ctx, "not-an-id")
	if err := s.Set("user", "ada"); err != nil {
		t.Fatal(err)
	}
	line, err := s.Finish(ctx)
	if err != nil || !strings.HasPrefix(line, "astro-session="+s.ID()+"; Path=/; HttpOnly; Secure; SameSite=Lax") {
		t.Fatalf("cookie %q, error %v", line, err)
	}
	s2 := m.Start(NewContext(ctx, nil), s.ID())
	if v, err := s2.Get("user"); v != "ada" || err != nil {
		t.Fatalf("next request read %v, %v", v, err)
	}
	if line, err := s2.Finish(ctx); line != "" || err != nil {
		t.Fatalf("a read-only request finished with %q, %v", line, err)
	}
	if From(NewContext(ctx, s2)) != s2 {
		t.Fatal("From does not return the session NewContext stored")
	}
	if err := s2.Set("late", 1); err != nil {
		t.Fatal(err)
	}
	if line, err := s2.Finish(ctx); line != "" || err != nil {
		t.Fatalf("a change to a known session after Finish: %q, %v", line, err)
	}
	if err := s2.Regenerate(); !errors.Is(err, ErrHeadersWritten) {
		t.Fatalf("Regenerate after Finish: %v", err)
	}
}

// A nil session (From outside the middleware) says what is missing.
func TestNilSessionSaysWhatIsMissing(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Middleware") {
			t.Fatalf("panic %v", r)
		}
	}()
	From(context.Background()).Set("k", 1)
}

// Records are not kept in memory between requests: sessions filled close to
// the record limit leave nothing behind on the heap.
func TestRecordsNotKeptInMemory(t *testing.T) {
	d := memory.New(memory.Options{})
	m, err := New(Config{Storage: d, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	big := strings.Repeat("x", 900<<10)
	var ids []string
	for range 40 {
		s := m.Start(ctx, "")
		if err := s.Set("blob", big); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID())
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, id := range ids {
		s := m.Start(ctx, id)
		if v, err := s.Get("blob"); err != nil || len(v.(string)) != len(big) {
			t.Fatal("blob lost", err)
		}
		s.Finish(ctx)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Fatalf("reading 40 sessions of 900 KiB kept %d MiB on the heap", grown>>20)
	}
}

type cartLine struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

var errTooMany = errors.New("at most 99")

// An Update whose function fails leaves nothing pending: its error reaches the
// caller, and the end of the request neither re-runs it nor fails.
func TestFailedUpdateLeavesNothingPending(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		e.mux.HandleFunc("/add", func(w http.ResponseWriter, r *http.Request) {
			err := Update(From(r.Context()), "cart", func(old []cartLine, _ bool) ([]cartLine, error) {
				if len(old) >= 5 {
					return nil, errTooMany
				}
				return append(old, cartLine{SKU: "a", Qty: 1}), nil
			})
			if errors.Is(err, errTooMany) {
				http.Error(w, "at most 5", http.StatusBadRequest)
				return
			}
			if err != nil {
				t.Error(err)
			}
		})
		res, _ := e.do("POST", "/add", "")
		cookie := "astro-session=" + sessionCookie(t, res)
		var wg sync.WaitGroup
		codes := make([]int, 20)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, _ := e.do("POST", "/add", cookie)
				codes[i] = res.StatusCode
			}()
		}
		wg.Wait()
		ok, bad := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				ok++
			case http.StatusBadRequest:
				bad++
			default:
				t.Fatalf("status %d among %v", c, codes)
			}
		}
		if _, isSwapper := d.(storage.Swapper); isSwapper && (ok != 4 || bad != 16) {
			t.Fatalf("%d added, %d refused; want 4 and 16", ok, bad)
		}
	})
}

// A stored value that does not fit the type asked for is a distinguishable
// error naming the key, and GetOrDrop drops it so the visitor goes on.
func TestValueOfAnotherType(t *testing.T) {
	d := memory.New(memory.Options{})
	e := newEnv(t, d, Config{})
	id := NewID()
	d.Set(context.Background(), id, `[["Map",1,2],"cart",{"data":3,"expires":-1},"not a cart"]`, 0)
	cart := NewKey[[]cartLine]("cart")
	e.mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		_, _, err := cart.Get(From(r.Context()))
		fmt.Fprintf(w, "%v%v", errors.Is(err, ErrValueType), strings.Contains(fmt.Sprint(err), `"cart"`))
	})
	e.mux.HandleFunc("/drop", func(w http.ResponseWriter, r *http.Request) {
		items, ok, err := cart.GetOrDrop(From(r.Context()))
		fmt.Fprintf(w, "%v%v%v", len(items), ok, err)
	})
	e.mux.HandleFunc("/add", func(w http.ResponseWriter, r *http.Request) {
		err := cart.Update(From(r.Context()), func(old []cartLine, _ bool) ([]cartLine, error) {
			return append(old, cartLine{SKU: "b", Qty: 2}), nil
		})
		fmt.Fprint(w, errors.Is(err, ErrValueType))
	})
	if _, body := e.do("GET", "/get", "astro-session="+id); body != "truetrue" {
		t.Fatalf("typed read of another type: %s", body)
	}
	if _, body := e.do("POST", "/add", "astro-session="+id); body != "true" {
		t.Fatalf("Update over another type: %s", body)
	}
	if _, body := e.do("GET", "/drop", "astro-session="+id); body != "0false<nil>" {
		t.Fatalf("GetOrDrop: %s", body)
	}
	res, body := e.do("POST", "/add", "astro-session="+id)
	if body != "false" {
		t.Fatalf("Update after the drop: %s", body)
	}
	if c := res.Header.Get("Set-Cookie"); c != "" {
		id = sessionCookie(t, res) // the drop left the record empty: a new ID, as for an unknown one
	}
	if text, _, _ := d.Get(context.Background(), id); !strings.Contains(text, `"b"`) || strings.Contains(text, "not a cart") {
		t.Fatalf("stored %s", text)
	}
}

type level struct {
	X []level
}

// A typed read is bounded by the stored text's size: a small record whose
// levels each hold two references to the next is not expanded into a tree of
// 2^depth values.
func TestTypedReadBounded(t *testing.T) {
	const depth = 40
	// slots: 3+i is level i, {"X": 4+depth+i}; 4+depth+i is [level i+1, level i+1].
	var b strings.Builder
	b.WriteString(`[["Map",1,2],"tree",{"data":3,"expires":-1}`)
	for i := 0; i <= depth; i++ {
		fmt.Fprintf(&b, `,{"X":%d}`, 4+depth+i)
	}
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, `,[%d,%d]`, 4+i, 4+i)
	}
	b.WriteString(`,[]]`)
	d := memory.New(memory.Options{})
	m, err := New(Config{Storage: d, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	id := NewID()
	d.Set(context.Background(), id, b.String(), 0)
	s := m.Start(context.Background(), id)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, _, err = Get[level](s, "tree")
	runtime.ReadMemStats(&ms)
	if !errors.Is(err, ErrValueType) {
		t.Fatalf("error %v, want ErrValueType", err)
	}
	if grown := ms.TotalAlloc - before; grown > 64<<20 {
		t.Fatalf("a %d-byte record took %d MiB to read", b.Len(), grown>>20)
	}
}

// A new session whose first write failed sends no cookie: there is no record
// for the ID to point at.
func TestNoCookieForAnUnsavedSession(t *testing.T) {
	d := memory.New(memory.Options{})
	m, err := New(Config{Storage: d, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	d.Close() // every call fails
	ctx := context.Background()
	s := m.Start(ctx, "")
	err = Update(s, "n", func(n int, _ bool) (int, error) { return n + 1, nil })
	if !errors.Is(err, ErrStorage) {
		t.Fatalf("Update on a closed store: %v", err)
	}
	if line, err := s.Finish(ctx); line != "" || err != nil {
		t.Fatalf("Finish after the failed write: %q, %v", line, err)
	}
}
