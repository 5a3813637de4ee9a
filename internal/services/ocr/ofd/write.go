package ofd

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// Run is one line of text to write: its left end on the baseline (X, Y)
// in mm, the font size in mm and each character's advance.
type Run struct {
	S        string
	X, Y     float64
	Size     float64
	Advances []float64
}

// WritePage is a page to write: the template's runs (printed labels, as
// electronic invoices keep them) and the page's own.
type WritePage struct {
	W, H     float64
	Template []Run
	Content  []Run
}

const ns = "http://www.ofdspec.org/2016"

// Write builds an OFD document of the pages (the specimen generator's
// electronic invoices and tickets).
func Write(pages []WritePage) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) error {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = w.Write([]byte(xml.Header + body))
		return err
	}
	if err := put("OFD.xml", `<ofd:OFD xmlns:ofd="`+ns+`" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>aisd-specimen</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`); err != nil {
		return nil, err
	}
	var doc strings.Builder
	fmt.Fprintf(&doc, `<ofd:Document xmlns:ofd="%s"><ofd:CommonData><ofd:MaxUnitID>1</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 %s %s</ofd:PhysicalBox></ofd:PageArea>`, ns, num(pages[0].W), num(pages[0].H))
	for i, p := range pages {
		if len(p.Template) > 0 {
			fmt.Fprintf(&doc, `<ofd:TemplatePage ID="t%d" BaseLoc="Tpls/Tpl_%d/Content.xml"/>`, i, i)
		}
	}
	doc.WriteString(`</ofd:CommonData><ofd:Pages>`)
	for i := range pages {
		fmt.Fprintf(&doc, `<ofd:Page ID="p%d" BaseLoc="Pages/Page_%d/Content.xml"/>`, i, i)
	}
	doc.WriteString(`</ofd:Pages></ofd:Document>`)
	if err := put("Doc_0/Document.xml", doc.String()); err != nil {
		return nil, err
	}
	for i, p := range pages {
		tpl := ""
		if len(p.Template) > 0 {
			tpl = fmt.Sprintf(`<ofd:Template TemplateID="t%d"/>`, i)
			if err := put(fmt.Sprintf("Doc_0/Tpls/Tpl_%d/Content.xml", i), page("", p.Template)); err != nil {
				return nil, err
			}
		}
		area := fmt.Sprintf(`<ofd:Area><ofd:PhysicalBox>0 0 %s %s</ofd:PhysicalBox></ofd:Area>`, num(p.W), num(p.H))
		if err := put(fmt.Sprintf("Doc_0/Pages/Page_%d/Content.xml", i), page(area+tpl, p.Content)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func page(head string, runs []Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<ofd:Page xmlns:ofd="%s">%s<ofd:Content><ofd:Layer ID="1">`, ns, head)
	for i, r := range runs {
		w := 0.0
		var dx []string
		for j, a := range r.Advances {
			w += a
			if j < len(r.Advances)-1 {
				dx = append(dx, num(a))
			}
		}
		// The boundary's top is an em above the baseline.
		fmt.Fprintf(&b, `<ofd:TextObject ID="%d" Boundary="%s %s %s %s" Font="1" Size="%s"><ofd:TextCode X="0" Y="%s" DeltaX="%s">`,
			i+2, num(r.X), num(r.Y-r.Size), num(w), num(r.Size*1.2), num(r.Size), num(r.Size), strings.Join(dx, " "))
		_ = xml.EscapeText(&b, []byte(r.S))
		b.WriteString(`</ofd:TextCode></ofd:TextObject>`)
	}
	b.WriteString(`</ofd:Layer></ofd:Content></ofd:Page>`)
	return b.String()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }
