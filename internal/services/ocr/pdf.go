package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/aisd/aisd/internal/catalog"
)

// PDF pages are rendered by poppler's pdftoppm and pdfinfo (Debian package
// poppler-utils): a maintained renderer, run as a separate process so a
// hostile PDF cannot take the server down.
const pdfLongSide = 2000 // px; the pipeline scales larger images down to this anyway

var pagesRe = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

// renderPDFPage returns page (1-based) of a PDF as PNG bytes.
func renderPDFPage(ctx context.Context, data []byte, page int) ([]byte, error) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		return nil, catalog.E(catalog.KindImageFormat).Wrap(errors.New("PDF input needs pdftoppm (Debian package poppler-utils)"))
	}
	dir, err := os.MkdirTemp("", "aisd-pdf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	var out, stderr bytes.Buffer
	info := exec.CommandContext(ctx, "pdfinfo", in)
	info.Stdout, info.Stderr = &out, &stderr
	if err := info.Run(); err != nil {
		return nil, catalog.E(catalog.KindImageQuality).Wrap(fmt.Errorf("pdfinfo: %v: %s", err, stderr.Bytes()))
	}
	m := pagesRe.FindSubmatch(out.Bytes())
	if m == nil {
		return nil, catalog.E(catalog.KindImageQuality).Wrap(errors.New("pdfinfo printed no page count"))
	}
	pages, _ := strconv.Atoi(string(m[1]))
	if page > pages {
		return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("pdf_page_number %d, the document has %d pages", page, pages))
	}
	root := filepath.Join(dir, "page")
	p := strconv.Itoa(page)
	stderr.Reset()
	render := exec.CommandContext(ctx, "pdftoppm", "-f", p, "-l", p, "-singlefile", "-png",
		"-scale-to", strconv.Itoa(pdfLongSide), in, root)
	render.Stderr = &stderr
	if err := render.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, catalog.E(catalog.KindImageQuality).Wrap(fmt.Errorf("pdftoppm: %v: %s", err, stderr.Bytes()))
	}
	return os.ReadFile(root + ".png")
}
