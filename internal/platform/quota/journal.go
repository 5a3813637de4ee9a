package quota

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aisd/aisd/internal/store"
)

// journal keeps every queued usage record on disk until the store holds
// it, so that a process killed between answering a call and writing its
// queue loses no record. Each Record is one append (a single write(2); the
// page cache outlives the process, though not the machine, which is why
// there is no fsync per call). flush seals the open segment before it
// writes the queue and removes the sealed segments once the queue is in
// the store; at start the segments left behind are read back into the
// queue. The store skips records whose request it already holds, so a
// segment written to the store but not yet removed counts nothing twice.
type journal struct {
	dir string
	f   *os.File
	seq int // the open segment
	n   int // records appended to it
}

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
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []store.UsageRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		var jr journalRecord
		if json.Unmarshal(sc.Bytes(), &jr) != nil {
			continue
		}
		out = append(out, store.UsageRecord{
			ProjectID: jr.ProjectID, UserID: jr.UserID, Service: jr.Service, API: jr.API,
			Time: msTime(jr.TimeMS), Status: jr.Status, Code: jr.Code, RequestID: jr.RequestID,
		})
	}
	return out, sc.Err()
}

func (j *journal) openNext() error {
	j.seq++
	j.n = 0
	f, err := os.OpenFile(filepath.Join(j.dir, segmentName(j.seq)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	j.f = f
	return nil
}

// append writes one record as one line with one write.
func (j *journal) append(r store.UsageRecord) error {
	b, err := json.Marshal(journalRecord{
		ProjectID: r.ProjectID, UserID: r.UserID, Service: r.Service, API: r.API,
		TimeMS: r.Time.UnixMilli(), Status: r.Status, Code: r.Code, RequestID: r.RequestID,
	})
	if err != nil {
		return err
	}
	_, err = j.f.Write(append(b, '\n'))
	j.n++
	return err
}

// seal closes the open segment and opens the next; it returns the sealed
// segment's number. An open segment with no record stays open (a store
// outage retried every second must not leave a file per retry).
func (j *journal) seal() (int, error) {
	if j.n == 0 {
		return j.seq - 1, nil
	}
	sealed := j.seq
	if err := j.f.Close(); err != nil {
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
	err := j.f.Close()
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
