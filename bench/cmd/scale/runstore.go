package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/goastro/session"
)

// Index ranges of the sessions of the two users, far above any fill.
const (
	smallUserBase = 1 << 44
	heavyUserBase = 1<<44 + 1<<40
	smallUserN    = 10
)

// runStore measures one store and writes its report to w. The small size and
// the full size are two stores of the same kind (two folders, two servers, two
// schemas), so that their latencies can be measured in alternating rounds,
// which the load of a shared machine hits alike.
func runStore(ctx context.Context, cfg config, name, rec string, w io.Writer) (err error) {
	small, err := openTarget(ctx, cfg, name)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, small.close()) }()
	salt := rand.Uint64()
	halfDead := small.sweep != nil
	fmt.Fprintf(w, "### %s\n\n", small.name)
	if halfDead {
		fmt.Fprintf(w, "The odd-numbered half of the sessions is written with a TTL of %v, so the store holds every session but half of them have expired (as before a sweep); reads and writes go to the live half.\n\n", deadTTL)
	}
	if err := fill(ctx, small.d, salt, 0, cfg.small, rec, halfDead, cfg.workers); err != nil {
		return err
	}
	big, err := openTarget(ctx, cfg, name)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, big.close()) }()
	start := time.Now()
	if err := fill(ctx, big.d, salt, 0, cfg.n, rec, halfDead, cfg.workers); err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(w, "Fill: %s sessions in %s (%s writes/s, %d goroutines).\n\n", thousands(int64(cfg.n)),
		took.Round(time.Second), thousands(int64(float64(cfg.n)/took.Seconds())), cfg.workers)
	if err := reportFootprint(ctx, big, cfg.n, rec, w); err != nil {
		return err
	}
	sl, bl, err := alternate(ctx, small, big, salt, cfg, rec)
	if err != nil {
		return err
	}
	writeLatency(w, sl, bl)
	if err := compareUserSessions(ctx, small, big, salt, cfg, rec, w); err != nil {
		return err
	}
	mBig, err := session.New(session.Config{Storage: big.d})
	if err != nil {
		return err
	}
	defer mBig.Close()
	if err := heavyUser(ctx, big, mBig, salt, cfg, rec, w); err != nil {
		return err
	}
	if big.sweep != nil {
		return measureSweep(ctx, big, cfg, w)
	}
	fmt.Fprintf(w, "- Sweep: none; the server expires keys itself.\n\n")
	return nil
}

// alternate measures the latencies of the small and the big store in ten
// alternating rounds.
func alternate(ctx context.Context, small, big *target, salt uint64, cfg config, rec string) (sizeLatency, sizeLatency, error) {
	const rounds = 10
	var s, b sizeLatency
	per := max(1, cfg.samples/rounds)
	for range rounds {
		if err := measureLatency(ctx, small, salt, cfg.small, per, rec, &s); err != nil {
			return s, b, err
		}
		if err := measureLatency(ctx, big, salt, cfg.n, per, rec, &b); err != nil {
			return s, b, err
		}
	}
	return s, b, nil
}

// compareUserSessions times Manager.UserSessions of a user with a few sessions
// in the small and in the big store, in alternating rounds.
func compareUserSessions(ctx context.Context, small, big *target, salt uint64, cfg config, rec string, w io.Writer) error {
	var ms [2]*session.Manager
	var ds [2][]time.Duration
	for i, t := range []*target{small, big} {
		m, err := session.New(session.Config{Storage: t.d})
		if err != nil {
			return err
		}
		defer m.Close()
		ms[i] = m
		if _, err := addUser(ctx, t, salt, "scale-small", smallUserBase, smallUserN, rec, cfg.workers); err != nil {
			return err
		}
	}
	for range 10 {
		for i, m := range ms {
			d, err := timeUserSessions(ctx, m, "scale-small", smallUserN)
			if err != nil {
				return err
			}
			ds[i] = append(ds[i], d...)
		}
	}
	a, b := percentiles(ds[0]).p50, percentiles(ds[1]).p50
	fmt.Fprintf(w, "- `UserSessions` of a user with %d sessions: %s p50 with %s sessions in the store, %s with %s (×%.2f).\n",
		smallUserN, fmtDur(a), thousands(int64(cfg.small)), fmtDur(b), thousands(int64(cfg.n)), float64(b)/float64(a))
	return nil
}

func reportFootprint(ctx context.Context, t *target, n int, rec string, w io.Writer) error {
	bytes, how, err := t.footprint(ctx)
	if err != nil {
		return fmt.Errorf("footprint: %w", err)
	}
	fmt.Fprintf(w, "Footprint: %s for %s sessions, **%s bytes per session** for a record of %d bytes (×%.1f); %s.\n\n",
		mib(bytes), thousands(int64(n)), thousands(bytes/int64(n)), len(rec), float64(bytes)/float64(n)/float64(len(rec)), how)
	return nil
}

func writeLatency(w io.Writer, small, large sizeLatency) {
	fmt.Fprintf(w, "| sessions in the store | read p50 / p99 | write p50 / p99 |")
	durable := len(small.durables) > 0
	if durable {
		fmt.Fprintf(w, " write with fsync p50 / p99 |")
	}
	fmt.Fprintf(w, "\n|---:|---:|---:|")
	if durable {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, s := range []sizeLatency{small, large} {
		fmt.Fprintf(w, "| %s | %s | %s |", thousands(int64(s.sessions)), s.read(), s.write())
		if durable {
			fmt.Fprintf(w, " %s |", s.durable())
		}
		fmt.Fprintln(w)
	}
	ratio := func(a, b latency) float64 { return float64(b.p99) / float64(a.p99) }
	fmt.Fprintf(w, "\np99 at %s ÷ p99 at %s: read ×%.2f, write ×%.2f", thousands(int64(large.sessions)), thousands(int64(small.sessions)),
		ratio(small.read(), large.read()), ratio(small.write(), large.write()))
	if durable {
		fmt.Fprintf(w, ", write with fsync ×%.2f", ratio(small.durable(), large.durable()))
	}
	fmt.Fprintf(w, " (goal: at most ×1.5).\n\n")
}

// addUser stores n live sessions bound to user and the user's index, and
// checks that Manager.UserSessions lists them all.
func addUser(ctx context.Context, t *target, salt uint64, user string, base, n int, rec string, workers int) ([]string, error) {
	if err := fill(ctx, t.d, salt, base, base+n, rec, false, workers); err != nil {
		return nil, err
	}
	ids := make([]string, n)
	for j := range ids {
		ids[j] = sessionID(salt, uint64(base+j))
	}
	key, text, err := userIndex(user, ids)
	if err != nil {
		return nil, err
	}
	if err := t.d.Set(ctx, key, text, 0); err != nil {
		return nil, err
	}
	return ids, nil
}

// timeUserSessions times 20 calls of Manager.UserSessions(user), which must
// list want sessions.
func timeUserSessions(ctx context.Context, m *session.Manager, user string, want int) ([]time.Duration, error) {
	var ds []time.Duration
	for range 20 {
		start := time.Now()
		ids, err := m.UserSessions(ctx, user)
		ds = append(ds, time.Since(start))
		if err != nil {
			return nil, err
		}
		if len(ids) != want {
			return nil, fmt.Errorf("UserSessions(%s) listed %d sessions, want %d (has the index format changed?)", user, len(ids), want)
		}
	}
	return ds, nil
}

// heavyUser measures a user with cfg.userSessions sessions: UserSessions, a
// login through the library (which updates the user's index), and DestroyUser.
func heavyUser(ctx context.Context, t *target, m *session.Manager, salt uint64, cfg config, rec string, w io.Writer) error {
	const user = "scale-heavy"
	ids, err := addUser(ctx, t, salt, user, heavyUserBase, cfg.userSessions, rec, cfg.workers)
	if err != nil {
		return err
	}
	start := time.Now()
	listed, err := m.UserSessions(ctx, user)
	if err != nil {
		return err
	}
	list := time.Since(start)
	if len(listed) != len(ids) {
		return fmt.Errorf("UserSessions listed %d of %d sessions", len(listed), len(ids))
	}
	login, err := timeLogin(m, user)
	if err != nil {
		return err
	}
	start = time.Now()
	n, err := m.DestroyUser(ctx, user)
	destroy := time.Since(start)
	if err != nil {
		return err
	}
	if n != len(ids)+1 {
		return fmt.Errorf("DestroyUser removed %d sessions, want %d", n, len(ids)+1)
	}
	for _, id := range []string{ids[0], ids[len(ids)/2], ids[len(ids)-1]} {
		if ok, err := t.d.Has(ctx, id); err != nil || ok {
			return fmt.Errorf("session %s still there after DestroyUser (err %v)", id, err)
		}
	}
	fmt.Fprintf(w, "- A user with %s sessions: `UserSessions` %s; one more login through the library (which rewrites the user's index) %s; `DestroyUser` %s (%s sessions removed, %.1f µs each).\n",
		thousands(int64(len(ids))), fmtDur(list), fmtDur(login), fmtDur(destroy), thousands(int64(n)), float64(destroy.Microseconds())/float64(n))
	return nil
}

// timeLogin signs a new session in as user through the Manager's middleware.
func timeLogin(m *session.Manager, user string) (time.Duration, error) {
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := signIn(session.From(r.Context()), user); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	rw := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rw, httptest.NewRequest(http.MethodPost, "/login", nil))
	took := time.Since(start)
	if rw.Code != http.StatusOK {
		return 0, fmt.Errorf("login: status %d: %s", rw.Code, rw.Body)
	}
	return took, nil
}

// measureSweep sweeps the store (half of the fill expired) and checks that
// exactly the live sessions are left.
func measureSweep(ctx context.Context, t *target, cfg config, w io.Writer) error {
	var removed int64
	heap, rss, took, err := peak(func() error {
		var err error
		removed, err = t.sweep(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	keys, err := t.d.Keys(ctx, "")
	if err != nil {
		return err
	}
	live, odd := 0, 0
	for _, k := range keys {
		if i, ok := idIndex(k); ok && i < uint64(cfg.n) {
			live++
			if i%2 == 1 {
				odd++
			}
		}
	}
	wantRemoved := int64(cfg.n / 2)
	stored := "unknown"
	if t.stored != nil {
		n, err := t.stored(ctx)
		if err != nil {
			return err
		}
		stored = thousands(n)
	}
	fmt.Fprintf(w, "- Sweep over %s sessions, half expired: %s; removed %s (want %s); peak Go heap above the heap before: %s; peak resident memory of the process: %s; live sessions left %s (want %s, none of them expired), records stored %s.\n\n",
		thousands(int64(cfg.n)), fmtDur(took), thousands(removed), thousands(wantRemoved), mib(int64(heap)), mib(rss),
		thousands(int64(live)), thousands(int64(cfg.n-cfg.n/2)), stored)
	if removed != wantRemoved || live != cfg.n-cfg.n/2 || odd != 0 {
		return fmt.Errorf("sweep removed %d (want %d), left %d live (want %d), %d expired listed", removed, wantRemoved, live, cfg.n-cfg.n/2, odd)
	}
	return nil
}
