package table

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/aisd/aisd/internal/services/ocr/raster"
	"github.com/aisd/aisd/internal/services/ocr/table/tabletest"
)

// TestGridStructure: the ruling alone (no OCR) gives the fixture's rows,
// columns and merged cells.
func TestGridStructure(t *testing.T) {
	img := render(t, tabletest.Invoice)
	gs := findGrids(raster.ToGray(img), 34)
	if len(gs) != 1 {
		t.Fatalf("%d grids", len(gs))
	}
	tb := gs[0].table()
	var got, want []string
	for _, c := range tb.Cells {
		got = append(got, fmt.Sprintf("%d,%d %dx%d", c.Row, c.Col, c.RowSpan, c.ColSpan))
	}
	for _, c := range tabletest.Invoice.Cells {
		want = append(want, fmt.Sprintf("%d,%d %dx%d", c.Row, c.Col, c.RowSpan, c.ColSpan))
	}
	sort.Strings(got)
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) || tb.Rows != 5 || tb.Cols != 4 {
		t.Errorf("cells %v, want %v", got, want)
	}
}

// TestExcel: regions top to bottom, merged cells merged, read back.
func TestExcel(t *testing.T) {
	part := func(s string, y int) Part { return Part{Text: s, Box: Rect{X0: 0, Y0: y, X1: 50, Y1: y + 20}} }
	p := Page{
		Text: []Part{part("标题", 0), part("脚注", 500)},
		Tables: []Table{{Box: Rect{X0: 0, Y0: 100, X1: 400, Y1: 400}, Rows: 2, Cols: 3, Cells: []Cell{
			{Row: 0, Col: 0, RowSpan: 2, ColSpan: 1, Parts: []Part{part("合并", 120)}},
			{Row: 0, Col: 1, RowSpan: 1, ColSpan: 2, Parts: []Part{part("横跨", 120)}},
			{Row: 1, Col: 1, RowSpan: 1, ColSpan: 1, Parts: []Part{part("a", 200)}},
			{Row: 1, Col: 2, RowSpan: 1, ColSpan: 1},
		}}},
	}
	b64, err := p.Excel()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(b64)
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Sheet1")
	if fmt.Sprint(rows) != "[[标题] [] [合并 横跨] [ a] [] [脚注]]" {
		t.Errorf("rows %q", rows)
	}
	ms, _ := f.GetMergeCells("Sheet1")
	var got []string
	for _, m := range ms {
		got = append(got, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	sort.Strings(got)
	if fmt.Sprint(got) != "[A3:A4 B3:C3]" {
		t.Errorf("merges %v", got)
	}
}
