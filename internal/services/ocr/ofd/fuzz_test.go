package ofd

import (
	"errors"
	"testing"
)

// FuzzOFD: any bytes either open as an OFD whose every page reads, or are
// refused with one of the reader's errors; nothing panics, and no read
// inflates beyond the limits.
func FuzzOFD(f *testing.F) {
	f.Add(sample(f))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	lim := Limits{MaxEntries: 100, MaxEntrySize: 1 << 20, MaxTotal: 4 << 20, MaxRatio: 100, MaxPages: 20, MaxObjects: 2000}
	known := func(err error) bool {
		return errors.Is(err, ErrNotOFD) || errors.Is(err, ErrBomb) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrNoPage)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Open(data, lim)
		if err != nil {
			if !known(err) {
				t.Fatalf("Open: unexpected error %v", err)
			}
			return
		}
		for n := 1; n <= d.Pages(); n++ {
			p, err := d.Page(n)
			if err != nil {
				if !known(err) {
					t.Fatalf("Page %d: unexpected error %v", n, err)
				}
				continue
			}
			if len(p.Texts) > lim.MaxObjects {
				t.Fatalf("page %d: %d texts over the limit", n, len(p.Texts))
			}
		}
		if d.read > lim.MaxTotal {
			t.Fatalf("inflated %d bytes, limit %d", d.read, lim.MaxTotal)
		}
	})
}
