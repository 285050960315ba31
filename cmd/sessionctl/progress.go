package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// bar is a progress bar drawn on one line of a terminal, at most ten times a second.
type bar struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	label string
	total int
	n     int
	drawn time.Time
}

func newBar(w io.Writer, on bool, label string, total int) *bar {
	return &bar{w: w, on: on && total > 0, label: label, total: total}
}

func (b *bar) add(n int) {
	if !b.on {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n += n
	if now := time.Now(); b.n == b.total || now.Sub(b.drawn) >= 100*time.Millisecond {
		b.drawn = now
		b.draw()
	}
}

func (b *bar) draw() {
	const width = 30
	filled := width * b.n / b.total
	fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d", b.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), b.n, b.total)
}

// done ends the bar's line.
func (b *bar) done() {
	if !b.on {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n > 0 {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
