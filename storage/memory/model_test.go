package memory_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/goastro/session/storage/memory"
)

// model is a plain LRU: order[0] is the least recently used key.
type model struct {
	vals       map[string]string
	order      []string
	maxEntries int
	maxBytes   int
}

func (m *model) bytes() int {
	n := 0
	for k, v := range m.vals {
		n += len(k) + len(v)
	}
	return n
}

func (m *model) use(k string) {
	m.order = slices.DeleteFunc(m.order, func(x string) bool { return x == k })
	m.order = append(m.order, k)
}

func (m *model) del(k string) {
	delete(m.vals, k)
	m.order = slices.DeleteFunc(m.order, func(x string) bool { return x == k })
}

func (m *model) set(k, v string) bool {
	if v == "" {
		m.del(k)
		return true
	}
	if len(k)+len(v) > m.maxBytes {
		return false
	}
	m.vals[k] = v
	m.use(k)
	for len(m.vals) > m.maxEntries || m.bytes() > m.maxBytes {
		victim := m.order[0]
		if victim == k {
			victim = m.order[1]
		}
		m.del(victim)
	}
	return true
}

// TestModel runs random operations on a small bounded store and on the plain
// model above, and compares every answer and the contents.
func TestModel(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		s := memory.New(memory.Options{MaxEntries: 6, MaxBytes: 80})
		m := &model{vals: map[string]string{}, maxEntries: 6, maxBytes: 80}
		for step := range 3000 {
			k := "k" + strconv.Itoa(r.IntN(10))
			v := ""
			if r.IntN(8) > 0 {
				v = string(rune('a'+r.IntN(26))) + string(make([]byte, r.IntN(30)))
			}
			switch op := r.IntN(5); op {
			case 0, 1:
				err := s.Set(ctx, k, v, 0)
				if ok := m.set(k, v); ok != (err == nil) {
					t.Fatalf("seed %d step %d: Set(%q, %d bytes) = %v, model ok %v", seed, step, k, len(v), err, ok)
				}
			case 2:
				got, ok, err := s.Get(ctx, k)
				want, wok := m.vals[k]
				if err != nil || ok != wok || got != want {
					t.Fatalf("seed %d step %d: Get(%q) = %q, %v, %v; want %q, %v", seed, step, k, got, ok, err, want, wok)
				}
				if wok {
					m.use(k)
				}
			case 3:
				if err := s.Delete(ctx, k); err != nil {
					t.Fatal(err)
				}
				m.del(k)
			case 4:
				cur, exists := m.vals[k]
				old := cur
				if r.IntN(3) == 0 {
					old = "other"
				}
				swapped, err := s.CompareAndSwap(ctx, k, old, exists, v, 0)
				if err != nil && swapped {
					t.Fatal("swapped with an error")
				}
				if !exists || old == cur { // old is ignored when exists is false
					if wok := m.set(k, v); wok != swapped {
						t.Fatalf("seed %d step %d: CompareAndSwap(%q) = %v, %v; model %v", seed, step, k, swapped, err, wok)
					}
				} else if swapped {
					t.Fatalf("seed %d step %d: CompareAndSwap with a stale old value swapped", seed, step)
				}
			}
			keys, _ := s.Keys(ctx, "")
			sort.Strings(keys)
			var want []string
			for k := range m.vals {
				want = append(want, k)
			}
			sort.Strings(want)
			if !slices.Equal(keys, want) && !(len(keys) == 0 && len(want) == 0) {
				t.Fatalf("seed %d step %d: keys %q, model %q", seed, step, keys, want)
			}
			if s.Bytes() != int64(m.bytes()) {
				t.Fatalf("seed %d step %d: Bytes %d, model %d", seed, step, s.Bytes(), m.bytes())
			}
		}
		s.Close()
	}
}
