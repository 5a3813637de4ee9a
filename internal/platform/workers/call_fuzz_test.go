package workers

import (
	"bytes"
	"testing"
)

// FuzzDecodeCall: whatever bytes reach a worker as a forwarded call, and
// whatever length the request declares for them, decodeCall either
// answers an error or a call whose body is exactly what follows the
// header line (and lies within the limit), never a panic.
func FuzzDecodeCall(f *testing.F) {
	f.Add([]byte("{\"service\":\"ocr\",\"api\":\"general-text\"}\n{\"image\":\"x\"}"), int64(-1))
	f.Add([]byte("{\"service\":\"ocr\"}\n"), int64(18))
	f.Add([]byte("{\"service\":\"ocr\"}"), int64(17))
	f.Add([]byte("\n"), int64(5))
	f.Add([]byte("{\"header\":{\"A\":[\"b\"]},\"path_params\":{\"x\":\"y\"}}\nbody"), int64(1<<30))
	const max = 1 << 17
	// Calls read into the worker's reused buffers (those of 32 KB and
	// more come from it and go back to it) decode as fresh ones do.
	bufs := &bufPool{limit: 1 << 20}
	f.Add(bytes.Repeat([]byte("\n"), 40<<10), int64(40<<10))
	f.Fuzz(func(t *testing.T, b []byte, n int64) {
		c, err := decodeCall(bytes.NewReader(b), n, max)
		c2, buf, err2 := decodeCallInto(bytes.NewReader(b), n, max, bufs)
		if (err == nil) != (err2 == nil) || err == nil && !bytes.Equal(c.Body, c2.Body) {
			t.Fatalf("read into a reused buffer: %v, %v; fresh: %v", c2, err2, err)
		}
		if err2 == nil {
			bufs.put(buf)
		}
		if err != nil {
			return
		}
		if int64(len(b)) > max && n <= 0 {
			t.Fatalf("a call of %d bytes passed the %d-byte limit", len(b), max)
		}
		i := bytes.IndexByte(b, '\n')
		if want := b[i+1:]; n > 0 {
			if int64(len(b)) < n {
				t.Fatalf("a call shorter (%d) than its declared length (%d) was accepted", len(b), n)
			}
			want = b[i+1 : n]
			if !bytes.Equal(c.Body, want) && (len(want) > 0 || c.Body != nil) {
				t.Fatalf("body %q, want %q", c.Body, want)
			}
		} else if !bytes.Equal(c.Body, want) && (len(want) > 0 || c.Body != nil) {
			t.Fatalf("body %q, want %q", c.Body, want)
		}
	})
}
