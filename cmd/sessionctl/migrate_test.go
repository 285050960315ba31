package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	session "github.com/goastro/session"
	sredis "github.com/goastro/session/storage/redis"
)

// TestMigrateFSToRedis moves 10,000 sessions from fs-lite to Redis, then
// serves them from Redis with a Manager: nobody is logged out.
func TestMigrateFSToRedis(t *testing.T) {
	src := openTestStore(t, "fs-lite", map[string]any{"base": t.TempDir(), "noSync": true})
	dst := redisStore(t)
	start := time.Now()
	const n = 10000
	ctx := context.Background()
	future := time.Now().Add(2 * time.Hour).UnixMilli()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				ids[i] = session.NewID()
				exp := int64(0)
				if i%2 == 0 {
					exp = future // half the sessions expire, half do not
				}
				if err := src.d.Set(ctx, ids[i], recordText(t, "cart", fmt.Sprintf("cart-%d", i), exp), 0); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	dead := session.NewID()
	src.d.Set(ctx, dead, recordText(t, "cart", "gone", time.Now().Add(-time.Minute).UnixMilli()), 0)

	t.Logf("seeded %d sessions on fs-lite in %v", n, time.Since(start))
	start = time.Now()
	to := dst.flags()
	args := src.flags("migrate", "-to-driver", to[1], "-to-options", to[3])
	out := mustCtl(t, "", args...)
	if want := "copied 10000, skipped 1 (0 already on the target, 0 different on the target, 1 expired, 0 gone from the source), failed 0\n"; out != want {
		t.Fatalf("migrate: %q, want %q", out, want)
	}
	t.Logf("migrated them to Redis in %v", time.Since(start))
	if out := mustCtl(t, "", args...); !strings.HasPrefix(out, "copied 0, skipped 10001 (10000 already on the target") {
		t.Fatalf("second migrate: %q", out)
	}
	m := manager(t, dst.d)
	for i := 0; i < n; i += 997 {
		got, id := serve(t, m, ids[i], "cart")
		if got != fmt.Sprintf("cart-%d", i) || id != ids[i] {
			t.Fatalf("session %d on Redis: Get = %q in session %s, want cart-%d in %s", i, got, id, i, ids[i])
		}
	}
	// expiries are kept: an expiring record expires on Redis too, the others do not
	raw := dst.d.(*sredis.Driver).Client()
	base := dst.options["base"].(string) + ":"
	if ttl := raw.PTTL(ctx, base+ids[0]).Val(); ttl < time.Hour || ttl > 2*time.Hour+2*time.Second {
		t.Errorf("PTTL of an expiring session = %v, want about 2h", ttl)
	}
	if ttl := raw.PTTL(ctx, base+ids[1]).Val(); ttl != -1 {
		t.Errorf("PTTL of a session without expiry = %v, want none", ttl)
	}
}
