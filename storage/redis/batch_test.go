package redis

import (
	"context"
	"fmt"
	"testing"

	session "github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
)

// TestBatchRoundTrips: HasMany and DeleteMany of a thousand keys cost one round
// trip each on a single server (a pipeline).
func TestBatchRoundTrips(t *testing.T) {
	d := openSingle(t, Config{})
	ctx := context.Background()
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("rt:%d", i)
		if i%2 == 0 {
			if err := d.Set(ctx, keys[i], "v", 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	var rt roundTrips
	d.Client().AddHook(&rt)
	found, err := d.HasMany(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range found {
		if ok != (i%2 == 0) {
			t.Fatalf("HasMany: key %d found %v", i, ok)
		}
	}
	if n := rt.n.Load(); n != 1 {
		t.Fatalf("HasMany of 1,000 keys took %d round trips, want 1", n)
	}
	if err := d.DeleteMany(ctx, keys); err != nil {
		t.Fatal(err)
	}
	if n := rt.n.Load(); n != 2 {
		t.Fatalf("DeleteMany of 1,000 keys took %d round trips, want 1", n-1)
	}
	if left, err := d.Keys(ctx, "rt:"); err != nil || len(left) != 0 {
		t.Fatalf("after DeleteMany: %d keys left, %v", len(left), err)
	}
}

// TestDestroyUserOnCluster: the Manager lists and removes a user's sessions,
// spread over every master of a cluster, with the batched calls (more than one
// batch of them).
func TestDestroyUserOnCluster(t *testing.T) {
	addrs := testenv.StartRedisCluster(t, 3)
	d, err := Open(Options{Cluster: addrs, Config: Config{Base: testBase(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m, err := session.New(session.Config{Storage: d})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	login := func(user string) string {
		s := m.Start(ctx, "")
		if err := s.SetUser(user); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		return s.ID()
	}
	const n = 1100
	ada := map[string]bool{}
	for range n {
		ada[login("ada")] = true
	}
	bob := login("bob")
	for _, a := range addrs {
		if size, err := testenv.RedisCommand(a, "DBSIZE"); err != nil || size == "0" {
			t.Fatalf("master %s holds %s keys (%v): the sessions are not spread", a, size, err)
		}
	}
	ids, err := m.UserSessions(ctx, "ada")
	if err != nil || len(ids) != n {
		t.Fatalf("UserSessions: %d sessions, %v; want %d", len(ids), err, n)
	}
	for _, id := range ids {
		if !ada[id] {
			t.Fatalf("UserSessions lists a session that is not ada's")
		}
	}
	removed, err := m.DestroyUser(ctx, "ada")
	if err != nil || removed != n {
		t.Fatalf("DestroyUser = %d, %v; want %d", removed, err, n)
	}
	found, err := d.HasMany(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range found {
		if ok {
			t.Fatal("a session of ada survived DestroyUser")
		}
	}
	if ids, err := m.UserSessions(ctx, "bob"); err != nil || len(ids) != 1 || ids[0] != bob {
		t.Fatalf("bob's sessions: %v, %v", ids, err)
	}
}
