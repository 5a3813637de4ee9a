package server_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"sort"
	"strings"
	"testing"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
	"github.com/xuri/excelize/v2"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/ocr/seal/sealtest"
	"github.com/aisd/aisd/internal/services/ocr/table/tabletest"
	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

func specB64(t *testing.T, s tabletest.Spec) string {
	t.Helper()
	img, err := s.Render()
	if err != nil {
		noFont(t, err)
	}
	return base64.StdEncoding.EncodeToString(templatetest.PNG(img))
}

func specCells(s tabletest.Spec) string {
	var out []string
	for _, c := range s.Cells {
		out = append(out, fmt.Sprintf("r%d c%d %dx%d %q", c.Row, c.Col, c.RowSpan, c.ColSpan, c.Text))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// sdkCells reads a table region of the SDK response the same way.
func sdkCells(t *testing.T, reg ocrmodel.WordsRegionList) string {
	t.Helper()
	var out []string
	for _, b := range reg.WordsBlockList {
		if b.Rows == nil || b.Columns == nil || b.Words == nil {
			t.Fatalf("table block without rows/columns/words: %+v", b)
		}
		rs, cs := *b.Rows, *b.Columns
		out = append(out, fmt.Sprintf("r%d c%d %dx%d %q", rs[0], cs[0], len(rs), len(cs), *b.Words))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestGeneralTableThroughSDK: a bordered table with merged cells and a
// borderless one read through the SDK; the flags add what they document;
// the Excel answer opens with a spreadsheet reader and holds the cells.
func TestGeneralTableThroughSDK(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	client := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	yes := true
	invoice := specB64(t, tabletest.Invoice)

	resp, err := client.RecognizeGeneralTable(&ocrmodel.RecognizeGeneralTableRequest{Body: &ocrmodel.GeneralTableRequestBody{Image: &invoice, ReturnExcel: &yes}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Result
	if r == nil || r.WordsRegionCount != 3 || len(r.WordsRegionList) != 3 {
		t.Fatalf("result %+v", r)
	}
	if typ := []string{r.WordsRegionList[0].Type, r.WordsRegionList[1].Type, r.WordsRegionList[2].Type}; fmt.Sprint(typ) != "[text table text]" {
		t.Fatalf("regions %v", typ)
	}
	if w := r.WordsRegionList[0].WordsBlockList; len(w) != 1 || *w[0].Words != "采购清单" || w[0].Confidence != nil || w[0].Location != nil {
		t.Errorf("title region %+v", w)
	}
	tbl := r.WordsRegionList[1]
	if got, want := sdkCells(t, tbl), specCells(tabletest.Invoice); got != want {
		t.Errorf("cells:\n%s\nwant\n%s", got, want)
	}
	if int(tbl.WordsBlockCount) != len(tabletest.Invoice.Cells) || tbl.WordsBlockList[0].CellLocation != nil {
		t.Errorf("count %d, cell_location without return_text_location", tbl.WordsBlockCount)
	}

	// The spreadsheet: the title, the table with its merges, the footer.
	if r.Excel == nil {
		t.Fatal("no excel")
	}
	raw, err := base64.StdEncoding.DecodeString(*r.Excel)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("excel does not open: %v", err)
	}
	defer x.Close()
	sheet := x.GetSheetName(0)
	if v, _ := x.GetCellValue(sheet, "A1"); v != "采购清单" {
		t.Errorf("A1 %q", v)
	}
	var xl []string
	for _, c := range tabletest.Invoice.Cells {
		a, _ := excelize.CoordinatesToCellName(c.Col+1, c.Row+3) // the table starts on row 3
		v, _ := x.GetCellValue(sheet, a)
		xl = append(xl, fmt.Sprintf("r%d c%d %dx%d %q", c.Row, c.Col, c.RowSpan, c.ColSpan, v))
	}
	sort.Strings(xl)
	if got, want := strings.Join(xl, "\n"), specCells(tabletest.Invoice); got != want {
		t.Errorf("excel cells:\n%s\nwant\n%s", got, want)
	}
	merges, err := x.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var ranges []string
	for _, m := range merges {
		ranges = append(ranges, m.GetStartAxis()+":"+m.GetEndAxis()+"="+m.GetCellValue())
	}
	sort.Strings(ranges)
	if fmt.Sprint(ranges) != "[A4:A5=A-01 B6:C6=会议室租赁]" {
		t.Errorf("merged cells %v", ranges)
	}
	if v, _ := x.GetCellValue(sheet, "A9"); v != "审核人：王芳" {
		t.Errorf("footer A9 %q", v)
	}

	// Locations, characters and confidences on request.
	resp, err = client.RecognizeGeneralTable(&ocrmodel.RecognizeGeneralTableRequest{Body: &ocrmodel.GeneralTableRequestBody{Image: &invoice,
		ReturnTextLocation: &yes, ReturnCharLocation: &yes, ReturnConfidence: &yes, WithBorders: &yes}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range resp.Result.WordsRegionList[1].WordsBlockList {
		if b.CellLocation == nil || len(*b.CellLocation) != 4 || b.Location == nil || b.Confidence == nil || b.WordsList == nil {
			t.Fatalf("block %+v", b)
		}
		if *b.Words == "会议室租赁" {
			cl := *b.CellLocation
			if cl[0][0] < 270 || cl[0][0] > 290 || cl[1][0] < 670 || cl[1][0] > 690 || cl[0][1] < 355 || cl[2][1] > 440 {
				t.Errorf("merged cell location %v", cl)
			}
			wl := *b.WordsList
			if len(wl) != 1 || wl[0].CharList == nil || len(*wl[0].CharList) != 5 || *wl[0].Confidence < 0.8 {
				t.Errorf("words_list %+v", wl)
			}
		}
	}
	// return_char_location without return_text_location is refused.
	_, err = client.RecognizeGeneralTable(&ocrmodel.RecognizeGeneralTableRequest{Body: &ocrmodel.GeneralTableRequestBody{Image: &invoice, ReturnCharLocation: &yes}})
	sdktest.WantCode(t, err, 400, "AIS.0101")

	// A borderless table: rows and columns from the text's alignment...
	sched := specB64(t, tabletest.Schedule)
	resp, err = client.RecognizeGeneralTable(&ocrmodel.RecognizeGeneralTableRequest{Body: &ocrmodel.GeneralTableRequestBody{Image: &sched}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(resp.Result.WordsRegionList); n != 2 || resp.Result.WordsRegionList[1].Type != "table" {
		t.Fatalf("%d regions", n)
	}
	if got, want := sdkCells(t, resp.Result.WordsRegionList[1]), specCells(tabletest.Schedule); got != want {
		t.Errorf("borderless cells:\n%s\nwant\n%s", got, want)
	}
	// ... and none when with_borders says the page has only ruled tables.
	resp, err = client.RecognizeGeneralTable(&ocrmodel.RecognizeGeneralTableRequest{Body: &ocrmodel.GeneralTableRequestBody{Image: &sched, WithBorders: &yes}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(resp.Result.WordsRegionList); n != 1 || resp.Result.WordsRegionList[0].Type != "text" {
		t.Errorf("with_borders: %d regions", n)
	}
	// Not an image.
	junk := base64.StdEncoding.EncodeToString([]byte("not an image at all"))
	_, err = client.RecognizeGeneralTable(&ocrmodel.RecognizeGeneralTableRequest{Body: &ocrmodel.GeneralTableRequestBody{Image: &junk}})
	sdktest.WantCode(t, err, 400, "AIS.0102")
}

// TestFinancialStatementThroughSDK: the same reading in that API's shape.
func TestFinancialStatementThroughSDK(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	client := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	yes := true
	invoice := specB64(t, tabletest.Invoice)
	resp, err := client.RecognizeFinancialStatement(&ocrmodel.RecognizeFinancialStatementRequest{Body: &ocrmodel.FinancialStatementRequestBody{Image: &invoice,
		ReturnTableLocation: &yes, ReturnImageSize: &yes, ReturnExcel: &yes}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Result
	if r == nil || r.WordsRegionCount != 3 || r.ImageSize == nil || *r.ImageSize.Width != 960 || *r.ImageSize.Height != 620 || r.Excel == nil {
		t.Fatalf("result %+v", r)
	}
	tbl := r.WordsRegionList[1]
	if *tbl.Type != "table" || tbl.TableLocation == nil || int(*tbl.WordsBlockCount) != len(tabletest.Invoice.Cells) {
		t.Fatalf("table region %+v", tbl)
	}
	if tl := *tbl.TableLocation; abs32(tl[0][0]-80) > 1 || abs32(tl[0][1]-150) > 1 || abs32(tl[2][0]-881) > 2 || abs32(tl[2][1]-501) > 2 {
		t.Errorf("table_location %v", tl)
	}
	var got []string
	for _, b := range *tbl.WordsBlockList {
		got = append(got, fmt.Sprintf("r%d c%d %dx%d %q", (*b.Rows)[0], (*b.Columns)[0], len(*b.Rows), len(*b.Columns), *b.Words))
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != specCells(tabletest.Invoice) {
		t.Errorf("cells:\n%s", strings.Join(got, "\n"))
	}
}

// TestSealThroughSDK: a red round seal over a contract page: its type,
// place, circular and centre text, its extracted image, and the page with
// it erased.
func TestSealThroughSDK(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	client := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	yes := true
	page, err := sealtest.Contract.Render()
	if err != nil {
		noFont(t, err)
	}
	data := base64.StdEncoding.EncodeToString(templatetest.PNG(page))
	resp, err := client.RecognizeSeal(&ocrmodel.RecognizeSealRequest{Body: &ocrmodel.SealRequestBody{Data: &data, ReturnSealImage: &yes, ReturnErasedSealImage: &yes}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result == nil || resp.Result.SealList == nil || len(*resp.Result.SealList) != 1 {
		t.Fatalf("result %+v", resp.Result)
	}
	s := (*resp.Result.SealList)[0]
	st := sealtest.Contract.Stamp
	if *s.Type != "circle" || *s.Confidence < 0.9 {
		t.Errorf("type %s confidence %v", *s.Type, *s.Confidence)
	}
	if loc := *s.Location; abs32(loc[0][0]-int32(st.Cx-st.R)) > 3 || abs32(loc[0][1]-int32(st.Cy-st.R)) > 3 || abs32(loc[2][0]-int32(st.Cx+st.R)) > 4 {
		t.Errorf("location %v", loc)
	}
	var words []string
	for _, w := range *s.WordsBlockList {
		words = append(words, *w.Words)
		if *w.WordsConfidence < 0.8 {
			t.Errorf("%s: confidence %v", *w.Words, *w.WordsConfidence)
		}
	}
	if fmt.Sprint(words) != "["+st.Arc+" "+st.Centre+"]" {
		t.Errorf("words %q", words)
	}
	for name, b64 := range map[string]*string{"seal_image": s.SealImage, "erased_seal_image": resp.Result.ErasedSealImage} {
		if b64 == nil {
			t.Fatalf("no %s", name)
		}
		raw, _ := base64.StdEncoding.DecodeString(*b64)
		if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The erased page has no seal left, and its printed text still reads.
	resp, err = client.RecognizeSeal(&ocrmodel.RecognizeSealRequest{Body: &ocrmodel.SealRequestBody{Data: resp.Result.ErasedSealImage}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(*resp.Result.SealList); n != 0 || resp.Result.ErasedSealImage != nil {
		t.Errorf("erased page: %d seals", n)
	}
	// A page without a seal: an empty list.
	plain := specB64(t, tabletest.Schedule)
	resp, err = client.RecognizeSeal(&ocrmodel.RecognizeSealRequest{Body: &ocrmodel.SealRequestBody{Data: &plain}})
	if err != nil || len(*resp.Result.SealList) != 0 {
		t.Errorf("plain page: %v %+v", err, resp)
	}
	zero := int32(0)
	_, err = client.RecognizeSeal(&ocrmodel.RecognizeSealRequest{Body: &ocrmodel.SealRequestBody{Data: &data, PdfPageNumber: &zero}})
	sdktest.WantCode(t, err, 400, "AIS.0101")
}

func abs32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}
