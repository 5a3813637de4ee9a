package workers

import (
	"bytes"
	"io"
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
	rc, n := callBody(head, c.Body)
	wire, _ := io.ReadAll(rc)
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
