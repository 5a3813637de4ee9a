package ocr_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
	"github.com/xuri/excelize/v2"

	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

// TestSmartDocument: a generated office page answers its key: value
// pairs, its bordered table cell for cell (and as an .xlsx a spreadsheet
// reader reads back), and its layout blocks by kind; formula analysis is
// refused.
func TestSmartDocument(t *testing.T) {
	cli := client(t)
	needFontsExt(t)
	d := specimen.Document(0)
	page, err := d.Layout.Render()
	if err != nil {
		t.Fatal(err)
	}
	png, err := specimen.Clean(page)
	if err != nil {
		t.Fatal(err)
	}
	img := base64.StdEncoding.EncodeToString(png)
	r, err := cli.RecognizeSmartDocumentRecognizer(&model.RecognizeSmartDocumentRecognizerRequest{Body: &model.SmartDocumentRecognizerRequestBody{
		Data: &img, Kv: yes(), Table: yes(), Layout: yes(), ReturnExcel: yes()}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Result == nil || len(*r.Result) != 1 {
		t.Fatalf("result %s", toJSON(r.Result))
	}
	res := (*r.Result)[0]
	if res.OcrResult == nil || res.OcrResult.WordsBlockCount == nil || *res.OcrResult.WordsBlockCount < 10 {
		t.Fatalf("ocr_result %s", toJSON(res.OcrResult))
	}
	kv := map[string]string{}
	for _, b := range *res.KvResult.KvBlockList {
		kv[*b.Key] = *b.Value
	}
	for _, p := range d.KV {
		if kv[p[0]] != p[1] {
			t.Errorf("kv %s = %q, want %q", p[0], kv[p[0]], p[1])
		}
	}
	// The bordered table; the key: value lines above it, two columns
	// of two rows, may be found as a borderless table too.
	if res.TableResult == nil || *res.TableResult.TableCount < 1 {
		t.Fatalf("table_result %s", toJSON(res.TableResult))
	}
	tb := (*res.TableResult.TableList)[0]
	for _, c := range *res.TableResult.TableList {
		if *c.WordsBlockCount > *tb.WordsBlockCount {
			tb = c
		}
	}
	got := map[[2]int32]string{}
	for _, c := range *tb.WordsBlockList {
		got[[2]int32{(*c.Rows)[0], (*c.Columns)[0]}] = *c.Words
	}
	right, total := 0, 0
	for ri, row := range d.Table {
		for ci, cell := range row {
			total++
			if got[[2]int32{int32(ri), int32(ci)}] == cell {
				right++
			} else {
				t.Logf("cell %d,%d = %q, want %q", ri, ci, got[[2]int32{int32(ri), int32(ci)}], cell)
			}
		}
	}
	if float64(right) < 0.95*float64(total) {
		t.Errorf("table cells: %d/%d right", right, total)
	}
	x, err := base64.StdEncoding.DecodeString(*tb.Excel)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for ri, row := range d.Table {
		for ci := range row {
			w := got[[2]int32{int32(ri), int32(ci)}]
			if ri >= len(rows) || ci >= len(rows[ri]) || rows[ri][ci] != w {
				t.Errorf("xlsx cell %d,%d differs from the answer's %q: %v", ri, ci, w, rows)
			}
		}
	}
	kinds := map[string]string{}
	for _, b := range *res.LayoutResult.LayoutBlockList {
		if b.Text != nil {
			kinds[*b.Type] += strings.ReplaceAll(*b.Text, "\n", "")
		} else {
			kinds[*b.Type] += "."
		}
	}
	for typ, w := range map[string]string{"title": d.Title, "page_number": d.PageNumber, "footer": d.Footer, "table": "."} {
		if !strings.Contains(strings.ReplaceAll(kinds[typ], " ", ""), strings.ReplaceAll(w, " ", "")) {
			t.Errorf("layout %s = %q, want %q in it (all: %v)", typ, kinds[typ], w, kinds)
		}
	}
	if !strings.Contains(kinds["header"], "内部资料") {
		t.Errorf("layout header = %q", kinds["header"])
	}
	_, err = cli.RecognizeSmartDocumentRecognizer(&model.RecognizeSmartDocumentRecognizerRequest{Body: &model.SmartDocumentRecognizerRequestBody{Data: &img, Formula: yes()}})
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
}
