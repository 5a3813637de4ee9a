package server_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// makePDF writes a PDF with one line of Helvetica text per page.
func makePDF(pages ...string) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n")
	n := len(pages)
	kids := []string{}
	for i := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", 4+2*i))
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i, text := range pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 200] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		stream := fmt.Sprintf("BT /F1 36 Tf 40 90 Td (%s) Tj ET", text)
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

func TestSDKGeneralTextPDFPage(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm (poppler-utils) not installed: make deps installs it")
	}
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	pdf := base64.StdEncoding.EncodeToString(makePDF("FIRST PAGE 2026", "SECOND PAGE HELLO"))
	cli := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	read := func(page *int32) (string, error) {
		resp, err := cli.RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{
			Body: &ocrmodel.GeneralTextRequestBody{Image: &pdf, PdfPageNumber: page},
		})
		if err != nil {
			return "", err
		}
		var got []string
		for _, w := range resp.Result.WordsBlockList {
			got = append(got, w.Words)
		}
		return strings.Join(got, "|"), nil
	}
	one, two, three := int32(1), int32(2), int32(3)
	for _, c := range []struct {
		page *int32
		want string
	}{{nil, "FIRST PAGE 2026"}, {&one, "FIRST PAGE 2026"}, {&two, "SECOND PAGE HELLO"}} {
		got, err := read(c.page)
		if err != nil || got != c.want {
			t.Fatalf("page %v: %q %v, want %q", c.page, got, err, c.want)
		}
	}
	if _, err := read(&three); sdktest.ErrOf(t, err).ErrorCode != "AIS.0101" {
		t.Fatalf("page beyond the document: %v", err)
	}
	broken := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\nthis is not really a pdf"))
	_, err := cli.RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Image: &broken}})
	if sdktest.ErrOf(t, err).ErrorCode != "AIS.0104" {
		t.Fatalf("damaged PDF: %v", err)
	}
}
