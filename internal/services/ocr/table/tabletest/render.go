// Package tabletest draws the tables the table tests and benchmarks read:
// bordered tables with merged cells and borderless ones, with known cell
// text, in Noto Sans CJK (templatetest.Font), and random ones from a seed.
package tabletest

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

// Cell is one cell of a drawn table.
type Cell struct {
	Row, Col, RowSpan, ColSpan int
	Text                       string
}

// Spec is a table on a page.
type Spec struct {
	Title    string // drawn above the table, outside it
	Footer   string // drawn below it
	ColW     []int  // column widths
	RowH     int
	Rows     int
	Cells    []Cell
	Borders  bool
	TextSize float64
	X, Y     int // the table's top-left corner on the page
	W, H     int // the page
}

// Ink and paper colours.
var (
	Paper = color.RGBA{252, 252, 248, 255}
	Ink   = color.RGBA{25, 25, 35, 255}
)

// Render draws s.
func (s Spec) Render() (*image.RGBA, error) {
	f, err := templatetest.Font()
	if err != nil {
		return nil, err
	}
	size := s.TextSize
	if size == 0 {
		size = 26
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	img := image.NewRGBA(image.Rect(0, 0, s.W, s.H))
	draw.Draw(img, img.Bounds(), image.NewUniform(Paper), image.Point{}, draw.Src)
	text := func(str string, x, baseline int) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(Ink), Face: face, Dot: fixed.P(x, baseline)}
		d.DrawString(str)
	}
	colX := []int{s.X}
	for _, w := range s.ColW {
		colX = append(colX, colX[len(colX)-1]+w)
	}
	rowY := func(r int) int { return s.Y + r*s.RowH }
	if s.Title != "" {
		text(s.Title, s.X, s.Y-int(size))
	}
	if s.Footer != "" {
		text(s.Footer, s.X, rowY(s.Rows)+int(2*size))
	}
	fill := func(x0, y0, x1, y1 int) {
		draw.Draw(img, image.Rect(x0, y0, x1, y1), image.NewUniform(Ink), image.Point{}, draw.Src)
	}
	for _, c := range s.Cells {
		x0, x1 := colX[c.Col], colX[c.Col+c.ColSpan]
		y0, y1 := rowY(c.Row), rowY(c.Row+c.RowSpan)
		if s.Borders {
			// Each cell draws its own frame, so a merged cell has no
			// inner lines.
			fill(x0, y0, x1+2, y0+2)
			fill(x0, y1, x1+2, y1+2)
			fill(x0, y0, x0+2, y1+2)
			fill(x1, y0, x1+2, y1+2)
		}
		text(c.Text, x0+14, (y0+y1)/2+int(size*0.36))
	}
	return img, nil
}

// Words the random tables draw from: names, departments, dates, amounts
// and codes, Chinese and Latin.
var (
	heads = []string{"项目", "名称", "数量", "单价", "金额", "日期", "部门", "备注", "编号", "负责人"}
	words = []string{"办公用品", "打印纸", "笔记本电脑", "显示器", "会议室租赁", "差旅费", "培训费", "软件授权",
		"服务器", "网络设备", "财务部", "市场部", "研发中心", "人力资源", "张伟", "王芳", "李强", "刘洋", "陈静",
		"合计", "小计", "已付款", "待审批", "Office", "Cloud API", "Model X2", "Type-C"}
)

func randomWord(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("%d.%02d", r.IntN(90000)+10, r.IntN(100))
	case 1:
		return fmt.Sprintf("2026-%02d-%02d", r.IntN(12)+1, r.IntN(28)+1)
	default:
		return words[r.IntN(len(words))]
	}
}

// Random is a bordered table from seed: 4-7 rows, 3-5 columns, a header
// row, and one to three merged cells (row or column spans).
func Random(seed uint64) Spec {
	r := rand.New(rand.NewPCG(seed, 0x7ab1e))
	rows, cols := 4+r.IntN(4), 3+r.IntN(3)
	s := Spec{Rows: rows, RowH: 64 + r.IntN(16), Borders: true, X: 60 + r.IntN(40), Y: 140 + r.IntN(40),
		Title: "费用明细表", Footer: "制表人：" + words[14+r.IntN(5)]}
	for c := 0; c < cols; c++ {
		s.ColW = append(s.ColW, 190+r.IntN(60))
	}
	taken := make([][]bool, rows)
	for i := range taken {
		taken[i] = make([]bool, cols)
	}
	// Merges first, in the body (not the header row), never overlapping.
	for k := 0; k < 1+r.IntN(3); k++ {
		row, col := 1+r.IntN(rows-1), r.IntN(cols)
		rs, cs := 1, 1
		if r.IntN(2) == 0 && row+1 < rows {
			rs = 2
		} else if col+1 < cols {
			cs = 2
		}
		free := true
		for y := row; y < row+rs; y++ {
			for x := col; x < col+cs; x++ {
				free = free && !taken[y][x]
			}
		}
		if !free || rs*cs == 1 {
			continue
		}
		for y := row; y < row+rs; y++ {
			for x := col; x < col+cs; x++ {
				taken[y][x] = true
			}
		}
		s.Cells = append(s.Cells, Cell{Row: row, Col: col, RowSpan: rs, ColSpan: cs, Text: randomWord(r)})
	}
	perm := r.Perm(len(heads))
	for y := 0; y < rows; y++ {
		for x := 0; x < cols; x++ {
			if taken[y][x] {
				continue
			}
			t := randomWord(r)
			if y == 0 {
				t = heads[perm[x]]
			}
			s.Cells = append(s.Cells, Cell{Row: y, Col: x, RowSpan: 1, ColSpan: 1, Text: t})
		}
	}
	w := s.X + 60
	for _, cw := range s.ColW {
		w += cw
	}
	s.W, s.H = w, s.Y+rows*s.RowH+120
	return s
}

// RandomBorderless is a table from seed without ruling or merged cells:
// every cell filled, columns apart by their widths' slack only.
func RandomBorderless(seed uint64) Spec {
	r := rand.New(rand.NewPCG(seed, 0xb0a7d))
	rows, cols := 4+r.IntN(4), 3+r.IntN(3)
	s := Spec{Rows: rows, RowH: 52 + r.IntN(16), X: 60 + r.IntN(40), Y: 140 + r.IntN(40), Title: "人员名单"}
	for c := 0; c < cols; c++ {
		s.ColW = append(s.ColW, 200+r.IntN(50))
	}
	perm := r.Perm(len(heads))
	for y := 0; y < rows; y++ {
		for x := 0; x < cols; x++ {
			t := randomWord(r)
			if y == 0 {
				t = heads[perm[x]]
			}
			s.Cells = append(s.Cells, Cell{Row: y, Col: x, RowSpan: 1, ColSpan: 1, Text: t})
		}
	}
	w := s.X + 60
	for _, cw := range s.ColW {
		w += cw
	}
	s.W, s.H = w, s.Y+rows*s.RowH+80
	return s
}

// Invoice is the fixed bordered table of the end-to-end tests: a header,
// a cell spanning two columns, one spanning two rows, an empty cell.
var Invoice = Spec{
	Title: "采购清单", Footer: "审核人：王芳",
	ColW: []int{200, 240, 160, 200}, RowH: 70, Rows: 5, Borders: true, X: 80, Y: 150, W: 960, H: 620,
	Cells: []Cell{
		{0, 0, 1, 1, "编号"}, {0, 1, 1, 1, "名称"}, {0, 2, 1, 1, "数量"}, {0, 3, 1, 1, "金额"},
		{1, 0, 2, 1, "A-01"}, {1, 1, 1, 1, "打印纸"}, {1, 2, 1, 1, "20"}, {1, 3, 1, 1, "360.00"},
		{2, 1, 1, 1, "显示器"}, {2, 2, 1, 1, "2"}, {2, 3, 1, 1, "1899.50"},
		{3, 0, 1, 1, "B-07"}, {3, 1, 1, 2, "会议室租赁"}, {3, 3, 1, 1, "800.00"},
		{4, 0, 1, 1, "合计"}, {4, 1, 1, 1, ""}, {4, 2, 1, 1, "22"}, {4, 3, 1, 1, "3059.50"},
	},
}

// Schedule is the borderless table of the end-to-end tests.
var Schedule = Spec{
	Title: "值班安排",
	ColW:  []int{220, 220, 260}, RowH: 60, Rows: 4, X: 80, Y: 150, W: 860, H: 520,
	Cells: []Cell{
		{0, 0, 1, 1, "日期"}, {0, 1, 1, 1, "姓名"}, {0, 2, 1, 1, "电话"},
		{1, 0, 1, 1, "2026-12-01"}, {1, 1, 1, 1, "张伟"}, {1, 2, 1, 1, "13800001111"},
		{2, 0, 1, 1, "2026-12-02"}, {2, 1, 1, 1, "李强"}, {2, 2, 1, 1, "13900002222"},
		{3, 0, 1, 1, "2026-12-03"}, {3, 1, 1, 1, "陈静"}, {3, 2, 1, 1, "13700003333"},
	},
}
