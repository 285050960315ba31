// Package storagetest is the conformance suite of storage drivers. Every driver,
// present and future, runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Driver {
//			d, err := mydriver.New(...) // a fresh, empty store
//			if err != nil {
//				t.Fatal(err)
//			}
//			return d
//		})
//	}
//
// newDriver is called once per subtest and must return a driver whose store is
// empty and not shared with any other call: a new temporary folder, a fresh key
// prefix on a shared server. The suite only touches keys it creates, under that
// store, and calls Clear on it, so a driver whose Clear is confined to its base
// can run the suite against a server that holds other data. The suite closes
// every driver it gets (closing again is then harmless).
//
// The suite checks the contract documented on storage.Driver, storage.Swapper
// and storage.Batcher (the latter two only when the driver implements them):
// reads and writes, empty values, key normalization and refused keys, listing
// by prefix, Clear, expiry (short TTLs, about two seconds of waiting in all),
// 1 MiB values, concurrent writers (meaningful under -race), atomic
// compare-and-swap, batched checks and deletes, cancelled contexts and use
// after Close.
//
// The suite never stores a key that is also the folder of another ("a" and
// "a:b"), which file-based stores cannot hold at the same time.
package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session/storage"
)

// Run runs the conformance suite as subtests of t.
func Run(t *testing.T, newDriver func(t *testing.T) storage.Driver) {
	RunWith(t, newDriver, Options{})
}

// Options adapts the suite to a driver whose store has limits of its own, such
// as a hosted key-value service with a shorter key limit or a minimum expiry.
type Options struct {
	// Skip names subtests that do not apply to the driver ("TTL",
	// "CompareAndSwapTTL", ...), each with the reason, which the skipped subtest
	// reports. A name that is not a subtest of the suite fails the run.
	Skip map[string]string
	// MaxKeyLen is the driver's own limit on a key, in bytes, when it is lower
	// than storage.MaxKeyLen. The BadKeys subtest then expects a longer key to be
	// refused with an error wrapping storage.ErrInvalidKey, and stores the
	// longest key within this limit. Zero means storage.MaxKeyLen.
	MaxKeyLen int
}

// RunWith runs the conformance suite as subtests of t, adapted by opts.
func RunWith(t *testing.T, newDriver func(t *testing.T) storage.Driver, opts Options) {
	maxKey := storage.MaxKeyLen
	if opts.MaxKeyLen > 0 && opts.MaxKeyLen < maxKey {
		maxKey = opts.MaxKeyLen
	}
	open := func(t *testing.T) storage.Driver {
		t.Helper()
		d := newDriver(t)
		if d == nil {
			t.Fatal("newDriver returned nil")
		}
		t.Cleanup(func() {
			if err := d.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
				t.Errorf("Close: %v", err)
			}
		})
		return d
	}
	tests := []subtest{
		{"GetSetDelete", testGetSetDelete},
		{"Has", testHas},
		{"EmptyValue", testEmptyValue},
		{"Values", testValues},
		{"KeyNormalization", testKeyNormalization},
		{"BadKeys", func(t *testing.T, d storage.Driver) { testBadKeys(t, d, maxKey) }},
		{"Keys", testKeys},
		{"Clear", testClear},
		{"TTL", testTTL},
		{"LargeValue", testLargeValue},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ContextCanceled", testContextCanceled},
		{"Closed", testClosed},
		{"CompareAndSwap", testCompareAndSwap},
		{"CompareAndSwapTTL", testCompareAndSwapTTL},
		{"CompareAndSwapConcurrent", testCompareAndSwapConcurrent},
		{"Batcher", testBatcher},
	}
	for name := range opts.Skip {
		if !slices.ContainsFunc(tests, func(tc subtest) bool { return tc.name == name }) {
			t.Fatalf("storagetest: Options.Skip names %q, which is not a subtest of the suite", name)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if reason, ok := opts.Skip[tc.name]; ok {
				t.Skip(reason)
			}
			tc.fn(t, open(t))
		})
	}
}

type subtest struct {
	name string
	fn   func(t *testing.T, d storage.Driver)
}

func bg() context.Context { return context.Background() }

func mustSet(t *testing.T, d storage.Driver, k, v string, ttl time.Duration) {
	t.Helper()
	if err := d.Set(bg(), k, v, ttl); err != nil {
		t.Fatalf("Set(%q, %d bytes, %v): %v", k, len(v), ttl, err)
	}
}

func wantValue(t *testing.T, d storage.Driver, k, want string) {
	t.Helper()
	got, ok, err := d.Get(bg(), k)
	if err != nil {
		t.Fatalf("Get(%q): %v", k, err)
	}
	if !ok {
		t.Fatalf("Get(%q): no value, want %q", k, abbrev(want))
	}
	if got != want {
		t.Fatalf("Get(%q) = %q, want %q", k, abbrev(got), abbrev(want))
	}
}

func wantMissing(t *testing.T, d storage.Driver, k string) {
	t.Helper()
	got, ok, err := d.Get(bg(), k)
	if err != nil {
		t.Fatalf("Get(%q): %v", k, err)
	}
	if ok || got != "" {
		t.Fatalf("Get(%q) = %q, %v; want no value", k, abbrev(got), ok)
	}
	has, err := d.Has(bg(), k)
	if err != nil {
		t.Fatalf("Has(%q): %v", k, err)
	}
	if has {
		t.Fatalf("Has(%q) = true for a key without value", k)
	}
}

func wantKeys(t *testing.T, d storage.Driver, prefix string, want ...string) {
	t.Helper()
	got, err := d.Keys(bg(), prefix)
	if err != nil {
		t.Fatalf("Keys(%q): %v", prefix, err)
	}
	got = slices.Clone(got)
	sort.Strings(got)
	want = slices.Clone(want)
	sort.Strings(want)
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Keys(%q) = %q, want %q", prefix, got, want)
	}
}

func abbrev(s string) string {
	if len(s) > 80 {
		return s[:80] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

func testGetSetDelete(t *testing.T, d storage.Driver) {
	wantMissing(t, d, "k1")
	mustSet(t, d, "k1", "v1", 0)
	wantValue(t, d, "k1", "v1")
	mustSet(t, d, "k1", "v2", 0)
	wantValue(t, d, "k1", "v2")
	mustSet(t, d, "k2", "other", 0)
	if err := d.Delete(bg(), "k1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantMissing(t, d, "k1")
	wantValue(t, d, "k2", "other")
	if err := d.Delete(bg(), "k1"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if err := d.Delete(bg(), "never-set"); err != nil {
		t.Fatalf("Delete of a never-set key: %v", err)
	}
	// A key can be set again after a delete, and nested keys work.
	mustSet(t, d, "k1", "v3", 0)
	wantValue(t, d, "k1", "v3")
	mustSet(t, d, "dir:sub:leaf", "nested", 0)
	wantValue(t, d, "dir:sub:leaf", "nested")
	if err := d.Delete(bg(), "dir:sub:leaf"); err != nil {
		t.Fatalf("Delete nested: %v", err)
	}
	wantMissing(t, d, "dir:sub:leaf")
}

func testHas(t *testing.T, d storage.Driver) {
	has, err := d.Has(bg(), "h")
	if err != nil || has {
		t.Fatalf("Has on empty store = %v, %v", has, err)
	}
	mustSet(t, d, "h", "x", 0)
	has, err = d.Has(bg(), "h")
	if err != nil || !has {
		t.Fatalf("Has after Set = %v, %v", has, err)
	}
	if has, err := d.Has(bg(), "h:child"); err != nil || has {
		t.Fatalf("Has(h:child) = %v, %v", has, err)
	}
}

func testEmptyValue(t *testing.T, d storage.Driver) {
	mustSet(t, d, "e", "", 0)
	wantMissing(t, d, "e")
	wantKeys(t, d, "")
	mustSet(t, d, "e", "full", 0)
	wantValue(t, d, "e", "full")
	mustSet(t, d, "e", "", time.Hour)
	wantMissing(t, d, "e")
	wantKeys(t, d, "")
}

func testValues(t *testing.T, d storage.Driver) {
	values := []string{
		" ",
		"\n",
		"  padded  \r\n",
		`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`,
		`[["Map",1,2],"user",{"data":3,"expires":7},{"id":1,"name":4,"roles":5},"Houston",["Set",6],"admin",1767225600000]`,
		"unicode: é ß 中文 😀 \u2028 \u2029",
		`quotes " ' \ and \\ backslashes`,
		"null", "true", "0", "-1", "1e3", `"quoted"`, "{}", "[]", "undefined",
		"tab\tand\x01control\x7f",
	}
	for i, v := range values {
		k := "v" + strconv.Itoa(i)
		mustSet(t, d, k, v, 0)
		wantValue(t, d, k, v)
	}
}

func testKeyNormalization(t *testing.T, d storage.Driver) {
	cases := []struct{ set, get, stored string }{
		{"a/b", "a:b", "a:b"},
		{`c\d`, "c:d", "c:d"},
		{":lead:trail:", "lead:trail", "lead:trail"},
		{"x::y", "x:y", "x:y"},
		{"q?version=2", "q", "q"},
		{"/u//v\\w/", "u/v/w", "u:v:w"},
	}
	var stored []string
	for i, c := range cases {
		v := "n" + strconv.Itoa(i)
		mustSet(t, d, c.set, v, 0)
		wantValue(t, d, c.get, v)
		wantValue(t, d, c.stored, v)
		stored = append(stored, c.stored)
	}
	wantKeys(t, d, "", stored...)
	if err := d.Delete(bg(), "a/b"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantMissing(t, d, "a:b")
}

func testBadKeys(t *testing.T, d storage.Driver, maxKey int) {
	bad := []string{
		"", ":", "::", "/", "?", "?x", "\\/:",
		".", "..", "a:..", "..:a", "a:..:b", "a/../b", "a/./b", "x..", "x..:y",
		"nul\x00byte", "bad\xffutf8",
		strings.Repeat("k", maxKey+1),
		strings.Repeat("s", storage.MaxSegmentLen+1) + ":x",
	}
	check := func(op, k string, err error) {
		t.Helper()
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("%s(%q): err = %v, want one wrapping storage.ErrInvalidKey", op, abbrev(k), err)
		}
	}
	for _, k := range bad {
		check("Set", k, d.Set(bg(), k, "v", 0))
		_, _, err := d.Get(bg(), k)
		check("Get", k, err)
		_, err = d.Has(bg(), k)
		check("Has", k, err)
		check("Delete", k, d.Delete(bg(), k))
		if sw, ok := d.(storage.Swapper); ok {
			_, err := sw.CompareAndSwap(bg(), k, "", false, "v", 0)
			check("CompareAndSwap", k, err)
		}
	}
	wantKeys(t, d, "")
	// The longest accepted key works.
	long := strings.Repeat("s", min(storage.MaxSegmentLen, maxKey))
	for len(long)+1+storage.MaxSegmentLen <= maxKey {
		long += ":" + strings.Repeat("s", storage.MaxSegmentLen)
	}
	mustSet(t, d, long, "long", 0)
	wantValue(t, d, long, "long")
	wantKeys(t, d, "", long)
}

func testKeys(t *testing.T, d storage.Driver) {
	wantKeys(t, d, "")
	// No key is also the folder of another ("a" and "a:b"): file-based drivers,
	// unstorage's fs-lite included, cannot hold both.
	keys := []string{"ab", "a:b", "a:bc", "a:d:e", "b:a", "user:1", "user:2", "user:10"}
	for _, k := range keys {
		mustSet(t, d, k, "v-"+k, 0)
	}
	wantKeys(t, d, "", keys...)
	wantKeys(t, d, "a", "ab", "a:b", "a:bc", "a:d:e")
	wantKeys(t, d, "a:", "a:b", "a:bc", "a:d:e")
	wantKeys(t, d, "a:b", "a:b", "a:bc")
	wantKeys(t, d, "a:d", "a:d:e")
	wantKeys(t, d, "a:d:", "a:d:e")
	wantKeys(t, d, "user:1", "user:1", "user:10")
	wantKeys(t, d, "zzz")
	wantKeys(t, d, "b:a:")
	if err := d.Delete(bg(), "user:2"); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, d, "user:", "user:1", "user:10")
	// Many keys: no key lost or listed twice.
	var many []string
	for i := range 150 {
		k := fmt.Sprintf("many:%03d", i)
		many = append(many, k)
		mustSet(t, d, k, strconv.Itoa(i), 0)
	}
	wantKeys(t, d, "many:", many...)
}

func testClear(t *testing.T, d storage.Driver) {
	for _, k := range []string{"c1", "c2", "nested:c3", "deep:er:c4"} {
		mustSet(t, d, k, "v", 0)
	}
	mustSet(t, d, "withttl", "v", time.Hour)
	if err := d.Clear(bg()); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	wantKeys(t, d, "")
	wantMissing(t, d, "c1")
	wantMissing(t, d, "nested:c3")
	wantMissing(t, d, "withttl")
	if err := d.Clear(bg()); err != nil {
		t.Fatalf("Clear of an empty store: %v", err)
	}
	mustSet(t, d, "c1", "again", 0)
	wantValue(t, d, "c1", "again")
	wantKeys(t, d, "", "c1")
}

func testTTL(t *testing.T, d storage.Driver) {
	const ttl = time.Second
	start := time.Now()
	mustSet(t, d, "ttl:short", "gone soon", ttl)
	mustSet(t, d, "ttl:persisted", "first with ttl", ttl)
	mustSet(t, d, "ttl:persisted", "then without", 0) // a Set without TTL clears the expiry
	mustSet(t, d, "ttl:extended", "first short", ttl)
	mustSet(t, d, "ttl:extended", "then long", time.Hour)
	mustSet(t, d, "ttl:long", "an hour", time.Hour)
	mustSet(t, d, "ttl:none", "forever", 0)
	mustSet(t, d, "ttl:negative", "negative ttl means none", -time.Second)
	if time.Since(start) < ttl/2 {
		wantValue(t, d, "ttl:short", "gone soon")
		if has, err := d.Has(bg(), "ttl:short"); err != nil || !has {
			t.Fatalf("Has before expiry = %v, %v", has, err)
		}
		wantKeys(t, d, "ttl:", "ttl:short", "ttl:persisted", "ttl:extended", "ttl:long", "ttl:none", "ttl:negative")
		if b, ok := d.(storage.Batcher); ok {
			wantHasMany(t, b, []string{"ttl:short", "ttl:persisted", "ttl:gone"}, true, true, false)
		}
	}
	time.Sleep(time.Until(start.Add(ttl + 300*time.Millisecond)))
	wantMissing(t, d, "ttl:short")
	if b, ok := d.(storage.Batcher); ok {
		// An expired record counts as absent, and deleting it is not an error.
		wantHasMany(t, b, []string{"ttl:short", "ttl:persisted", "ttl:long"}, false, true, true)
		if err := b.DeleteMany(bg(), []string{"ttl:short"}); err != nil {
			t.Fatalf("DeleteMany of an expired key: %v", err)
		}
	}
	wantKeys(t, d, "ttl:", "ttl:persisted", "ttl:extended", "ttl:long", "ttl:none", "ttl:negative")
	wantValue(t, d, "ttl:persisted", "then without")
	wantValue(t, d, "ttl:extended", "then long")
	wantValue(t, d, "ttl:long", "an hour")
	wantValue(t, d, "ttl:none", "forever")
	wantValue(t, d, "ttl:negative", "negative ttl means none")
	// An expired key can be set again.
	mustSet(t, d, "ttl:short", "back", 0)
	wantValue(t, d, "ttl:short", "back")
}

func testLargeValue(t *testing.T, d storage.Driver) {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, `{"n":%d,"s":"é😀<%d>"},`, i, i*7919)
	}
	v := b.String()[:1<<20]
	for !strings.HasSuffix(v, ",") { // keep it valid UTF-8
		v = v[:len(v)-1]
	}
	v = v + strings.Repeat("x", 1<<20-len(v))
	if len(v) != 1<<20 {
		t.Fatalf("test value is %d bytes", len(v))
	}
	mustSet(t, d, "large", v, 0)
	wantValue(t, d, "large", v)
	v2 := strings.ToUpper(v[:1<<19]) + v[1<<19:]
	mustSet(t, d, "large", v2, time.Hour)
	wantValue(t, d, "large", v2)
}

// testConcurrentWriters has writers overwrite shared keys with values that are
// easy to check for tearing (one repeated letter), while readers verify that
// every value they see is whole.
func testConcurrentWriters(t *testing.T, d storage.Driver) {
	const writers, rounds, shared = 6, 15, 3
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	report := func(err error) {
		select {
		case errc <- err:
		default:
		}
	}
	whole := func(k, v string) error {
		if len(v) != 4096 || strings.Count(v, v[:1]) != len(v) {
			return fmt.Errorf("torn or foreign value under %q: %q", k, abbrev(v))
		}
		return nil
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("shared:%d", (i+r)%shared)
				v, ok, err := d.Get(bg(), k)
				if err != nil {
					report(fmt.Errorf("Get(%q): %w", k, err))
					return
				}
				if ok {
					if err := whole(k, v); err != nil {
						report(err)
						return
					}
				}
				if _, err := d.Keys(bg(), "shared:"); err != nil {
					report(fmt.Errorf("Keys: %w", err))
					return
				}
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			letter := string(rune('a' + w))
			v := strings.Repeat(letter, 4096)
			for i := range rounds {
				own := fmt.Sprintf("own:%d:%d", w, i)
				if err := d.Set(bg(), own, v, 0); err != nil {
					report(fmt.Errorf("Set(%q): %w", own, err))
					return
				}
				k := fmt.Sprintf("shared:%d", i%shared)
				if err := d.Set(bg(), k, v, 0); err != nil {
					report(fmt.Errorf("Set(%q): %w", k, err))
					return
				}
				if i%5 == 4 {
					if err := d.Delete(bg(), k); err != nil {
						report(fmt.Errorf("Delete(%q): %w", k, err))
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	// Every writer's own keys are all there, intact.
	keys, err := d.Keys(bg(), "own:")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != writers*rounds {
		t.Fatalf("Keys(own:) found %d keys, want %d", len(keys), writers*rounds)
	}
	for w := range writers {
		for i := range rounds {
			wantValue(t, d, fmt.Sprintf("own:%d:%d", w, i), strings.Repeat(string(rune('a'+w)), 4096))
		}
	}
	for i := range shared {
		k := fmt.Sprintf("shared:%d", i)
		if v, ok, err := d.Get(bg(), k); err != nil {
			t.Fatal(err)
		} else if ok {
			if err := whole(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func testContextCanceled(t *testing.T, d storage.Driver) {
	mustSet(t, d, "present", "v", 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want one wrapping context.Canceled", op, err)
		}
	}
	_, _, err := d.Get(ctx, "present")
	check("Get", err)
	check("Set", d.Set(ctx, "new", "v", 0))
	check("Set", d.Set(ctx, "present", "changed", 0))
	check("Delete", d.Delete(ctx, "present"))
	_, err = d.Has(ctx, "present")
	check("Has", err)
	_, err = d.Keys(ctx, "")
	check("Keys", err)
	check("Clear", d.Clear(ctx))
	if sw, ok := d.(storage.Swapper); ok {
		_, err := sw.CompareAndSwap(ctx, "present", "v", true, "swapped", 0)
		check("CompareAndSwap", err)
	}
	if b, ok := d.(storage.Batcher); ok {
		_, err := b.HasMany(ctx, []string{"present"})
		check("HasMany", err)
		check("DeleteMany", b.DeleteMany(ctx, []string{"present"}))
	}
	// Nothing changed.
	wantValue(t, d, "present", "v")
	wantMissing(t, d, "new")
	wantKeys(t, d, "", "present")

	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	if _, _, err := d.Get(dctx, "present"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get past its deadline: err = %v, want one wrapping context.DeadlineExceeded", err)
	}
}

func testClosed(t *testing.T, d storage.Driver) {
	mustSet(t, d, "k", "v", 0)
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, storage.ErrClosed) {
			t.Errorf("%s after Close: err = %v, want one wrapping storage.ErrClosed", op, err)
		}
	}
	_, _, err := d.Get(bg(), "k")
	check("Get", err)
	check("Set", d.Set(bg(), "k", "v2", 0))
	check("Delete", d.Delete(bg(), "k"))
	_, err = d.Has(bg(), "k")
	check("Has", err)
	_, err = d.Keys(bg(), "")
	check("Keys", err)
	check("Clear", d.Clear(bg()))
	if sw, ok := d.(storage.Swapper); ok {
		_, err := sw.CompareAndSwap(bg(), "k", "v", true, "v3", 0)
		check("CompareAndSwap", err)
	}
	if b, ok := d.(storage.Batcher); ok {
		_, err := b.HasMany(bg(), []string{"k"})
		check("HasMany", err)
		check("DeleteMany", b.DeleteMany(bg(), []string{"k"}))
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
}

func swapper(t *testing.T, d storage.Driver) storage.Swapper {
	sw, ok := d.(storage.Swapper)
	if !ok {
		t.Skip("driver does not implement storage.Swapper")
	}
	return sw
}

func wantSwap(t *testing.T, sw storage.Swapper, k, old string, exists bool, v string, want bool) {
	t.Helper()
	got, err := sw.CompareAndSwap(bg(), k, old, exists, v, 0)
	if err != nil {
		t.Fatalf("CompareAndSwap(%q, %q, %v, %q): %v", k, old, exists, v, err)
	}
	if got != want {
		t.Fatalf("CompareAndSwap(%q, %q, %v, %q) = %v, want %v", k, old, exists, v, got, want)
	}
}

func testCompareAndSwap(t *testing.T, d storage.Driver) {
	sw := swapper(t, d)
	// Create if absent.
	wantSwap(t, sw, "cas", "", true, "v1", false) // exists=true on a missing key
	wantMissing(t, d, "cas")
	wantSwap(t, sw, "cas", "", false, "v1", true)
	wantValue(t, d, "cas", "v1")
	wantSwap(t, sw, "cas", "", false, "v2", false) // already there
	wantSwap(t, sw, "cas", "v1", false, "v2", false)
	wantValue(t, d, "cas", "v1")
	// Swap if equal; conflict otherwise.
	wantSwap(t, sw, "cas", "v1", true, "v2", true)
	wantValue(t, d, "cas", "v2")
	wantSwap(t, sw, "cas", "v1", true, "v3", false)
	wantSwap(t, sw, "cas", "", true, "v3", false)
	wantValue(t, d, "cas", "v2")
	// Conditional delete with an empty value.
	wantSwap(t, sw, "cas", "other", true, "", false)
	wantValue(t, d, "cas", "v2")
	wantSwap(t, sw, "cas", "v2", true, "", true)
	wantMissing(t, d, "cas")
	wantKeys(t, d, "")
	// Keys are normalized like everywhere else.
	wantSwap(t, sw, "n/k", "", false, "x", true)
	wantValue(t, d, "n:k", "x")
	wantSwap(t, sw, ":n:k:", "x", true, "y", true)
	wantValue(t, d, "n:k", "y")
	// A value written by Set is compared the same way.
	mustSet(t, d, "set", `[["Map"]]`, 0)
	wantSwap(t, sw, "set", `[["Map"]]`, true, `[["Map",1,2],"a",{"data":3,"expires":-1},1]`, true)
	wantValue(t, d, "set", `[["Map",1,2],"a",{"data":3,"expires":-1},1]`)
}

func testCompareAndSwapTTL(t *testing.T, d storage.Driver) {
	sw := swapper(t, d)
	start := time.Now()
	if ok, err := sw.CompareAndSwap(bg(), "casttl", "", false, "expiring", time.Second); err != nil || !ok {
		t.Fatalf("CompareAndSwap with ttl = %v, %v", ok, err)
	}
	if ok, err := sw.CompareAndSwap(bg(), "casttl2", "", false, "first", time.Second); err != nil || !ok {
		t.Fatalf("CompareAndSwap with ttl = %v, %v", ok, err)
	}
	// Swapping without a ttl removes the expiry.
	if ok, err := sw.CompareAndSwap(bg(), "casttl2", "first", true, "kept", 0); err != nil || !ok {
		t.Fatalf("CompareAndSwap = %v, %v", ok, err)
	}
	mustSet(t, d, "setttl", "expiring", time.Second)
	time.Sleep(time.Until(start.Add(time.Second + 300*time.Millisecond)))
	wantMissing(t, d, "casttl")
	wantValue(t, d, "casttl2", "kept")
	// An expired record counts as absent.
	wantSwap(t, sw, "setttl", "expiring", true, "x", false)
	wantSwap(t, sw, "setttl", "", false, "fresh", true)
	wantValue(t, d, "setttl", "fresh")
}

// testCompareAndSwapConcurrent runs read-increment-swap loops in several
// goroutines on one key: with an atomic swap no increment is lost.
func testCompareAndSwapConcurrent(t *testing.T, d storage.Driver) {
	sw := swapper(t, d)
	const workers, increments = 6, 15
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range increments {
				for attempt := 0; ; attempt++ {
					if attempt > 10000 {
						errc <- errors.New("no progress after 10000 attempts")
						return
					}
					cur, ok, err := d.Get(bg(), "counter")
					if err != nil {
						errc <- err
						return
					}
					n := 0
					if ok {
						if n, err = strconv.Atoi(cur); err != nil {
							errc <- fmt.Errorf("counter holds %q", cur)
							return
						}
					}
					swapped, err := sw.CompareAndSwap(bg(), "counter", cur, ok, strconv.Itoa(n+1), 0)
					if err != nil {
						errc <- err
						return
					}
					if swapped {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	wantValue(t, d, "counter", strconv.Itoa(workers*increments))
}

func batcher(t *testing.T, d storage.Driver) storage.Batcher {
	b, ok := d.(storage.Batcher)
	if !ok {
		t.Skip("driver does not implement storage.Batcher")
	}
	return b
}

func wantHasMany(t *testing.T, b storage.Batcher, keys []string, want ...bool) {
	t.Helper()
	got, err := b.HasMany(bg(), keys)
	if err != nil {
		t.Fatalf("HasMany(%d keys): %v", len(keys), err)
	}
	if want == nil {
		want = []bool{}
	}
	if got == nil || !slices.Equal(got, want) {
		t.Fatalf("HasMany(%q) = %v, want %v", abbrevKeys(keys), got, want)
	}
}

func abbrevKeys(keys []string) []string {
	if len(keys) > 8 {
		return append(keys[:8:8], fmt.Sprintf("... (%d keys)", len(keys)))
	}
	return keys
}

func testBatcher(t *testing.T, d storage.Driver) {
	b := batcher(t, d)
	// No keys: nothing to do.
	wantHasMany(t, b, nil)
	if err := b.DeleteMany(bg(), nil); err != nil {
		t.Fatalf("DeleteMany(nil): %v", err)
	}
	mustSet(t, d, "a", "1", 0)
	mustSet(t, d, "b:c", "2", 0)
	mustSet(t, d, "d", "3", time.Hour)
	// One answer per key, in order: missing keys, normalized forms, repeats.
	wantHasMany(t, b, []string{"a", "missing", "b/c", "a", ":d:", "b", "a:x"}, true, false, true, true, true, false, false)
	// A refused key fails the whole call and deletes nothing.
	for _, bad := range []string{"", "a:..:b", "x\x00y", "\xff"} {
		if _, err := b.HasMany(bg(), []string{"a", bad}); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("HasMany with the key %q: err = %v, want one wrapping storage.ErrInvalidKey", bad, err)
		}
		if err := b.DeleteMany(bg(), []string{"a", "d", bad}); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("DeleteMany with the key %q: err = %v, want one wrapping storage.ErrInvalidKey", bad, err)
		}
	}
	wantKeys(t, d, "", "a", "b:c", "d")
	// DeleteMany removes the keys given (missing ones and repeats are no
	// error) and nothing else.
	if err := b.DeleteMany(bg(), []string{"a", "missing", "b/c", "a"}); err != nil {
		t.Fatalf("DeleteMany: %v", err)
	}
	wantMissing(t, d, "a")
	wantMissing(t, d, "b:c")
	wantValue(t, d, "d", "3")
	wantHasMany(t, b, []string{"a", "b:c", "d"}, false, false, true)
	// Keys that a list or an array literal must quote.
	odd := []string{`q"uo'te`, "<é😀>", "a,b", "{x}", "sp ace", "NULL", "[1]"}
	for _, k := range odd {
		mustSet(t, d, k, "odd", 0)
	}
	wantHasMany(t, b, append(odd, "d", "{y}"), true, true, true, true, true, true, true, true, false)
	if err := b.DeleteMany(bg(), odd); err != nil {
		t.Fatalf("DeleteMany: %v", err)
	}
	wantKeys(t, d, "", "d")
	// Many keys, which a cluster spreads over all its nodes: every third is set.
	const n = 1200
	keys := make([]string, n)
	want := make([]bool, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("many:%04d", i)
		if i%3 == 0 {
			mustSet(t, d, keys[i], "v"+strconv.Itoa(i), 0)
			want[i] = true
		}
	}
	wantHasMany(t, b, keys, want...)
	if err := b.DeleteMany(bg(), keys[:n/2]); err != nil {
		t.Fatalf("DeleteMany(%d keys): %v", n/2, err)
	}
	for i := range n / 2 {
		want[i] = false
	}
	wantHasMany(t, b, keys, want...)
	if err := b.DeleteMany(bg(), keys); err != nil {
		t.Fatalf("DeleteMany(%d keys): %v", n, err)
	}
	wantKeys(t, d, "", "d")
}
