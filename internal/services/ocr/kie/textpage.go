package kie

import (
	"image"
	"image/color"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// TextPage is a page whose text is known without recognition (the text
// layer of an OFD file): its lines, upright, in a w×h frame. Its image is
// blank: nothing on it is pixel evidence.
func TextPage(lines []pipeline.Line, w, h int) *Page {
	p := &Page{Img: blank{image.Rect(0, 0, w, h)}}
	p.layout(lines, 0)
	return p
}

// blank is a white image of a size, with no pixels behind it.
type blank struct{ r image.Rectangle }

func (b blank) ColorModel() color.Model { return color.GrayModel }
func (b blank) Bounds() image.Rectangle { return b.r }
func (b blank) At(x, y int) color.Color { return color.Gray{Y: 255} }

// Index is the line's place in the list the page was made from.
func (l *Line) Index() int { return l.idx }
