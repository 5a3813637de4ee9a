package table

// Quad is a box of the page's (deskewed) frame as the four corners it
// has in the input image.
func (p Page) Quad(b Rect) [][]int32 { return *p.rot.quad(b) }

// TableExcel writes one table of the page as its own workbook, base64.
func (p Page) TableExcel(i int) (string, error) {
	return Page{Tables: []Table{p.Tables[i]}, rot: p.rot}.Excel()
}
