package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// bar is a one-line progress bar redrawn in place; on anything but a
// terminal it draws nothing (logs and pipes get only the final summary).
type bar struct {
	w     io.Writer
	on    bool
	mu    sync.Mutex
	label string
	total int64
	n     int64
	start time.Time
	last  time.Time
}

func newBar(w io.Writer) *bar {
	b := &bar{w: w}
	if f, ok := w.(*os.File); ok {
		b.on = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return b
}

func (b *bar) Start(label string, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.label, b.total, b.n, b.start = label, total, 0, time.Now()
	b.drawLocked(true)
}

func (b *bar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n += n
	b.drawLocked(false)
}

func (b *bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drawLocked(true)
	if b.on {
		fmt.Fprintln(b.w)
	}
}

// drawLocked redraws at most ten times a second.
func (b *bar) drawLocked(force bool) {
	if !b.on || (!force && time.Since(b.last) < 100*time.Millisecond) {
		return
	}
	b.last = time.Now()
	const width = 30
	if b.total <= 0 {
		fmt.Fprintf(b.w, "\r%-8s %d  %s", b.label, b.n, time.Since(b.start).Round(time.Second))
		return
	}
	frac := float64(b.n) / float64(b.total)
	if frac > 1 {
		frac = 1
	}
	fill := int(frac * width)
	// Objects are counted in bytes, store rows one by one.
	done, total := fmt.Sprintf("%d rows", b.n), fmt.Sprintf("%d rows", b.total)
	if b.label == "objects" {
		done, total = size(b.n), size(b.total)
	}
	fmt.Fprintf(b.w, "\r%-8s [%s%s] %3.0f%%  %s / %s", b.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		frac*100, done, total)
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
