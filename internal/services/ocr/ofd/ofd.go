// Package ofd reads the text layer of OFD documents (GB/T 33190: a zip
// of XML files), the format of China's electronic invoices and railway
// e-tickets. The text objects carry the characters and their positions,
// so a page is read exactly rather than rendered and recognised.
//
// The input is untrusted: the zip's directory is checked before any
// entry is read (number of entries, declared sizes and compression
// ratios), and every read is bounded again by what it actually yields,
// since declared sizes can lie.
package ofd

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// Limits bound what a document may make the reader inflate.
type Limits struct {
	MaxEntries   int   // files in the zip
	MaxEntrySize int64 // bytes of one inflated file
	MaxTotal     int64 // bytes inflated over all reads
	MaxRatio     int64 // inflated : compressed, for files over 64 KiB
	MaxPages     int
	MaxObjects   int // text objects on a page, templates included
}

// DefaultLimits fit real invoices and tickets (a few dozen small XML
// files, tens of kilobytes) with a wide margin.
var DefaultLimits = Limits{MaxEntries: 2000, MaxEntrySize: 8 << 20, MaxTotal: 32 << 20, MaxRatio: 100, MaxPages: 1000, MaxObjects: 20000}

var (
	// ErrNotOFD: the bytes are not a zip with an OFD.xml.
	ErrNotOFD = errors.New("ofd: not an OFD document")
	// ErrBomb: the document would inflate beyond the limits.
	ErrBomb = errors.New("ofd: document exceeds the size limits")
	// ErrMalformed: a required part is missing or unreadable.
	ErrMalformed = errors.New("ofd: malformed document")
	// ErrNoPage: the page asked for does not exist.
	ErrNoPage = errors.New("ofd: no such page")
)

// Sniff reports whether data looks like an OFD (a zip holding OFD.xml);
// it reads the directory only.
func Sniff(data []byte) bool {
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return false
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if strings.EqualFold(strings.TrimPrefix(f.Name, "/"), "OFD.xml") {
			return true
		}
	}
	return false
}

// Doc is an opened OFD document.
type Doc struct {
	lim   Limits
	files map[string]*zip.File
	read  int64 // bytes inflated so far
	dir   string
	pages []string // content file of each page
	tpls  map[string]string
	box   [4]float64 // the document's default page area
}

// Open checks the zip's directory against the limits and reads the
// document's page list.
func Open(data []byte, lim Limits) (*Doc, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotOFD, err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, fmt.Errorf("%w: %d files (at most %d)", ErrBomb, len(zr.File), lim.MaxEntries)
	}
	d := &Doc{lim: lim, files: map[string]*zip.File{}, tpls: map[string]string{}}
	var total uint64
	for _, f := range zr.File {
		u, c := f.UncompressedSize64, f.CompressedSize64
		if u > uint64(lim.MaxEntrySize) {
			return nil, fmt.Errorf("%w: %s inflates to %d bytes", ErrBomb, f.Name, u)
		}
		if total += u; total > uint64(lim.MaxTotal) {
			return nil, fmt.Errorf("%w: the files inflate to over %d bytes", ErrBomb, lim.MaxTotal)
		}
		if u > 64<<10 && (c == 0 || u/c > uint64(lim.MaxRatio)) {
			return nil, fmt.Errorf("%w: %s compresses %d to %d bytes", ErrBomb, f.Name, u, c)
		}
		d.files[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}
	var root struct {
		DocRoot []string `xml:"DocBody>DocRoot"`
	}
	if err := d.xml("OFD.xml", &root); err != nil {
		if errors.Is(err, ErrMalformed) && d.files["ofd.xml"] == nil {
			return nil, ErrNotOFD
		}
		return nil, err
	}
	if len(root.DocRoot) == 0 {
		return nil, fmt.Errorf("%w: OFD.xml names no document", ErrMalformed)
	}
	docPath := clean("", root.DocRoot[0])
	d.dir = path.Dir(docPath)
	var doc struct {
		PageArea struct {
			PhysicalBox string `xml:"PhysicalBox"`
		} `xml:"CommonData>PageArea"`
		Templates []struct {
			ID      string `xml:"ID,attr"`
			BaseLoc string `xml:"BaseLoc,attr"`
		} `xml:"CommonData>TemplatePage"`
		Pages []struct {
			BaseLoc string `xml:"BaseLoc,attr"`
		} `xml:"Pages>Page"`
	}
	if err := d.xml(docPath, &doc); err != nil {
		return nil, err
	}
	if len(doc.Pages) > lim.MaxPages {
		return nil, fmt.Errorf("%w: %d pages (at most %d)", ErrBomb, len(doc.Pages), lim.MaxPages)
	}
	d.box, _ = parseBox(doc.PageArea.PhysicalBox)
	for _, t := range doc.Templates {
		d.tpls[t.ID] = clean(d.dir, t.BaseLoc)
	}
	for _, p := range doc.Pages {
		d.pages = append(d.pages, clean(d.dir, p.BaseLoc))
	}
	if len(d.pages) == 0 {
		return nil, fmt.Errorf("%w: the document has no page", ErrMalformed)
	}
	return d, nil
}

// clean resolves an OFD location: absolute from the package root, or
// relative to dir.
func clean(dir, loc string) string {
	loc = strings.ReplaceAll(loc, "\\", "/")
	if strings.HasPrefix(loc, "/") {
		return path.Clean(strings.TrimPrefix(loc, "/"))
	}
	return path.Clean(path.Join(dir, loc))
}

// Pages is the document's page count.
func (d *Doc) Pages() int { return len(d.pages) }

// readFile inflates one file, bounded by the limits whatever its
// declared size.
func (d *Doc) readFile(name string) ([]byte, error) {
	f := d.files[strings.ToLower(name)]
	if f == nil {
		return nil, fmt.Errorf("%w: %s is missing", ErrMalformed, name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	defer rc.Close()
	budget := min(d.lim.MaxEntrySize, d.lim.MaxTotal-d.read)
	b, err := io.ReadAll(io.LimitReader(rc, budget+1))
	d.read += int64(len(b))
	if int64(len(b)) > budget {
		return nil, fmt.Errorf("%w: %s inflates beyond its limit", ErrBomb, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	return b, nil
}

func (d *Doc) xml(name string, v any) error {
	b, err := d.readFile(name)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	return nil
}

// Char is one character and its horizontal extent on the page, in mm.
type Char struct {
	S      string
	X0, X1 float64
}

// Text is one run of text (a TextCode) on a page, in mm from the page's
// top-left corner: X0..X1 across, Y0 (top) .. Y1 (bottom).
type Text struct {
	S              string
	X0, Y0, X1, Y1 float64
	Size           float64
	Chars          []Char
}

// Page is a page's text layer: its size in mm and its text runs, the
// templates' (printed labels) first.
type Page struct {
	W, H  float64
	Texts []Text
}

// Page reads page n (1-based) with the templates it names.
func (d *Doc) Page(n int) (*Page, error) {
	if n < 1 || n > len(d.pages) {
		return nil, fmt.Errorf("%w: page %d of %d", ErrNoPage, n, len(d.pages))
	}
	b, err := d.readFile(d.pages[n-1])
	if err != nil {
		return nil, err
	}
	p := &Page{}
	box := d.box
	var tplIDs []string
	var texts []Text
	if err := d.walk(b, &texts, &box, &tplIDs); err != nil {
		return nil, err
	}
	var all []Text
	for _, id := range tplIDs {
		loc, ok := d.tpls[id]
		if !ok {
			continue
		}
		tb, err := d.readFile(loc)
		if err != nil {
			return nil, err
		}
		var ignore []string
		tbox := box
		if err := d.walk(tb, &all, &tbox, &ignore); err != nil {
			return nil, err
		}
	}
	p.Texts = append(all, texts...)
	if len(p.Texts) > d.lim.MaxObjects {
		return nil, fmt.Errorf("%w: %d text objects on the page", ErrBomb, len(p.Texts))
	}
	p.W, p.H = box[2], box[3]
	if p.W <= 0 || p.H <= 0 || p.W > 5000 || p.H > 5000 {
		return nil, fmt.Errorf("%w: page area %v mm", ErrMalformed, box)
	}
	for i := range p.Texts {
		t := &p.Texts[i]
		t.X0 -= box[0]
		t.X1 -= box[0]
		t.Y0 -= box[1]
		t.Y1 -= box[1]
	}
	return p, nil
}

// walk collects the text runs of a content file (page or template),
// whatever the nesting of layers and page blocks, and notes its page
// area and templates.
func (d *Doc) walk(b []byte, out *[]Text, box *[4]float64, tpls *[]string) error {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var obj *textObject
	var inBox bool
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > 64 {
				return fmt.Errorf("%w: elements nested over 64 deep", ErrMalformed)
			}
			switch t.Name.Local {
			case "PhysicalBox":
				inBox = true
			case "Template":
				if id := attr(t, "TemplateID"); id != "" {
					*tpls = append(*tpls, id)
				}
			case "TextObject":
				o, err := newTextObject(t)
				if err != nil {
					return err
				}
				obj = o
			case "TextCode":
				if obj == nil {
					continue
				}
				var tc struct {
					X      string `xml:"X,attr"`
					Y      string `xml:"Y,attr"`
					DeltaX string `xml:"DeltaX,attr"`
					Text   string `xml:",chardata"`
				}
				if err := dec.DecodeElement(&tc, &t); err != nil {
					return fmt.Errorf("%w: %v", ErrMalformed, err)
				}
				depth--
				if len(*out) >= d.lim.MaxObjects {
					return fmt.Errorf("%w: over %d text objects", ErrBomb, d.lim.MaxObjects)
				}
				if txt, ok := obj.run(tc.X, tc.Y, tc.DeltaX, tc.Text); ok {
					*out = append(*out, txt)
				}
			}
		case xml.EndElement:
			depth--
			switch t.Name.Local {
			case "PhysicalBox":
				inBox = false
			case "TextObject":
				obj = nil
			}
		case xml.CharData:
			if inBox {
				if bx, ok := parseBox(string(t)); ok {
					*box = bx
				}
			}
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

type textObject struct {
	bx, by, size float64
	ctm          [6]float64
}

func newTextObject(e xml.StartElement) (*textObject, error) {
	b, ok := parseBox(attr(e, "Boundary"))
	if !ok {
		return nil, fmt.Errorf("%w: text object without a boundary", ErrMalformed)
	}
	o := &textObject{bx: b[0], by: b[1], ctm: [6]float64{1, 0, 0, 1, 0, 0}}
	o.size, _ = strconv.ParseFloat(attr(e, "Size"), 64)
	if o.size <= 0 || o.size > 1000 {
		o.size = 3.5
	}
	if c := strings.Fields(attr(e, "CTM")); len(c) == 6 {
		for i, s := range c {
			o.ctm[i], _ = strconv.ParseFloat(s, 64)
		}
	}
	return o, nil
}

// apply maps a point of the object's space to the page.
func (o *textObject) apply(x, y float64) (float64, float64) {
	m := o.ctm
	return o.bx + m[0]*x + m[2]*y + m[4], o.by + m[1]*x + m[3]*y + m[5]
}

// run places the characters of one TextCode.
func (o *textObject) run(xs, ys, dx, text string) (Text, bool) {
	rs := []rune(text)
	if strings.TrimSpace(text) == "" {
		return Text{}, false
	}
	x, _ := strconv.ParseFloat(xs, 64)
	y, _ := strconv.ParseFloat(ys, 64)
	deltas := parseDeltas(dx, len(rs))
	scale := o.ctm[0]
	if scale == 0 {
		scale = 1
	}
	size := o.size * scale
	t := Text{S: text, Size: size}
	cx := x
	for i, r := range rs {
		w := o.size
		if i < len(deltas) {
			w = deltas[i]
		} else if i > 0 && i-1 < len(deltas) {
			w = deltas[i-1]
		}
		x0, _ := o.apply(cx, y)
		x1, _ := o.apply(cx+w, y)
		t.Chars = append(t.Chars, Char{S: string(r), X0: x0, X1: x1})
		cx += w
	}
	_, base := o.apply(x, y)
	t.X0, t.X1 = t.Chars[0].X0, t.Chars[len(t.Chars)-1].X1
	t.Y0, t.Y1 = base-0.88*size, base+0.12*size
	return t, true
}

// parseDeltas reads DeltaX: advances between characters, where
// "g N d" repeats d N times.
func parseDeltas(s string, n int) []float64 {
	f := strings.Fields(s)
	var out []float64
	for i := 0; i < len(f) && len(out) < n; i++ {
		if f[i] == "g" && i+2 < len(f) {
			k, _ := strconv.Atoi(f[i+1])
			v, _ := strconv.ParseFloat(f[i+2], 64)
			for j := 0; j < k && len(out) < n; j++ {
				out = append(out, v)
			}
			i += 2
			continue
		}
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			continue
		}
		out = append(out, v)
	}
	return out
}

func parseBox(s string) ([4]float64, bool) {
	f := strings.Fields(s)
	var b [4]float64
	if len(f) != 4 {
		return b, false
	}
	for i, v := range f {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x != x || x > 1e6 || x < -1e6 {
			return b, false
		}
		b[i] = x
	}
	return b, true
}
