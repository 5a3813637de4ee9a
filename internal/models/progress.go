package models

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// progress writes install progress: redrawn bars on a terminal, one plain
// line per step otherwise (logs, CI, pipes).
type progress struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
}

func newProgress(w io.Writer) *progress {
	if w == nil {
		w = io.Discard
	}
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		p.tty = isatty.IsTerminal(f.Fd())
	}
	return p
}

func (p *progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

// task is the progress of one model: "[1/3] ppocr-v4".
type task struct {
	p      *progress
	prefix string
}

// task starts the lines of one model; width aligns the names of a batch.
func (p *progress) task(i, n int, name string, width int) *task {
	return &task{p: p, prefix: fmt.Sprintf("[%d/%d] %-*s", i, n, width, name)}
}

// step prints one line for a step of the install.
func (t *task) step(step, format string, args ...any) {
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	fmt.Fprintf(t.p.w, "%s  %-7s  %s\n", t.prefix, step, fmt.Sprintf(format, args...))
}

// meter follows a long step. With a known total it draws a bar; without one
// (npm pack gives no byte counts) it shows the elapsed time. Plain output
// gets nothing until done.
type meter struct {
	t      *task
	step   string
	label  string
	total  int64
	start  time.Time
	mu     sync.Mutex
	n      int64
	last   time.Time
	stop   chan struct{}
	closed sync.Once
	wg     sync.WaitGroup
}

func (t *task) meter(step, label string, total int64) *meter {
	m := &meter{t: t, step: step, label: label, total: total, start: time.Now(), stop: make(chan struct{})}
	if !t.p.tty {
		t.step(step, "%s", label)
		return m
	}
	m.draw(true)
	if total <= 0 {
		m.wg.Add(1)
		go m.tick()
	}
	return m
}

func (m *meter) tick() {
	defer m.wg.Done()
	tk := time.NewTicker(200 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-tk.C:
			m.draw(true)
		}
	}
}

// Write counts bytes so a meter can sit behind an io.TeeReader.
func (m *meter) Write(b []byte) (int, error) {
	m.mu.Lock()
	m.n += int64(len(b))
	m.mu.Unlock()
	if m.t.p.tty {
		m.draw(false)
	}
	return len(b), nil
}

func (m *meter) draw(force bool) {
	m.mu.Lock()
	now := time.Now()
	if !force && now.Sub(m.last) < 100*time.Millisecond {
		m.mu.Unlock()
		return
	}
	m.last = now
	n := m.n
	m.mu.Unlock()
	var status string
	if m.total > 0 {
		frac := float64(n) / float64(m.total)
		if frac > 1 {
			frac = 1
		}
		const width = 24
		fill := int(frac * width)
		status = fmt.Sprintf("[%s%s] %3d%%  %s / %s", strings.Repeat("#", fill),
			strings.Repeat(".", width-fill), int(frac*100), size(n), size(m.total))
	} else {
		status = fmt.Sprintf("%.0fs", time.Since(m.start).Seconds())
	}
	m.t.p.mu.Lock()
	fmt.Fprintf(m.t.p.w, "\r\x1b[K%s  %-7s  %s  %s", m.t.prefix, m.step, m.label, status)
	m.t.p.mu.Unlock()
}

// done ends the meter with a summary line.
func (m *meter) done(format string, args ...any) {
	m.closed.Do(func() { close(m.stop) })
	m.wg.Wait()
	msg := fmt.Sprintf(format, args...)
	if m.t.p.tty {
		m.t.p.mu.Lock()
		fmt.Fprintf(m.t.p.w, "\r\x1b[K%s  %-7s  %s\n", m.t.prefix, m.step, msg)
		m.t.p.mu.Unlock()
		return
	}
	m.t.step(m.step, "%s", msg)
}

// fail ends the meter without a summary; the error is reported by the caller.
func (m *meter) fail() {
	m.closed.Do(func() { close(m.stop) })
	m.wg.Wait()
	if m.t.p.tty {
		m.t.p.mu.Lock()
		fmt.Fprint(m.t.p.w, "\n")
		m.t.p.mu.Unlock()
	}
}

// size formats a byte count in decimal units, as npm and most tools do.
func size(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// plural writes a count with its noun.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
