// Package progress draws one-line progress bars for the CLI's long work
// (state export and import, batch uploads). On anything but a terminal it
// draws nothing: logs and pipes get only the commands' own summaries.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// Bar is a progress bar redrawn in place. Its Start, Add and Done match
// what state.Export and state.Import report to.
type Bar struct {
	w io.Writer
	// On says whether anything is drawn (a terminal by default).
	On bool
	// Count formats an amount of the label's unit (default: a plain number).
	Count func(label string, n int64) string

	mu    sync.Mutex
	label string
	total int64
	n     int64
	start time.Time
	last  time.Time
}

// New returns a bar drawing on w when w is a terminal.
func New(w io.Writer) *Bar {
	b := &Bar{w: w}
	if f, ok := w.(*os.File); ok {
		b.On = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return b
}

// Start begins a stage of total units (0 or less: unknown).
func (b *Bar) Start(label string, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.label, b.total, b.n, b.start = label, total, 0, time.Now()
	b.drawLocked(true)
}

// Add counts n more units done.
func (b *Bar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n += n
	b.drawLocked(false)
}

// Done draws the stage's end and leaves the line.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drawLocked(true)
	if b.On {
		fmt.Fprintln(b.w)
	}
}

// drawLocked redraws at most ten times a second.
func (b *Bar) drawLocked(force bool) {
	if !b.On || (!force && time.Since(b.last) < 100*time.Millisecond) {
		return
	}
	b.last = time.Now()
	fmt.Fprint(b.w, "\r"+b.Line())
}

// Line is the bar as drawn now, without the carriage return.
func (b *Bar) Line() string {
	count := b.Count
	if count == nil {
		count = func(_ string, n int64) string { return fmt.Sprint(n) }
	}
	const width = 30
	if b.total <= 0 {
		return fmt.Sprintf("%-8s %s  %s", b.label, count(b.label, b.n), time.Since(b.start).Round(time.Second))
	}
	frac := float64(b.n) / float64(b.total)
	if frac > 1 {
		frac = 1
	}
	fill := int(frac * width)
	return fmt.Sprintf("%-8s [%s%s] %3.0f%%  %s / %s", b.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		frac*100, count(b.label, b.n), count(b.label, b.total))
}

// Size writes a byte count the way people read it: 2.0 KiB.
func Size(n int64) string {
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
