package ocr

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png"
	"os/exec"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/catalog"
)

// minimalPDF writes a one-page PDF with a correct cross-reference table.
func minimalPDF(w, h int) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] >>", w, h),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

// FuzzRenderPDFPage: any bytes given as a PDF come back as one PNG page no
// larger than the render bound, or as a documented image or parameter
// error — never a bare error, and a huge page never a huge bitmap.
func FuzzRenderPDFPage(f *testing.F) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		f.Skip("pdftoppm (Debian package poppler-utils) is not installed")
	}
	f.Add(minimalPDF(612, 792), uint8(1))
	f.Add(minimalPDF(14400, 14400), uint8(1)) // the largest page PDF allows
	f.Add(minimalPDF(3, 2), uint8(2))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Type /Pages /Count 99999999 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"), uint8(1))
	f.Add([]byte("not a pdf"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, page uint8) {
		if page == 0 {
			page = 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		png, err := renderPDFPage(ctx, data, int(page))
		if err != nil {
			if ctx.Err() == nil && !catalog.IsKind(err, catalog.KindImageQuality) && !catalog.IsKind(err, catalog.KindBadParam) {
				t.Fatalf("page %d: %v is not a documented error", page, err)
			}
			return
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(png))
		if err != nil {
			t.Fatalf("page %d rendered to something that is not a PNG: %v", page, err)
		}
		if cfg.Width > pdfLongSide || cfg.Height > pdfLongSide {
			t.Fatalf("page %d rendered at %dx%d, over the %d px bound", page, cfg.Width, cfg.Height, pdfLongSide)
		}
	})
}
