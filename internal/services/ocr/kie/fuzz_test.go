package kie

import (
	"image"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// FuzzParseSpec: a spec is YAML (custom templates are specs users write);
// any bytes are refused or compiled without a panic.
func FuzzParseSpec(f *testing.F) {
	for _, n := range BuiltinNames() {
		data, _ := specFS.ReadFile("specs/" + n + ".yaml")
		f.Add(data)
	}
	f.Add([]byte("name: x\nfields: [{name: a, pattern: '('}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseSpec(data)
	})
}

// FuzzExtract: recognised text is untrusted; every built-in spec reads
// any lines (and their character boxes) without a panic, and a value is
// always text of the page.
func FuzzExtract(f *testing.F) {
	f.Add("姓 名 张三\n性别男民族汉\n公民身份号码 11010519491231002X", "")
	f.Add("P<CHNZHU<<WEI<<<<\nE724553000CHN6008086M3201107<<<<<<<<<", "x")
	f.Add("有效期限 2015.01.02-2035.01.02\n签发机关 青山市公安局", "")
	f.Fuzz(func(t *testing.T, text, extra string) {
		var lines []pipeline.Line
		for i, s := range strings.Split(text+extra, "\n") {
			l := pipeline.Line{Text: s, Score: 0.9, Box: [4]pipeline.Point{{10, 40 * i}, {300, 40 * i}, {300, 40*i + 30}, {10, 40*i + 30}}}
			x := 10
			for _, r := range s {
				l.Chars = append(l.Chars, pipeline.Char{Char: string(r), Score: 0.9, Box: [4]pipeline.Point{{x, 40 * i}, {x + 20, 40 * i}, {x + 20, 40*i + 30}, {x, 40*i + 30}}})
				x += 20
			}
			lines = append(lines, l)
		}
		p := &Page{Img: image.NewRGBA(image.Rect(0, 0, 400, 40*len(lines)+40))}
		p.layout(lines, readingAngle(lines))
		for _, n := range BuiltinNames() {
			sp, _ := Builtin(n)
			r := Extract(p, sp)
			for k, v := range r.Fields {
				if v == nil {
					t.Fatalf("%s: nil field %s", n, k)
				}
			}
		}
		_ = Rows(p)
		_ = Evidence(p)
	})
}
