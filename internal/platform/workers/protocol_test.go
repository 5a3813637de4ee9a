package workers

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/api"
)

// TestCallEncoding: a call crosses as its metadata line and its body; the worker reads it at
// the declared length, or to its end when none was declared, and refuses a
// cut-off call or one over the limit.
func TestCallEncoding(t *testing.T) {
	c := &api.Call{RequestID: "r1", ProjectID: "p", API: "RecognizeGeneralText", Body: []byte("{\"image\":\"a\nb\"}")}
	head, err := callHead(c)
	if err != nil {
		t.Fatal(err)
	}
	newBody, n := callBody(head, c.Body)
	wire, _ := io.ReadAll(newBody())
	if int64(len(wire)) != n {
		t.Fatalf("declared %d, sent %d", n, len(wire))
	}
	for _, declared := range []int64{n, -1} {
		got, err := decodeCall(bytes.NewReader(wire), declared, 1<<20)
		if err != nil || got.RequestID != "r1" || got.API != c.API || string(got.Body) != string(c.Body) {
			t.Fatalf("declared %d: %v %+v", declared, err, got)
		}
	}
	if _, err := decodeCall(bytes.NewReader(wire[:n-3]), n, 1<<20); err == nil {
		t.Fatal("a call cut off before its declared length was accepted")
	}
	for _, declared := range []int64{n, -1} {
		if _, err := decodeCall(bytes.NewReader(wire), declared, n-1); err == nil || !strings.Contains(err.Error(), "size limit") {
			t.Fatalf("declared %d over the limit: %v", declared, err)
		}
	}
	if _, err := decodeCall(strings.NewReader(`{"api":"x"}`), -1, 1<<20); err == nil {
		t.Fatal("a call without its end of line was accepted")
	}
}

// TestLargeCallBody: a call too large to join is sent from its two parts,
// whether read (a retried request's first bytes) or written by the
// connection: first the part net/http's buffer took, then at most the
// declared length straight from the slices; the worker gets the call
// whole.
func TestLargeCallBody(t *testing.T) {
	c := &api.Call{RequestID: "r2", API: "RecognizeGeneralText", Body: bytes.Repeat([]byte("0123456789abcdef"), joinMax/16+100)}
	head, err := callHead(c)
	if err != nil {
		t.Fatal(err)
	}
	newBody, n := callBody(head, c.Body)
	body := newBody()
	if _, ok := body.(*callReader); !ok {
		t.Fatalf("a %d-byte call is sent joined (%T)", n, body)
	}
	want := append(append([]byte{}, head...), c.Body...)
	if all, _ := io.ReadAll(newBody()); !bytes.Equal(all, want) {
		t.Fatalf("read: %d bytes, want %d", len(all), len(want))
	}
	for _, first := range []int{0, 10, len(head), len(head) + 5000} {
		a, b := net.Pipe()
		got := make(chan []byte, 1)
		go func() { all, _ := io.ReadAll(b); got <- all }()
		body := newBody()
		buf := make([]byte, first)
		io.ReadFull(body, buf)
		a.Write(buf)
		lr := &io.LimitedReader{R: body, N: n - int64(first)}
		if k, err := (callConn{a}).ReadFrom(lr); err != nil || k != n-int64(first) || lr.N != 0 {
			t.Fatalf("after %d bytes: wrote %d, %v, %d left", first, k, err, lr.N)
		}
		if k, _ := io.Copy(io.Discard, body); k != 0 {
			t.Fatalf("after %d bytes: %d more past the declared length", first, k)
		}
		a.Close()
		wire := <-got
		if first == 10 {
			// A shorter limit is kept: the rest stays to be read.
			body := newBody()
			var w bytes.Buffer
			lr := &io.LimitedReader{R: body, N: int64(len(head)) + 7}
			if k, _ := lr.R.(*callReader).writeN(&w, lr.N); k != lr.N {
				t.Fatalf("wrote %d of a %d-byte limit", k, lr.N)
			}
			rest, _ := io.ReadAll(body)
			if !bytes.Equal(append(w.Bytes(), rest...), want) || len(rest) != len(c.Body)-7 {
				t.Fatalf("limited write: %d then %d bytes", w.Len(), len(rest))
			}
		}
		d, err := decodeCall(bytes.NewReader(wire), n, 1<<20)
		if err != nil || d.RequestID != "r2" || !bytes.Equal(d.Body, c.Body) {
			t.Fatalf("after %d bytes: the worker read %d bytes: %v", first, len(wire), err)
		}
	}
}
