package ofd

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

func sample(t testing.TB) []byte {
	t.Helper()
	b, err := Write([]WritePage{{W: 240, H: 140,
		Template: []Run{{S: "发票号码：", X: 150, Y: 12, Size: 3.5, Advances: []float64{3.5, 3.5, 3.5, 3.5, 3.5}}},
		Content:  []Run{{S: "12345678", X: 168, Y: 12, Size: 3.5, Advances: []float64{2, 2, 2, 2, 2, 2, 2, 2}}, {S: "a & <b>", X: 10, Y: 50, Size: 4, Advances: []float64{2, 2, 2, 2, 2, 2, 2}}},
	}, {W: 240, H: 140, Content: []Run{{S: "第二页", X: 10, Y: 20, Size: 5, Advances: []float64{5, 5, 5}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadWritten(t *testing.T) {
	data := sample(t)
	if !Sniff(data) {
		t.Fatal("Sniff: not an OFD")
	}
	d, err := Open(data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if d.Pages() != 2 {
		t.Fatalf("%d pages", d.Pages())
	}
	p, err := d.Page(1)
	if err != nil {
		t.Fatal(err)
	}
	if p.W != 240 || p.H != 140 || len(p.Texts) != 3 {
		t.Fatalf("page %vx%v, %d texts", p.W, p.H, len(p.Texts))
	}
	// The template's label comes first, then the page's values.
	lab, num := p.Texts[0], p.Texts[1]
	if lab.S != "发票号码：" || num.S != "12345678" || p.Texts[2].S != "a & <b>" {
		t.Fatalf("texts %q %q %q", lab.S, num.S, p.Texts[2].S)
	}
	if d := num.X0 - 168; d < -0.01 || d > 0.01 || num.X1 < 183.9 || num.X1 > 184.1 {
		t.Errorf("number spans %v..%v mm, want 168..184", num.X0, num.X1)
	}
	if num.Y0 >= 12 || num.Y1 <= 12 || num.Y0 < 8 {
		t.Errorf("number rows %v..%v mm around the baseline 12", num.Y0, num.Y1)
	}
	if c := num.Chars[2]; c.S != "3" || c.X0 < 171.9 || c.X0 > 172.1 {
		t.Errorf("third character %+v", c)
	}
	p2, err := d.Page(2)
	if err != nil || len(p2.Texts) != 1 || p2.Texts[0].S != "第二页" {
		t.Fatalf("page 2: %v %+v", err, p2)
	}
	if _, err := d.Page(3); !errors.Is(err, ErrNoPage) {
		t.Errorf("page 3: %v", err)
	}
}

func TestDeltaX(t *testing.T) {
	got := parseDeltas("1 g 3 2.5 4", 10)
	want := []float64{1, 2.5, 2.5, 2.5, 4}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%v, want %v", got, want)
	}
}

// zipOf writes files as a zip; raw entries carry their own (possibly
// lying) headers.
func zipOf(t testing.TB, files map[string]string, raw ...func(*zip.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	for _, r := range raw {
		r(zw)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const ofdXML = `<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`

// deflated compresses n zero bytes.
func deflated(n int) ([]byte, uint32) {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	zero := make([]byte, 1<<16)
	h := crc32.NewIEEE()
	for n > 0 {
		k := min(n, len(zero))
		fw.Write(zero[:k])
		h.Write(zero[:k])
		n -= k
	}
	fw.Close()
	return b.Bytes(), h.Sum32()
}

// TestBombsRefusedBeforeReading: too many entries, an entry or a total
// declared over the limits, a compression ratio no XML has, too many
// pages — refused from the directory alone; an entry whose header lies
// about its size is stopped at the limit while it is read.
func TestBombsRefusedBeforeReading(t *testing.T) {
	lim := Limits{MaxEntries: 50, MaxEntrySize: 1 << 20, MaxTotal: 2 << 20, MaxRatio: 100, MaxPages: 10, MaxObjects: 100}
	many := map[string]string{"OFD.xml": ofdXML}
	for i := 0; i < 60; i++ {
		many[fmt.Sprintf("f%d", i)] = "x"
	}
	big, crc := deflated(4 << 20)
	rawBig := func(declared uint64) func(*zip.Writer) {
		return func(zw *zip.Writer) {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: "Doc_0/Document.xml", Method: zip.Deflate, CRC32: crc,
				CompressedSize64: uint64(len(big)), UncompressedSize64: declared})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(big)
		}
	}
	ratio, rcrc := deflated(200 << 10)
	pages := `<ofd:Document xmlns:ofd="x"><ofd:Pages>` + strings.Repeat(`<ofd:Page BaseLoc="p.xml"/>`, 11) + `</ofd:Pages></ofd:Document>`
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"entries", zipOf(t, many), ErrBomb},
		{"entry size", zipOf(t, map[string]string{"OFD.xml": ofdXML}, rawBig(4<<20)), ErrBomb},
		{"ratio", zipOf(t, map[string]string{"OFD.xml": ofdXML}, func(zw *zip.Writer) {
			w, _ := zw.CreateRaw(&zip.FileHeader{Name: "a.xml", Method: zip.Deflate, CRC32: rcrc, CompressedSize64: uint64(len(ratio)), UncompressedSize64: 200 << 10})
			w.Write(ratio)
		}), ErrBomb},
		{"total", zipOf(t, map[string]string{"OFD.xml": ofdXML, "a": strings.Repeat("a", 900<<10), "b": strings.Repeat("b", 900<<10), "c": strings.Repeat("c", 900<<10)}), ErrBomb},
		{"pages", zipOf(t, map[string]string{"OFD.xml": ofdXML, "Doc_0/Document.xml": pages}), ErrBomb},
		{"lying header", zipOf(t, map[string]string{"OFD.xml": ofdXML}, rawBig(1000)), nil},
		{"not ofd", zipOf(t, map[string]string{"a.txt": "hello"}), ErrNotOFD},
		{"not zip", []byte("%PDF-1.4 not a zip"), ErrNotOFD},
		{"no document", zipOf(t, map[string]string{"OFD.xml": ofdXML}), ErrMalformed},
	} {
		_, err := Open(tc.data, lim)
		switch {
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		case tc.want == nil && !errors.Is(err, ErrBomb) && !errors.Is(err, ErrMalformed):
			// The header lies: reading stops at the declared size or
			// the limit, never at the 4 MiB the entry holds.
			t.Errorf("%s: %v, want a refusal", tc.name, err)
		}
	}
}

// TestDeepNesting: elements nested deeper than any real page are refused.
func TestDeepNesting(t *testing.T) {
	page := strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
	doc := `<ofd:Document xmlns:ofd="x"><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 100 100</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page BaseLoc="p.xml"/></ofd:Pages></ofd:Document>`
	d, err := Open(zipOf(t, map[string]string{"OFD.xml": ofdXML, "Doc_0/Document.xml": doc, "Doc_0/p.xml": page}), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Page(1); !errors.Is(err, ErrMalformed) {
		t.Errorf("deep page: %v", err)
	}
}
