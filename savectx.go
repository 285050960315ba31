package session

import (
	"context"
	"sync"
	"time"
)

// saveContext is the context of a session's save at the end of a request. It
// keeps the request's values but not its cancellation (a client that goes away
// must not lose a write half done), and it ends at a deadline. Unlike
// context.WithTimeout it starts no timer unless a driver asks for Done, so a
// save to a store that only checks Err or Deadline costs one allocation.
type saveContext struct {
	parent   context.Context
	deadline time.Time

	mu    sync.Mutex
	done  chan struct{}
	timer *time.Timer
}

func newSaveContext(parent context.Context, timeout time.Duration) *saveContext {
	return &saveContext{parent: parent, deadline: time.Now().Add(timeout)}
}

func (c *saveContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Done returns a channel closed at the deadline, starting its timer on first use.
func (c *saveContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if d := time.Until(c.deadline); d <= 0 {
			close(c.done)
		} else {
			done := c.done
			c.timer = time.AfterFunc(d, func() { close(done) })
		}
	}
	return c.done
}

// Err reports context.DeadlineExceeded once the deadline has passed: from the
// closed Done channel when a driver asked for one, from the clock otherwise.
func (c *saveContext) Err() error {
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	if done != nil {
		select {
		case <-done:
			return context.DeadlineExceeded
		default:
			return nil
		}
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *saveContext) Value(key any) any { return c.parent.Value(key) }

// stop releases the timer, if one was started.
func (c *saveContext) stop() {
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
}
