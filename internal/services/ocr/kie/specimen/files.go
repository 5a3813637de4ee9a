package specimen

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"

	"github.com/aisd/aisd/internal/services/ocr/ofd"
)

// MMPerPx is the scale of the specimens' OFD files: 1400 px of a VAT
// invoice layout are its 240 mm.
const MMPerPx = 240.0 / 1400

// OFD writes the specimen's page as an OFD document: its texts placed
// where the layout draws them, with the glyphs' own advances, the
// labels (any colour but the values' black) in the page's template.
func OFD(s Specimen) ([]byte, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	l := s.Layout
	pg := ofd.WritePage{W: float64(l.W) * MMPerPx, H: float64(l.H) * MMPerPx}
	faces := map[[2]int]font.Face{}
	for _, t := range l.Texts {
		key := [2]int{int(t.Face), int(t.Size * 4)}
		fc, ok := faces[key]
		if !ok {
			if fc, err = opentype.NewFace(fs[t.Face], &opentype.FaceOptions{Size: t.Size, DPI: 72, Hinting: font.HintingNone}); err != nil {
				return nil, err
			}
			faces[key] = fc
		}
		r := ofd.Run{S: t.S, X: t.X * MMPerPx, Y: t.Y * MMPerPx, Size: t.Size * MMPerPx}
		for _, ch := range t.S {
			a, _ := fc.GlyphAdvance(ch)
			r.Advances = append(r.Advances, float64(a)/64*MMPerPx)
		}
		if t.Color.A != 0 && t.Color != black {
			pg.Template = append(pg.Template, r)
		} else {
			pg.Content = append(pg.Content, r)
		}
	}
	return ofd.Write([]ofd.WritePage{pg})
}

// PDF writes pages as a PDF of JPEG images, one page each (the scanned
// PDFs invoices arrive as), at 144 dpi.
func PDF(pages ...image.Image) ([]byte, error) {
	var b bytes.Buffer
	var offs []int
	obj := func(body string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offs), body)
		if stream != nil {
			fmt.Fprintf(&b, "\nstream\n")
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.4\n")
	kids := ""
	for i := range pages {
		kids += fmt.Sprintf("%d 0 R ", 3+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, len(pages)), nil)
	for i, p := range pages {
		var j bytes.Buffer
		if err := jpeg.Encode(&j, p, &jpeg.Options{Quality: 90}); err != nil {
			return nil, err
		}
		w, h := p.Bounds().Dx(), p.Bounds().Dy()
		pw, ph := float64(w)/2, float64(h)/2
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", pw, ph, 4+3*i, 5+3*i), nil)
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", w, h, j.Len()), j.Bytes())
		content := fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q", pw, ph)
		obj(fmt.Sprintf("<< /Length %d >>", len(content)), []byte(content))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes(), nil
}
