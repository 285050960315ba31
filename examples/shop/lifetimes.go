package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goastro/session"
)

// lifetimes are how long the shop's sessions live and how long it waits for
// the session store. The defaults fit a shop:
//
//   - A guest's cart expires a day after it was last changed (TTL): long enough
//     to come back after lunch, short enough that the carts of visitors who
//     never return, of crawlers and of clients that keep no cookies do not pile
//     up in the store. Each write restarts the count, as in Astro.
//   - A signed-in customer's data has no TTL of its own: it lives as long as
//     the session, which ends after a week without a visit (idle timeout) and
//     in any case a month after the login (absolute lifetime), so a stolen
//     cookie is worth at most a month, and nothing when its owner logs out.
//   - Each call to a networked store (Redis, PostgreSQL) is bounded by the
//     library's default store timeout (one second), so a store that died or
//     hangs costs a visitor a second, not a page that never loads.
//   - The fs and memory drivers keep expired records until something removes
//     them: the shop sweeps them every ten minutes.
type lifetimes struct {
	// TTL is the lifetime of a guest's data after its last write (env SESSION_TTL).
	TTL time.Duration
	// IdleTimeout ends a session not seen for this long (env SESSION_IDLE_TIMEOUT).
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after the login, however active
	// (env SESSION_ABSOLUTE_TIMEOUT).
	AbsoluteTimeout time.Duration
	// StoreTimeout bounds each store call; zero means session.DefaultStoreTimeout
	// (env SESSION_STORE_TIMEOUT).
	StoreTimeout time.Duration
	// SweepInterval is how often the fs, fs-lite and memory drivers remove
	// expired records (env SESSION_SWEEP_INTERVAL).
	SweepInterval time.Duration
}

// defaultLifetimes are the shop's lifetimes when the environment sets none.
var defaultLifetimes = lifetimes{
	TTL:             24 * time.Hour,
	IdleTimeout:     7 * 24 * time.Hour,
	AbsoluteTimeout: 30 * 24 * time.Hour,
	SweepInterval:   10 * time.Minute,
}

// lifetimeVars are the environment variables of the lifetimes, for the usage text.
const lifetimeVars = "SESSION_TTL, SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_TIMEOUT,\nSESSION_STORE_TIMEOUT, SESSION_SWEEP_INTERVAL"

// loadLifetimes reads the lifetimes from the environment: each a Go duration
// ("24h", "90m") or a whole number of seconds as in Astro's ttl; "0" turns the
// TTL, a timeout or the sweep off (and gives the library's default store timeout).
func loadLifetimes(getenv func(string) string) (lifetimes, error) {
	l := defaultLifetimes
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{
		{"SESSION_TTL", &l.TTL},
		{"SESSION_IDLE_TIMEOUT", &l.IdleTimeout},
		{"SESSION_ABSOLUTE_TIMEOUT", &l.AbsoluteTimeout},
		{"SESSION_STORE_TIMEOUT", &l.StoreTimeout},
		{"SESSION_SWEEP_INTERVAL", &l.SweepInterval},
	} {
		text := strings.TrimSpace(getenv(v.name))
		if text == "" {
			continue
		}
		d, err := parseDuration(text)
		if err != nil {
			return l, fmt.Errorf("%s=%q: %w", v.name, text, err)
		}
		*v.dst = d
	}
	if l.IdleTimeout > 0 && l.AbsoluteTimeout > 0 && l.IdleTimeout > l.AbsoluteTimeout {
		return l, fmt.Errorf("SESSION_IDLE_TIMEOUT (%v) is longer than SESSION_ABSOLUTE_TIMEOUT (%v)", l.IdleTimeout, l.AbsoluteTimeout)
	}
	return l, nil
}

// parseDuration reads a Go duration or a whole number of seconds, at least one
// second unless zero.
func parseDuration(text string) (time.Duration, error) {
	d, err := time.ParseDuration(text)
	if err != nil {
		n, nerr := strconv.ParseInt(text, 10, 64)
		if nerr != nil || n > int64(1<<62/time.Second) {
			return 0, fmt.Errorf("want a duration such as 24h or 90m, or a number of seconds")
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 || (d > 0 && d < time.Second) {
		return 0, fmt.Errorf("want 0 (off) or at least one second")
	}
	return d, nil
}

// sessionConfig puts the lifetimes into a session configuration.
func (l lifetimes) sessionConfig(cfg *session.Config) {
	cfg.TTL, cfg.IdleTimeout, cfg.AbsoluteTimeout, cfg.StoreTimeout = l.TTL, l.IdleTimeout, l.AbsoluteTimeout, l.StoreTimeout
}

// driverOptions adds the sweep interval to the options of the drivers that
// keep expired records (fs, fs-lite, memory), unless the options set one.
func (l lifetimes) driverOptions(driver string, opts map[string]any) {
	switch driver {
	case "fs", "fs-lite", "memory":
		if _, set := opts["sweepInterval"]; !set && l.SweepInterval > 0 {
			opts["sweepInterval"] = l.SweepInterval.String()
		}
	}
}

// healthTimeout bounds the store check of /healthz: the store timeout.
func (l lifetimes) healthTimeout() time.Duration {
	if l.StoreTimeout > 0 {
		return l.StoreTimeout
	}
	return session.DefaultStoreTimeout
}
