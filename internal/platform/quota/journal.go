package quota

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// journal keeps every queued usage record on disk until the store holds
// it, so that a process killed between answering a call and writing its
// queue loses no record. A segment is a file mapped shared into memory, so
// each Record is one copy into the page cache with no system call: the page
// cache outlives the process (kill -9 loses nothing appended before the
// answer was written), though not the machine, which is why there is no
// fsync per call. A segment is preallocated; the unused tail reads as NUL
// bytes, and sealing cuts the file to the bytes written. flush seals the open segment before it
// writes the queue and removes the sealed segments once the queue is in
// the store; at start the segments left behind are read back into the
// queue. The store skips records whose request it already holds, so a
// segment written to the store but not yet removed counts nothing twice.
type journal struct {
	dir string
	f   *os.File
	m   []byte // f mapped; nil when mapping failed (then f.Write per record)
	off int    // bytes of m written
	seq int    // the open segment
	n   int    // records appended to it
	buf []byte // the line being appended (reused)
}

// segmentBytes is a segment's preallocated size; a segment that fills up
// is sealed and the next one opened.
const segmentBytes = 1 << 20

const journalExt = ".journal"

func segmentName(seq int) string { return fmt.Sprintf("usage-%08d%s", seq, journalExt) }

// journalRecord is a record as one line of a segment.
type journalRecord struct {
	ProjectID string `json:"p"`
	UserID    string `json:"u"`
	Service   string `json:"s"`
	API       string `json:"a"`
	TimeMS    int64  `json:"t"`
	Status    int    `json:"c"`
	Code      string `json:"e,omitempty"`
	RequestID string `json:"r,omitempty"`
}

// openJournal opens dir, returning the records its segments hold in the
// order they were made.
func openJournal(dir string) (*journal, []store.UsageRecord, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	seqs, err := segments(dir)
	if err != nil {
		return nil, nil, err
	}
	var recs []store.UsageRecord
	for _, seq := range seqs {
		rs, err := readSegment(filepath.Join(dir, segmentName(seq)))
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rs...)
	}
	j := &journal{dir: dir}
	if len(seqs) > 0 {
		j.seq = seqs[len(seqs)-1]
	}
	if err := j.openNext(); err != nil {
		return nil, nil, err
	}
	return j, recs, nil
}

func segments(dir string) ([]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var seqs []int
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), journalExt)
		if !ok || !strings.HasPrefix(name, "usage-") {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(name, "usage-")); err == nil {
			seqs = append(seqs, n)
		}
	}
	slices.Sort(seqs)
	return seqs, nil
}

// readSegment reads a segment's records. A torn last line (the process
// died inside the write) is skipped: its call was never answered.
func readSegment(path string) ([]store.UsageRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// The preallocated tail of a segment the process died with is NUL.
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	var out []store.UsageRecord
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		var jr journalRecord
		if json.Unmarshal(line, &jr) != nil {
			continue
		}
		out = append(out, store.UsageRecord{
			ProjectID: jr.ProjectID, UserID: jr.UserID, Service: jr.Service, API: jr.API,
			Time: msTime(jr.TimeMS), Status: jr.Status, Code: jr.Code, RequestID: jr.RequestID,
		})
	}
	return out, nil
}

// appendJournalRecord appends r as the line json.Marshal makes of its
// journalRecord, byte for byte, without reflection: the usual fields need
// no escaping and are copied; any other goes through encoding/json.
func appendJournalRecord(b []byte, r store.UsageRecord) []byte {
	str := func(b []byte, key, v string) []byte {
		b = append(b, key...)
		if catalog.PlainJSON(v) {
			b = append(b, '"')
			b = append(b, v...)
			return append(b, '"')
		}
		q, _ := json.Marshal(v)
		return append(b, q...)
	}
	b = str(b, `{"p":`, r.ProjectID)
	b = str(b, `,"u":`, r.UserID)
	b = str(b, `,"s":`, r.Service)
	b = str(b, `,"a":`, r.API)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, r.Time.UnixMilli(), 10)
	b = append(b, `,"c":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	if r.Code != "" {
		b = str(b, `,"e":`, r.Code)
	}
	if r.RequestID != "" {
		b = str(b, `,"r":`, r.RequestID)
	}
	return append(b, '}')
}

func (j *journal) openNext() error {
	j.seq++
	j.n, j.off, j.m = 0, 0, nil
	f, err := os.OpenFile(filepath.Join(j.dir, segmentName(j.seq)), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	j.f = f
	if st, err := f.Stat(); err == nil && st.Size() == 0 && f.Truncate(segmentBytes) == nil {
		if m, err := mapSegment(f, segmentBytes); err == nil {
			j.m = m
		} else {
			f.Truncate(0) // written by f.Write then
		}
	}
	return nil
}

// append adds one record as one line: a copy into the mapped segment, or
// one write when the segment is not mapped.
func (j *journal) append(r store.UsageRecord) error {
	b := appendJournalRecord(j.buf[:0], r)
	j.buf = b
	b = append(b, '\n')
	if j.m != nil && j.off+len(b) > len(j.m) && j.n > 0 {
		// Full: seal it; the flush that follows removes it with the rest.
		if _, err := j.rotate(); err != nil {
			return err
		}
	}
	if j.m != nil && j.off+len(b) <= len(j.m) {
		j.off += copy(j.m[j.off:], b)
		j.n++
		return nil
	}
	if j.m != nil {
		// A record larger than a segment (not made by aisd's calls):
		// unmap, cut to what is written and append to the file.
		if err := j.unmap(); err != nil {
			return err
		}
	}
	_, err := j.f.Write(b)
	j.n++
	return err
}

// unmap releases the mapping and cuts the file to the bytes written.
func (j *journal) unmap() error {
	if j.m == nil {
		return nil
	}
	err := unmapSegment(j.m)
	j.m = nil
	if terr := j.f.Truncate(int64(j.off)); err == nil {
		err = terr
	}
	return err
}

// seal closes the open segment and opens the next; it returns the sealed
// segment's number. An open segment with no record stays open (a store
// outage retried every second must not leave a file per retry).
func (j *journal) seal() (int, error) {
	if j.n == 0 {
		return j.seq - 1, nil
	}
	return j.rotate()
}

func (j *journal) rotate() (int, error) {
	sealed := j.seq
	err := j.unmap()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sealed, err
	}
	return sealed, j.openNext()
}

// removeUpTo deletes the sealed segments up to seq: their records are in
// the store.
func (j *journal) removeUpTo(seq int) error {
	seqs, err := segments(j.dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range seqs {
		if s <= seq && s != j.seq {
			if err := os.Remove(filepath.Join(j.dir, segmentName(s))); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// close closes the open segment, removing it when every record is stored.
func (j *journal) close(empty bool) error {
	err := j.unmap()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if empty {
		if rerr := j.removeUpTo(j.seq + 1); rerr != nil {
			err = errors.Join(err, rerr)
		}
		if rerr := os.Remove(filepath.Join(j.dir, segmentName(j.seq))); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	return err
}
