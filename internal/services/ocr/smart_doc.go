package ocr

// smart-document-recognizer: the page's text lines (ocr_result), its
// printed key: value pairs (kv), its tables (table, by the table
// analyser of general-table) and its layout blocks from geometry and
// type size (layout). Formula, wired-form and image-layout analysis and
// seal erasure need models aisd does not have: they are refused.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/services/ocr/kie"
	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/table"
)

func (s *Service) smartDocument(ctx context.Context, c *api.Call) (any, error) {
	var b model.SmartDocumentRecognizerRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	for flag, on := range map[string]*bool{"formula": b.Formula, "form": b.Form, "image_layout": b.ImageLayout, "erase_seal": b.EraseSeal} {
		if api.Deref(on) {
			return nil, errNoCheck(flag)
		}
	}
	if !languages[api.Deref(b.Language)] {
		return nil, catalog.E(catalog.KindLanguage).Wrap(errors.New("language " + api.Deref(b.Language)))
	}
	var kvMap map[string]string
	if m := api.Deref(b.KvMap); m != "" {
		if err := json.Unmarshal([]byte(m), &kvMap); err != nil {
			return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("kv_map: %v", err))
		}
	}
	page, err := pageNum(b.PdfPageNumber, "pdf_page_number")
	if err != nil {
		return nil, err
	}
	in, err := s.load(ctx, c, b.Data, b.Url, page)
	if err != nil {
		return nil, err
	}
	single := b.SingleOrientationMode == nil || *b.SingleOrientationMode
	res, err := s.run(ctx, in.Image, pipeline.RunOptions{CharBoxes: true, SingleOrientation: single, DetectDirection: true})
	if err != nil {
		return nil, err
	}
	out := model.SmartDocumentRecognizerResult{}
	words := []model.SmartDocumentRecognizerWordsBlockList{}
	for _, l := range res.Lines {
		loc := location(l.Box)
		w := model.SmartDocumentRecognizerWordsBlockList{Words: strp(l.Text), Location: &loc, Confidence: f32(conf(l.Score))}
		if api.Deref(b.CharacterMode) {
			cl := []model.SmartDocumentRecognizerCharList{}
			for _, ch := range l.Chars {
				cloc := location(ch.Box)
				cl = append(cl, model.SmartDocumentRecognizerCharList{Char: strp(ch.Char), CharLocation: &cloc, CharConfidence: f32(conf(ch.Score))})
			}
			w.CharList = &cl
		}
		words = append(words, w)
	}
	dir := float32(res.Direction)
	out.OcrResult = &model.SmartDocumentRecognizerOcrResult{Direction: &dir, WordsBlockCount: i32(len(words)), WordsBlockList: &words}
	kp := kie.TextPage(res.Lines, in.Width, in.Height)
	if api.Deref(b.Kv) {
		blocks := []model.SmartDocumentRecognizerKvBlock{}
		for _, kv := range kvLines(kp) {
			key := kv.key
			if m, ok := kvMap[key]; ok {
				key = m
			}
			wb := []model.SmartDocumentRecognizerKvWordsBlock{}
			for _, l := range kv.lines {
				loc := location(l.Box)
				wb = append(wb, model.SmartDocumentRecognizerKvWordsBlock{Words: strp(l.Text), Location: &loc})
			}
			blocks = append(blocks, model.SmartDocumentRecognizerKvBlock{Key: strp(key), Value: strp(kv.value), WordsBlockCount: i32(len(wb)), WordsBlockList: &wb})
		}
		out.KvResult = &model.SmartDocumentRecognizerKvResult{KvBlockCount: i32(len(blocks)), KvBlockList: &blocks}
	}
	var tp table.Page
	if api.Deref(b.Table) || api.Deref(b.Layout) {
		tp = table.Analyse(in.Image, res.Lines, table.Options{})
	}
	if api.Deref(b.Table) {
		list := []model.SmartDocumentRecognizerTableBlock{}
		for i, t := range tp.Tables {
			loc := tp.Quad(t.Box)
			cells := []model.SmartDocumentRecognizerTableWordsBlock{}
			for _, c := range t.Cells {
				rows, cols := spanOf(c.Row, c.RowSpan), spanOf(c.Col, c.ColSpan)
				cells = append(cells, model.SmartDocumentRecognizerTableWordsBlock{Words: strp(c.Text()), Rows: &rows, Columns: &cols})
			}
			tb := model.SmartDocumentRecognizerTableBlock{Location: &loc, WordsBlockCount: i32(len(cells)), WordsBlockList: &cells}
			if api.Deref(b.ReturnExcel) {
				x, err := tp.TableExcel(i)
				if err != nil {
					return nil, catalog.E(catalog.KindInternal).Wrap(err)
				}
				tb.Excel = &x
			}
			list = append(list, tb)
		}
		out.TableResult = &model.SmartDocumentRecognizerTableResult{TableCount: i32(len(list)), TableList: &list}
	}
	if api.Deref(b.Layout) {
		blocks := layoutBlocks(kp, tp, in.Width, in.Height, api.Deref(b.Table))
		out.LayoutResult = &model.SmartDocumentRecognizerLayoutResult{LayoutBlockCount: i32(len(blocks)), LayoutBlockList: &blocks}
	}
	// The SDK's result is a list (one element: the page read).
	return resultEnvelope{Result: []model.SmartDocumentRecognizerResult{out}}, nil
}

func strp(s string) *string  { return &s }
func f32(f float32) *float32 { return &f }
func i32(n int) *int32       { v := int32(n); return &v }
func spanOf(from, n int) []int32 {
	out := make([]int32, max(n, 1))
	for i := range out {
		out[i] = int32(from + i)
	}
	return out
}

// kvLine is a key: value pair and the lines it was read from.
type kvLine struct {
	key, value string
	lines      []*kie.Line
}

// kvLines reads the printed key: value pairs of a page: a key ends at
// its colon; on a line holding several pairs a value ends where the next
// key starts (splitNext); a key alone at the end of its line takes the
// next line on its row as its value, and so does a key followed by a
// character or two touching that line (the detector split the value, or
// read its start twice where the boxes overlap).
func kvLines(p *kie.Page) []kvLine {
	var out []kvLine
	rows := p.Lines
	used := map[*kie.Line]bool{}
	for _, l := range rows {
		if used[l] {
			continue
		}
		seg := kvSep.Split(strings.TrimSpace(validate.HalfWidth(l.Text)), -1)
		if len(seg) < 2 {
			continue
		}
		key := seg[0]
		for i := 1; i < len(seg); i++ {
			val, next := seg[i], ""
			if i < len(seg)-1 {
				val, next = splitNext(val)
			}
			lines := []*kie.Line{l}
			if v := strings.TrimSpace(val); i == len(seg)-1 && len([]rune(v)) <= 2 {
				if o := rightOf(rows, l, used); o != nil && (v == "" || o.X0 < l.X1+0.5*l.H()) {
					// The value is the next line on the row; a character or
					// two after the colon touching it are its start read
					// twice where the boxes overlap, or its own start.
					ot := validate.HalfWidth(o.Text)
					if !strings.HasPrefix(ot, v) {
						ot = v + ot
					}
					val = ot
					used[o] = true
					lines = append(lines, o)
				}
			}
			k := strings.TrimSpace(key)
			if k != "" && len([]rune(k)) <= 16 {
				out = append(out, kvLine{key: k, value: strings.TrimSpace(val), lines: lines})
			}
			key = next
		}
	}
	return out
}

var pageNoRe = regexp.MustCompile(`^(?:第\s*\d{1,4}\s*页(?:\s*[/共]\s*\d{1,4}\s*页?)?|-?\s*\d{1,4}\s*-?|\d{1,4}\s*/\s*\d{1,4}|Page\s*\d{1,4})$`)

// layoutBlocks groups the page's lines into blocks and names each by its
// place and type size: tables (from the table analyser), the running
// header and footer (small lines in the page's top and bottom 10 %), page
// numbers, titles (lines at least 1.4 times the median height) and text.
func layoutBlocks(p *kie.Page, tp table.Page, w, h int, withTables bool) []model.SmartDocumentRecognizerLayoutBlock {
	var out []model.SmartDocumentRecognizerLayoutBlock
	inTable := map[*kie.Line]int{}
	for i, t := range tp.Tables {
		for _, l := range p.Lines {
			cx, cy := (l.X0+l.X1)/2, l.CY()
			if cx >= float64(t.Box.X0) && cx < float64(t.Box.X1) && cy >= float64(t.Box.Y0) && cy < float64(t.Box.Y1) {
				inTable[l] = i
			}
		}
		loc := tp.Quad(t.Box)
		blk := model.SmartDocumentRecognizerLayoutBlock{Location: &loc, Type: strp("table")}
		if withTables {
			blk.TableId = i32(i)
		}
		out = append(out, blk)
	}
	// The body's line height: table cells (taller boxes) left out.
	var hs []float64
	for _, l := range p.Lines {
		if _, ok := inTable[l]; !ok {
			hs = append(hs, l.H())
		}
	}
	sort.Float64s(hs)
	med := 0.0
	if len(hs) > 0 {
		med = hs[len(hs)/2]
	}
	type block struct {
		lines []*kie.Line
		typ   string
	}
	var blocks []*block
	kind := func(l *kie.Line) string {
		t := strings.TrimSpace(l.Text)
		switch {
		case l.CY() > 0.9*float64(h) && pageNoRe.MatchString(t):
			return "page_number"
		case l.Y1 < 0.1*float64(h) && l.H() <= 1.2*med:
			return "header"
		case l.Y0 > 0.9*float64(h) && l.H() <= 1.2*med:
			return "footer"
		case l.H() >= 1.4*med:
			return "title"
		}
		return "text"
	}
	for _, l := range p.Lines {
		if _, ok := inTable[l]; ok {
			continue
		}
		k := kind(l)
		if n := len(blocks); n > 0 {
			b := blocks[n-1]
			last := b.lines[len(b.lines)-1]
			gap := l.Y0 - last.Y1
			if b.typ == k && k != "page_number" && gap < 0.8*math.Max(l.H(), last.H()) && gap > -0.5*l.H() && l.X0 < last.X1 && l.X1 > last.X0 {
				b.lines = append(b.lines, l)
				continue
			}
		}
		blocks = append(blocks, &block{lines: []*kie.Line{l}, typ: k})
	}
	for _, b := range blocks {
		var pts [4]pipeline.Point
		var texts []string
		ids := []int32{}
		for i, l := range b.lines {
			if i == 0 {
				pts = l.Box
			}
			pts = boxUnion(pts, l.Box)
			texts = append(texts, l.Text)
			ids = append(ids, int32(l.Index()))
		}
		loc := location(pts)
		text := strings.Join(texts, "\n")
		out = append(out, model.SmartDocumentRecognizerLayoutBlock{Location: &loc, Type: strp(b.typ), Text: &text, WordsIds: &ids})
	}
	return out
}

func boxUnion(a, b [4]pipeline.Point) [4]pipeline.Point {
	x0, y0, x1, y1 := a[0][0], a[0][1], a[0][0], a[0][1]
	for _, p := range append(a[:], b[:]...) {
		x0, y0 = min(x0, p[0]), min(y0, p[1])
		x1, y1 = max(x1, p[0]), max(y1, p[1])
	}
	return [4]pipeline.Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}
