// Package quota meters calls and enforces the monthly free allowance of
// unpaid accounts.
package quota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Options configures a Meter.
type Options struct {
	// FreePerMonth is the free allowance per service per project and calendar
	// month (UTC); Default applies to services absent from it. 0 or less
	// means no limit.
	FreePerMonth map[string]int64
	Default      int64
	Now          func() time.Time
	// Buffer is how many records may wait for the store before Record writes
	// synchronously (default 1024).
	Buffer int
	// MaxCounters bounds the in-memory monthly counters (default 100000).
	MaxCounters int
	Logger      *slog.Logger
	// Journal is a directory where queued records are kept until the store
	// holds them, so that a killed process loses none (see journal); empty:
	// no journal.
	Journal string
	// Linger is how long the writer lets records gather after the first
	// one is queued before it writes them in one transaction (0: 100 ms;
	// negative: write at once). Under load a write per record costs a
	// transaction and a journal rotation each; Usage and Close write the
	// queue first, and Check counts from memory, so no answer waits for it.
	Linger time.Duration
}

// hardCapFactor × Buffer records may wait while the store is failing; past
// that new records are refused so that an outage cannot exhaust memory.
const hardCapFactor = 16

// maxAttempts is how often a record that the store refuses (while later
// records go through) is retried before it is dropped and logged, so one bad
// record cannot wedge metering.
const maxAttempts = 5

// Meter records usage and checks allowances.
//
// Record is asynchronous: records go to a bounded in-memory queue that one
// goroutine writes to the store, so metering never adds a store round trip
// to a response; when the queue is full, Record writes synchronously
// (back-pressure instead of loss), and Close writes whatever is left. Only
// while the store keeps failing, past 16 × Buffer waiting records, are new
// records refused with an error.
//
// Check counts from memory: the first Check of a project/service in a month
// loads the count from the store, later successful Records add to it. Loads
// and queue writes are serialised (loadMu), so a loaded count is exactly
// "records in the store + records still queued", never missing or doubling
// one that was being written at the time.
type Meter struct {
	st      store.Store
	free    map[string]int64
	def     int64
	now     func() time.Time
	bufMax  int
	maxCtrs int
	log     *slog.Logger

	loadMu sync.Mutex // held while queued records are written and while counters load

	mu    sync.Mutex
	queue []pending
	// tally indexes the queued refusals by their key: a refusal like one
	// already queued adds to its count instead of queueing a record.
	tally    map[tallyKey]int
	writing  int // records taken from the queue by the flush in progress
	counters map[counterKey]*counter
	closed   bool

	j *journal // nil without Options.Journal; used with mu held

	linger time.Duration
	wake   chan struct{} // the first record of an empty queue
	half   chan struct{} // the queue is half full: write without lingering
	stop   chan struct{}
	done   chan struct{}
}

type pending struct {
	r        store.UsageRecord
	attempts int
}

type counterKey struct{ project, service, month string }

// tallyKey is what makes refusals the same record: who, which API, which
// answer and which minute.
type tallyKey struct {
	project, user, service, api, code string
	status                            int
	minute                            int64
}

// counted reports whether r is a refusal for load (429: the throttle's
// APIG.0308, the in-flight cap's ModelArts.4401). Those are counted rather
// than recorded one by one: a client hammering past its limit would
// otherwise cost a row, and a journal write, per refused call — the store's
// work for one refusal was most of what a throttled answer cost, and a
// flood of them filled the disk. The reports only ever sum them per day,
// API and code; each refused call is still in the access log.
func counted(r store.UsageRecord) bool { return r.Status == http.StatusTooManyRequests }

type counter struct {
	n      int64
	loaded bool
}

// New starts a Meter writing to st. Close it to flush the queue.
func New(st store.Store, o Options) *Meter {
	m := &Meter{
		st:       st,
		free:     make(map[string]int64, len(o.FreePerMonth)),
		def:      o.Default,
		now:      o.Now,
		bufMax:   o.Buffer,
		maxCtrs:  o.MaxCounters,
		log:      o.Logger,
		counters: make(map[counterKey]*counter),
		linger:   o.Linger,
		wake:     make(chan struct{}, 1),
		half:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	for k, v := range o.FreePerMonth {
		m.free[k] = v
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.bufMax <= 0 {
		m.bufMax = 1024
	}
	switch {
	case m.linger == 0:
		m.linger = 100 * time.Millisecond
	case m.linger < 0:
		m.linger = 0
	}
	if m.maxCtrs <= 0 {
		m.maxCtrs = 100000
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	if o.Journal != "" {
		j, recs, err := openJournal(o.Journal)
		if err != nil {
			m.log.Error("usage journal unusable: records queued when the process dies are lost", "dir", o.Journal, "err", err)
		} else {
			m.j = j
			for _, r := range recs {
				m.queue = append(m.queue, pending{r: r})
			}
			if len(recs) > 0 {
				m.log.Info("usage records of an earlier run read back from the journal", "records", len(recs))
				if err := m.flush(context.Background()); err != nil {
					m.log.Warn("usage flush failed; will retry", "err", err)
				}
			}
		}
	}
	go m.run()
	return m
}

func msTime(v int64) time.Time { return time.UnixMilli(v).UTC() }

// Allowance returns the monthly free allowance of a service (0: unlimited).
func (m *Meter) Allowance(service string) int64 {
	n, ok := m.free[service]
	if !ok {
		n = m.def
	}
	if n < 0 {
		n = 0
	}
	return n
}

func monthOf(t time.Time) (string, time.Time) {
	t = t.UTC()
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start.Format("2006-01"), start
}

// success is the store's definition of a successful (allowance-consuming)
// call: a 2xx answer. The in-memory counts must agree with CountSuccess.
func success(r store.UsageRecord) bool { return r.Status >= 200 && r.Status < 300 }

// Check returns the family's quota-exhausted error when the domain is
// unpaid and the project's successful calls of service this month have
// reached the allowance.
func (m *Meter) Check(ctx context.Context, d store.Domain, projectID, service string) error {
	if d.Paid {
		return nil
	}
	allow := m.Allowance(service)
	if allow <= 0 {
		return nil
	}
	used, err := m.used(ctx, projectID, service, m.now())
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	if used >= allow {
		return catalog.E(catalog.KindQuotaExhausted)
	}
	return nil
}

// Used returns the project's successful calls of service in the calendar
// month of t.
func (m *Meter) Used(ctx context.Context, projectID, service string, t time.Time) (int64, error) {
	return m.used(ctx, projectID, service, t)
}

func (m *Meter) used(ctx context.Context, projectID, service string, t time.Time) (int64, error) {
	month, start := monthOf(t)
	k := counterKey{projectID, service, month}
	m.mu.Lock()
	if c := m.counters[k]; c != nil && c.loaded {
		n := c.n
		m.mu.Unlock()
		return n, nil
	}
	m.mu.Unlock()

	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	m.mu.Lock()
	if c := m.counters[k]; c != nil && c.loaded {
		n := c.n
		m.mu.Unlock()
		return n, nil
	}
	m.evictLocked(month)
	// Queued records are not in the store yet; with loadMu held none is
	// being written either, so store count + queued count is exact, and
	// Records from now on add to c directly.
	c := &counter{}
	for _, p := range m.queue {
		if mk, _ := monthOf(p.r.Time); success(p.r) && p.r.ProjectID == projectID && p.r.Service == service && mk == month {
			c.n++
		}
	}
	m.counters[k] = c
	m.mu.Unlock()

	n, err := m.st.CountSuccess(ctx, projectID, service, start)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		if m.counters[k] == c {
			delete(m.counters, k)
		}
		return 0, err
	}
	c.n += n
	c.loaded = true
	return c.n, nil
}

// evictLocked keeps the counters bounded: other months go first, then
// everything (counts reload exactly on demand). Called with m.mu held.
func (m *Meter) evictLocked(month string) {
	if len(m.counters) < m.maxCtrs {
		return
	}
	for k := range m.counters {
		if k.month != month {
			delete(m.counters, k)
		}
	}
	if len(m.counters) >= m.maxCtrs {
		clear(m.counters)
	}
}

// Record meters one call. It returns at once unless the queue is full, in
// which case it writes the queue itself; after Close it writes directly. It
// fails only when the record could not be kept.
func (m *Meter) Record(ctx context.Context, r store.UsageRecord) error {
	if r.Time.IsZero() {
		r.Time = m.now()
	}
	r.Time = r.Time.UTC()
	m.mu.Lock()
	if success(r) {
		month, _ := monthOf(r.Time)
		if c := m.counters[counterKey{r.ProjectID, r.Service, month}]; c != nil {
			c.n++
		}
	}
	if m.closed {
		m.mu.Unlock()
		return m.st.RecordUsage(ctx, r)
	}
	if len(m.queue)+m.writing >= hardCapFactor*m.bufMax {
		// The store has been failing for a while: refuse rather than grow
		// without bound. The caller logs the error.
		m.mu.Unlock()
		return fmt.Errorf("quota: %d usage records waiting for the store; record for %s/%s dropped", hardCapFactor*m.bufMax, r.ProjectID, r.API)
	}
	if counted(r) {
		k := tallyKey{r.ProjectID, r.UserID, r.Service, r.API, r.Code, r.Status, r.Time.UnixMilli() / 60000}
		if i, ok := m.tally[k]; ok {
			// Not journalled: a killed process may lose the count of the
			// refusals of its last write interval (not billed, and logged).
			m.queue[i].r.Calls = m.queue[i].r.N() + r.N()
			m.mu.Unlock()
			return nil
		}
		if m.tally == nil {
			m.tally = map[tallyKey]int{}
		}
		m.tally[k] = len(m.queue)
	}
	m.queue = append(m.queue, pending{r: r})
	if m.j != nil {
		if err := m.j.append(r); err != nil {
			m.log.Warn("usage journal write failed; the record is queued but would not outlive the process", "err", err)
		}
	}
	n := len(m.queue)
	m.mu.Unlock()
	switch {
	case n >= m.bufMax:
		// The writer is behind: back-pressure. The record is queued
		// either way; a failed write is retried.
		if err := m.flush(ctx); err != nil {
			m.log.Warn("usage flush failed; will retry", "err", err)
		}
	case n >= m.bufMax/2:
		signal(m.half)
	default:
		signal(m.wake)
	}
	return nil
}

// Flush writes every queued record to the store.
func (m *Meter) Flush(ctx context.Context) error { return m.flush(ctx) }

func (m *Meter) flush(ctx context.Context) error {
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	m.mu.Lock()
	batch := m.queue
	m.queue = nil
	clear(m.tally)
	if len(batch) == 0 {
		m.mu.Unlock()
		return nil
	}
	// Records being written still count against the cap: a failed write
	// puts them back in front of those queued meanwhile.
	m.writing = len(batch)
	defer func() { m.mu.Lock(); m.writing = 0; m.mu.Unlock() }()
	// The queue's records are in the segments up to sealed; later
	// records go to the next one.
	sealed := -1
	if m.j != nil {
		var err error
		if sealed, err = m.j.seal(); err != nil {
			m.log.Warn("usage journal rotation failed", "err", err)
			sealed = -1
		}
	}
	m.mu.Unlock()
	// One transaction for the whole batch; only when the store refuses it
	// are the records written one by one, to find the one it refuses.
	recs := make([]store.UsageRecord, len(batch))
	for i := range batch {
		recs[i] = batch[i].r
	}
	if len(batch) > 1 && m.st.RecordUsageBatch(ctx, recs) == nil {
		m.stored(sealed)
		return nil
	}
	var keep []pending
	var first error
	for i := 0; i < len(batch); i++ {
		err := m.st.RecordUsage(ctx, batch[i].r)
		if err == nil {
			continue
		}
		if first == nil {
			first = err
		}
		// Is the store down, or does it refuse this record? Only a later
		// record going through tells; a refused record is dropped after
		// maxAttempts such failures, an outage drops nothing.
		if i+1 < len(batch) && m.st.RecordUsage(ctx, batch[i+1].r) == nil {
			p := batch[i]
			p.attempts++
			if p.attempts >= maxAttempts {
				m.log.Error("usage record dropped: the store refuses it",
					"project", p.r.ProjectID, "service", p.r.Service, "api", p.r.API, "time", p.r.Time, "err", err)
			} else {
				keep = append(keep, p)
			}
			i++
			continue
		}
		keep = append(keep, batch[i:]...)
		break
	}
	if len(keep) > 0 {
		m.mu.Lock()
		m.queue = append(keep, m.queue...)
		clear(m.tally) // its indexes were into the queue before keep
		m.writing = 0
		m.mu.Unlock()
	}
	if first != nil {
		return fmt.Errorf("quota: writing usage: %w", first)
	}
	m.stored(sealed)
	return nil
}

// stored removes the journal segments up to sealed once a flush has put
// every record they hold in the store. After a partial flush they stay: the
// records kept for retry are in them, and a later complete flush (which
// writes those first) removes them with its own.
func (m *Meter) stored(sealed int) {
	if sealed < 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.j.removeUpTo(sealed); err != nil {
		m.log.Warn("usage journal cleanup failed", "err", err)
	}
}

// signal wakes the writer without blocking (one pending wake is enough).
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (m *Meter) run() {
	defer close(m.done)
	retry := time.NewTicker(time.Second)
	defer retry.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-m.wake:
			if m.linger > 0 {
				t := time.NewTimer(m.linger)
				select {
				case <-t.C:
				case <-m.half:
					t.Stop()
				case <-m.stop:
					t.Stop()
					return // Close writes the queue
				}
			}
		case <-m.half:
		case <-retry.C:
			m.mu.Lock()
			idle := len(m.queue) == 0
			m.mu.Unlock()
			if idle {
				continue
			}
		}
		if err := m.flush(context.Background()); err != nil {
			m.log.Warn("usage flush failed; will retry", "err", err)
		}
	}
}

// Close stops the writer and flushes the queue, retrying failed writes a
// few times; the number of records it still cannot write is in the error.
// Records made after Close are written synchronously.
func (m *Meter) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	close(m.stop)
	<-m.done
	// A few tries ride out a brief store hiccup without spinning on a dead
	// store.
	var err error
	for i := 0; i < 2*maxAttempts; i++ {
		if err = m.flush(context.Background()); err == nil {
			if m.j != nil {
				return m.j.close(true)
			}
			return nil
		}
	}
	m.mu.Lock()
	lost := len(m.queue)
	m.mu.Unlock()
	if m.j != nil {
		// The records not written stay in the journal for the next start.
		m.j.close(false)
	}
	return errors.Join(fmt.Errorf("quota: %d usage records not written", lost), err)
}

// Usage returns the filter's usage per day and API, after writing the queue
// so that the answer includes every call metered so far.
func (m *Meter) Usage(ctx context.Context, f store.UsageFilter) ([]store.UsageRow, error) {
	if err := m.flush(ctx); err != nil {
		m.log.Warn("usage flush before query failed", "err", err)
	}
	return m.st.Usage(ctx, f)
}

// UsageErrors returns the filter's failed calls per day, API and error
// code, after writing the queue, as Usage does.
func (m *Meter) UsageErrors(ctx context.Context, f store.UsageFilter) ([]store.UsageErrorRow, error) {
	if err := m.flush(ctx); err != nil {
		m.log.Warn("usage flush before query failed", "err", err)
	}
	return m.st.UsageErrors(ctx, f)
}
