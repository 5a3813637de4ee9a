package specimen

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
)

// DocumentPage is a generated office page for smart-document-recognizer:
// a running header, a title, key: value lines, a paragraph, a bordered
// table, a footer and a page number, with what each is.
type DocumentPage struct {
	Layout                            Layout
	Header, Title, Footer, PageNumber string
	KV                                [][2]string
	Table                             [][]string // rows of cells
}

// Document renders document page n.
func Document(n int) DocumentPage {
	g := gen{r: rand.New(rand.NewPCG(uint64(n)+1, 4242))}
	company := g.company()
	d := DocumentPage{
		Header:     company + " 内部资料",
		Title:      g.pick([]string{"季度采购汇总报告", "项目进度说明", "设备盘点清单"}),
		Footer:     "本文件仅供内部使用",
		PageNumber: fmt.Sprintf("第%d页", 1+g.r.IntN(9)),
	}
	name, _, _ := g.person()
	date := g.date(2020, 2025)
	d.KV = [][2]string{{"编号", "BG" + g.digits(8)}, {"部门", g.pick([]string{"采购部", "财务部", "工程部"})}, {"负责人", name}, {"日期", date.Format("2006-01-02")}}
	d.Table = [][]string{{"序号", "名称", "数量", "金额"}}
	rows := 3 + g.r.IntN(3)
	for i := 0; i < rows; i++ {
		item := g.pick([]string{"打印纸", "显示器", "笔记本电脑", "会议服务", "办公椅", "投影仪"})
		d.Table = append(d.Table, []string{fmt.Sprint(i + 1), item, fmt.Sprint(1 + g.r.IntN(50)), fmt.Sprintf("%d.00", 100+g.r.IntN(9000))})
	}
	l := Layout{W: 1240, H: 1754, BG: color.RGBA{255, 255, 255, 255}}
	t := func(s string, x, y, size float64, f Face) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: size, Face: f, Color: black})
	}
	t(d.Header, 80, 70, 20, Sans)
	l.Boxes = append(l.Boxes, Box{R: image.Rect(80, 85, 1160, 87), Color: grey})
	t(d.Title, 420, 220, 48, Bold)
	for i, kv := range d.KV {
		t(kv[0]+"："+kv[1], 120+float64(i%2)*520, 330+float64(i/2)*50, 26, Sans)
	}
	para := []string{"本报告汇总了本期的主要事项与数据，供相关部门审阅。", "如有疑问，请与负责人联系，并在三个工作日内反馈意见。"}
	for i, p := range para {
		t(p, 120, 480+float64(i)*44, 26, Sans)
	}
	// The bordered table.
	x0, y0, rh := 120, 600, 64
	colX := []int{120, 260, 720, 880, 1120}
	ny := len(d.Table)
	for r := 0; r <= ny; r++ {
		l.Boxes = append(l.Boxes, Box{R: image.Rect(x0, y0+r*rh, colX[len(colX)-1]+2, y0+r*rh+2), Color: black})
	}
	for _, x := range colX {
		l.Boxes = append(l.Boxes, Box{R: image.Rect(x, y0, x+2, y0+ny*rh+2), Color: black})
	}
	for r, row := range d.Table {
		for c, cell := range row {
			t(cell, float64(colX[c]+16), float64(y0+r*rh+44), 26, Sans)
		}
	}
	t(d.Footer, 480, 1660, 20, Sans)
	t(d.PageNumber, 1080, 1700, 20, Sans)
	d.Layout = l
	return d
}
