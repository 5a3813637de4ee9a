package quota

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
)

func withID(r store.UsageRecord, id string) store.UsageRecord { r.RequestID = id; return r }

// TestJournalOutlivesAKilledProcess: records the store never got (its
// process died, here: its store was down and it was never closed) are
// written by the next meter over the same journal, each exactly once.
func TestJournalOutlivesAKilledProcess(t *testing.T) {
	dir := t.TempDir()
	down := newStore(t)
	down.setFailNext(1 << 30)
	dead := New(down.view, Options{Journal: dir, Logger: quiet})
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 25 {
		if err := dead.Record(context.Background(), withID(call("RecognizeGeneralText", "ocr.general-text", 200, "", at), fmt.Sprintf("req-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := down.stored(t); n != 0 {
		t.Fatalf("the failing store holds %d records", n)
	}
	// dead stops without a flush or a close: what a kill -9 leaves.
	close(dead.stop)
	<-dead.done

	up := newStore(t)
	m := New(up.view, Options{Journal: dir, Logger: quiet})
	defer m.Close()
	if n := up.stored(t); n != 25 {
		t.Fatalf("after restart the store holds %d records, want 25", n)
	}
	// A third start finds nothing left to replay.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	again := New(up.view, Options{Journal: dir, Logger: quiet})
	defer again.Close()
	if n := up.stored(t); n != 25 {
		t.Fatalf("after a second restart the store holds %d records, want 25", n)
	}
}

// TestJournalReplayCountsOnce: a segment whose records reached the store
// but which was not yet removed (the process died in between) adds nothing
// when it is read back.
func TestJournalReplayCountsOnce(t *testing.T) {
	dir, snapshot := t.TempDir(), t.TempDir()
	st := newStore(t)
	// The store refuses writes until the snapshot is taken, so the
	// background writer cannot store the records and remove their
	// segments first.
	st.setFailNext(1 << 30)
	m := New(st.view, Options{Journal: dir, Logger: quiet, Buffer: 1 << 20})
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 10 {
		if err := m.Record(context.Background(), withID(call("RecognizeGeneralText", "ocr.general-text", 200, "", at), fmt.Sprintf("req-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	copySegments(t, dir, snapshot)
	st.setFailNext(0)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n := st.stored(t); n != 10 {
		t.Fatalf("stored %d, want 10", n)
	}
	if left, _ := segments(dir); len(left) != 0 {
		t.Fatalf("a clean close left segments %v", left)
	}
	replay := New(st.view, Options{Journal: snapshot, Logger: quiet})
	defer replay.Close()
	if n := st.stored(t); n != 10 {
		t.Fatalf("after replaying the stored records the store holds %d, want 10", n)
	}
}

// TestJournalTornLine: a line cut short by the kill is skipped; the lines
// before it are kept.
func TestJournalTornLine(t *testing.T) {
	dir := t.TempDir()
	good := `{"p":"` + proj + `","u":"u1","s":"ocr.general-text","a":"RecognizeGeneralText","t":1746100800000,"c":200,"r":"req-1"}`
	if err := os.WriteFile(filepath.Join(dir, segmentName(7)), []byte(good+"\n"+good[:40]), 0o600); err != nil {
		t.Fatal(err)
	}
	st := newStore(t)
	m := New(st.view, Options{Journal: dir, Logger: quiet})
	defer m.Close()
	if n := st.stored(t); n != 1 {
		t.Fatalf("stored %d, want the 1 whole line", n)
	}
}

func copySegments(t *testing.T, from, to string) {
	t.Helper()
	seqs, err := segments(from)
	if err != nil || len(seqs) == 0 {
		t.Fatalf("segments of %s: %v %v", from, seqs, err)
	}
	for _, s := range seqs {
		b, err := os.ReadFile(filepath.Join(from, segmentName(s)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, segmentName(s)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestJournalFullSegmentRotates: more records than one mapped segment holds
// go on in the next segment, and a process that dies then (no seal, no
// close) loses none of them.
func TestJournalFullSegmentRotates(t *testing.T) {
	dir := t.TempDir()
	j, _, err := openJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const n = 15000 // ~110 bytes each: more than one segment
	for i := range n {
		if err := j.append(withID(call("RecognizeGeneralText", "ocr.general-text", 200, "", at), fmt.Sprintf("req-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if seqs, _ := segments(dir); len(seqs) < 2 {
		t.Fatalf("segments %v: the first never filled", seqs)
	}
	_, recs, err := openJournal(dir) // j is left as a killed process leaves it
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n || recs[0].RequestID != "req-0" || recs[n-1].RequestID != fmt.Sprintf("req-%d", n-1) {
		t.Fatalf("read back %d records, want %d in order", len(recs), n)
	}
}

// The journal's hand-written line is what json.Marshal makes of the
// record, escapes included, so segments read back as before.
func TestJournalLineMatchesMarshal(t *testing.T) {
	for _, r := range []store.UsageRecord{
		{ProjectID: "p1", UserID: "u1", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: time.UnixMilli(1764700000123), Status: 200, RequestID: "0123456789abcdef0123456789abcdef"},
		{ProjectID: "p1", UserID: "u1", Service: "s", API: "a", Time: time.UnixMilli(-5), Status: 429, Code: "APIG.0308"},
		{ProjectID: `q"uote\\`, UserID: "<u>&", Service: "中文", API: "\t\n\u2028", Time: time.UnixMilli(0), Status: 0, Code: "x", RequestID: "\x00"},
	} {
		want, err := json.Marshal(journalRecord{ProjectID: r.ProjectID, UserID: r.UserID, Service: r.Service, API: r.API,
			TimeMS: r.Time.UnixMilli(), Status: r.Status, Code: r.Code, RequestID: r.RequestID})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJournalRecord(nil, r); string(got) != string(want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}
