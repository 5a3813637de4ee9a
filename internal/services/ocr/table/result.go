package table

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
	"github.com/xuri/excelize/v2"
)

// Flags are the output switches of general-table and financial-statement.
type Flags struct {
	TextLocation, CharLocation, Confidence, Excel, TableLocation bool
}

// region is a page region in output order: a table, or a run of text
// lines between tables.
type region struct {
	table *Table
	text  []Part
}

// regions interleaves the text with the tables, top to bottom: text lines
// above the first table form one region, those between two tables the
// next, and so on.
func (p Page) regions() []region {
	var out []region
	ti := 0
	var run []Part
	for _, tp := range p.Text {
		for ti < len(p.Tables) && p.Tables[ti].Box.Y0 < (tp.Box.Y0+tp.Box.Y1)/2 {
			if len(run) > 0 {
				out = append(out, region{text: run})
				run = nil
			}
			out = append(out, region{table: &p.Tables[ti]})
			ti++
		}
		run = append(run, tp)
	}
	if len(run) > 0 {
		out = append(out, region{text: run})
	}
	for ; ti < len(p.Tables); ti++ {
		out = append(out, region{table: &p.Tables[ti]})
	}
	return out
}

func conf(f float64) *float32 {
	v := float32(math.Round(f*1e4) / 1e4)
	return &v
}

func span(from, n int) *[]int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(from + i)
	}
	return &out
}

// wordsList is a cell's text pieces with their boxes (and characters).
func (pg Page) wordsList(ps []Part, f Flags) *[]model.WordsListItem {
	out := []model.WordsListItem{}
	for _, p := range ps {
		w := p.Text
		it := model.WordsListItem{Words: &w, Location: pg.rot.quad(p.Box)}
		if f.Confidence {
			it.Confidence = conf(p.Score)
		}
		if f.CharLocation {
			cl := []model.CharListItem{}
			for _, c := range p.Chars {
				ch := c.Char
				cl = append(cl, model.CharListItem{Char: &ch, CharConfidence: conf(c.Score), CharLocation: pg.rot.points(c.Box)})
			}
			it.CharList = &cl
		}
		out = append(out, it)
	}
	return &out
}

// GeneralTable is the general-table result for page.
func (p Page) GeneralTable(f Flags) (model.GeneralTableResult, error) {
	out := model.GeneralTableResult{WordsRegionList: []model.WordsRegionList{}}
	for _, r := range p.regions() {
		var reg model.WordsRegionList
		if r.table != nil {
			reg.Type = "table"
			for _, c := range r.table.Cells {
				w := c.Text()
				b := model.GeneralTableWordsBlockList{Words: &w, Rows: span(c.Row, c.RowSpan), Columns: span(c.Col, c.ColSpan)}
				if f.Confidence {
					b.Confidence = conf(c.Score())
				}
				if f.TextLocation {
					b.CellLocation = p.rot.quad(c.Box)
					b.Location = p.rot.quad(textBox(c))
					b.WordsList = p.wordsList(c.Parts, f)
				}
				reg.WordsBlockList = append(reg.WordsBlockList, b)
			}
		} else {
			reg.Type = "text"
			for _, tp := range r.text {
				w := tp.Text
				b := model.GeneralTableWordsBlockList{Words: &w}
				if f.Confidence {
					b.Confidence = conf(tp.Score)
				}
				if f.TextLocation {
					b.Location = p.rot.quad(tp.Box)
					b.WordsList = p.wordsList([]Part{tp}, f)
				}
				reg.WordsBlockList = append(reg.WordsBlockList, b)
			}
		}
		if reg.WordsBlockList == nil {
			reg.WordsBlockList = []model.GeneralTableWordsBlockList{}
		}
		reg.WordsBlockCount = int32(len(reg.WordsBlockList))
		out.WordsRegionList = append(out.WordsRegionList, reg)
	}
	out.WordsRegionCount = int32(len(out.WordsRegionList))
	if f.Excel {
		x, err := p.Excel()
		if err != nil {
			return out, err
		}
		out.Excel = &x
	}
	return out, nil
}

// textBox is where a cell's text is: its parts' union, or the cell when
// it is empty.
func textBox(c Cell) Rect {
	var r Rect
	for _, p := range c.Parts {
		r = union(r, p.Box)
	}
	if r.Dx() <= 0 {
		return c.Box
	}
	return r
}

// FinancialStatement is the financial-statement result for page: the
// general-table reading in that API's shape.
func (p Page) FinancialStatement(f Flags, w, h int, imageSize, matrix bool) (model.FinancialStatementResult, error) {
	out := model.FinancialStatementResult{WordsRegionList: []model.FinancialStatementWordsRegionList{}}
	for _, r := range p.regions() {
		var reg model.FinancialStatementWordsRegionList
		var blocks []model.FinancialStatementWordsBlockList
		if r.table != nil {
			typ := "table"
			reg.Type = &typ
			if f.TableLocation {
				reg.TableLocation = p.rot.quad(r.table.Box)
			}
			for _, c := range r.table.Cells {
				words := c.Text()
				b := model.FinancialStatementWordsBlockList{Words: &words, Rows: span(c.Row, c.RowSpan), Columns: span(c.Col, c.ColSpan)}
				if f.Confidence {
					b.Confidence = conf(c.Score())
				}
				if f.TextLocation {
					b.Location = p.rot.quad(textBox(c))
					b.CellLocation = p.rot.quad(c.Box)
				}
				blocks = append(blocks, b)
			}
		} else {
			typ := "text"
			reg.Type = &typ
			for _, tp := range r.text {
				words := tp.Text
				b := model.FinancialStatementWordsBlockList{Words: &words}
				if f.Confidence {
					b.Confidence = conf(tp.Score)
				}
				if f.TextLocation {
					b.Location = p.rot.quad(tp.Box)
				}
				blocks = append(blocks, b)
			}
		}
		if blocks == nil {
			blocks = []model.FinancialStatementWordsBlockList{}
		}
		n := float32(len(blocks))
		reg.WordsBlockCount, reg.WordsBlockList = &n, &blocks
		out.WordsRegionList = append(out.WordsRegionList, reg)
	}
	out.WordsRegionCount = int32(len(out.WordsRegionList))
	if imageSize {
		hh, ww := int32(h), int32(w)
		out.ImageSize = &model.FinancialStatementResultImageSize{Height: &hh, Width: &ww}
	}
	if matrix {
		// The page is read as given, not rectified: the transform from
		// the input to the image the coordinates refer to is the identity.
		m := [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
		out.RectificationMatrix = &m
	}
	if f.Excel {
		x, err := p.Excel()
		if err != nil {
			return out, err
		}
		out.Excel = &x
	}
	return out, nil
}

// Excel writes the page as one worksheet, base64: regions top to bottom
// with an empty row between them, text lines one a row in column A,
// tables cell for cell with their merged cells merged.
func (p Page) Excel() (string, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	row := 1
	for _, r := range p.regions() {
		if r.table == nil {
			for _, tp := range r.text {
				if err := f.SetCellStr(sheet, cellName(0, row), tp.Text); err != nil {
					return "", err
				}
				row++
			}
		} else {
			for _, c := range r.table.Cells {
				a := cellName(c.Col, row+c.Row)
				if err := f.SetCellStr(sheet, a, c.Text()); err != nil {
					return "", err
				}
				if c.RowSpan > 1 || c.ColSpan > 1 {
					if err := f.MergeCell(sheet, a, cellName(c.Col+c.ColSpan-1, row+c.Row+c.RowSpan-1)); err != nil {
						return "", err
					}
				}
			}
			row += r.table.Rows
		}
		row++
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return "", fmt.Errorf("xlsx: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col+1, row)
	return n
}
