package kie

import (
	"image"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// page lays out lines given as (text, x, y) with 30 px high boxes and 20
// px per character, the way the pipeline reports them.
func page(items ...any) *Page {
	var lines []pipeline.Line
	for i := 0; i+2 < len(items); i += 3 {
		s, x, y := items[i].(string), items[i+1].(int), items[i+2].(int)
		rs := []rune(s)
		w := 20 * len(rs)
		l := pipeline.Line{Text: s, Score: 0.95, Box: [4]pipeline.Point{{x, y}, {x + w, y}, {x + w, y + 30}, {x, y + 30}}}
		for k, r := range rs {
			cx := x + 20*k
			l.Chars = append(l.Chars, pipeline.Char{Char: string(r), Score: 0.9, Box: [4]pipeline.Point{{cx, y}, {cx + 20, y}, {cx + 20, y + 30}, {cx, y + 30}}})
		}
		lines = append(lines, l)
	}
	p := &Page{Img: image.NewRGBA(image.Rect(0, 0, 1000, 800))}
	p.layout(lines, readingAngle(lines))
	return p
}

func TestExtractGeometry(t *testing.T) {
	front, _ := Builtin("id_card_front")
	for _, tc := range []struct {
		name string
		p    *Page
		want map[string]string
	}{
		{"labels and values on separate lines, two pairs on a row",
			page("姓名", 40, 40, "张三", 160, 40, "性别", 40, 100, "男", 160, 100, "民族", 260, 100, "汉", 360, 100,
				"出生", 40, 160, "1990年1月2日", 160, 160, "住址", 40, 220, "北京市东城区", 160, 220, "和平路1号", 160, 258,
				"公民身份号码", 40, 400, "11010519491231002X", 300, 400),
			map[string]string{"name": "张三", "sex": "男", "ethnicity": "汉", "birth": "1990-01-02", "address": "北京市东城区和平路1号", "number": "11010519491231002X"}},
		{"label and value in one detected line",
			page("姓名张三", 40, 40, "性别男民族汉", 40, 100, "公民身份号码11010519491231002X", 40, 400),
			map[string]string{"name": "张三", "sex": "男", "ethnicity": "汉", "number": "11010519491231002X"}},
		{"an address does not swallow the next label's value",
			page("住址", 40, 220, "北京市东城区和平路1号", 160, 220, "公民身份号码", 40, 262, "11010519491231002X", 300, 262),
			map[string]string{"address": "北京市东城区和平路1号", "number": "11010519491231002X"}},
	} {
		r := Extract(tc.p, front)
		for k, v := range tc.want {
			if f := r.Fields[k]; f == nil || f.Value != v {
				t.Errorf("%s: %s = %+v, want %q", tc.name, k, f, v)
			}
		}
		if f := r.Fields["number"]; f != nil && (f.Valid == nil || !*f.Valid) {
			t.Errorf("%s: GB 11643 specimen number not validated", tc.name)
		}
	}
	// A value is never taken from beyond another label.
	vl, _ := Builtin("vehicle_license")
	r := Extract(page("使用性质", 40, 40, "品牌型号", 400, 40, "丰田牌TV7250", 560, 40), vl)
	if f := r.Fields["use_character"]; f != nil {
		t.Errorf("use_character = %q, read across a label", f.Value)
	}
	if f := r.Fields["model"]; f == nil || f.Value != "丰田牌TV7250" {
		t.Errorf("model = %+v", f)
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, y := range []string{
		"fields: []",
		"name: x\nfields: [{name: a, pattern: '('}]",
		"name: x\nfields: [{name: a, normalize: [nope]}]",
		"name: x\nfields: [{name: a, validate: nope}]",
		"name: x\nfields: [{name: a, where: [left]}]",
		"name: x\ndecoders: [nope]",
	} {
		if _, err := ParseSpec([]byte(y)); err == nil {
			t.Errorf("accepted %q", y)
		}
	}
}

// TestHouseholdRegisterReadings: a blood type read with a zero for its O
// and the relationships a register prints beyond 户主/妻/子 are kept.
func TestHouseholdRegisterReadings(t *testing.T) {
	hr, _ := Builtin("household_register")
	for _, tc := range []struct{ blood, wantBlood, rel string }{
		{"0型", "O型", "之女"},
		{"O型", "O型", "长子"},
		{"AB型", "AB型", "儿媳"},
		{"Ｂ型", "B型", "外甥"},
		{"0", "O", "女婿"},
	} {
		p := page("户主或与户主关系", 40, 40, tc.rel, 260, 40, "血型", 40, 100, tc.blood, 160, 100)
		r := Extract(p, hr)
		if f := r.Fields["blood_type"]; f == nil || f.Value != tc.wantBlood {
			t.Errorf("blood %q: blood_type = %+v, want %q", tc.blood, f, tc.wantBlood)
		}
		if f := r.Fields["householder_relationship"]; f == nil || f.Value != tc.rel {
			t.Errorf("householder_relationship = %+v, want %q", f, tc.rel)
		}
	}
}

// TestLatinSpacing: the spaces a recogniser drops in a Peruvian address
// (after a street abbreviation's period, before the house number) are put
// back, and a place name split after a letter that is no Spanish word is
// joined again; Spanish one-letter words stay apart.
func TestLatinSpacing(t *testing.T) {
	for _, tc := range []struct{ kind, label, field, read, want string }{
		{"peru_id_card_back", "Domicilio", "address", "AV.SAN MARTIN 801", "AV. SAN MARTIN 801"},
		{"peru_id_card_back", "Domicilio", "address", "JR.LAS FLORES805", "JR. LAS FLORES 805"},
		{"peru_id_card_back", "Domicilio", "address", "AV. SAN MARTIN 801", "AV. SAN MARTIN 801"},
		{"peru_id_card_back", "Domicilio", "address", "MZ.B LT.12 URB.LOS OLIVOS", "MZ. B LT. 12 URB. LOS OLIVOS"},
		{"peru_id_card_back", "Domicilio", "address", "CAL. 3B 1.5", "CAL. 3B 1.5"},
		{"peru_id_card_back", "Provincia", "province", "H UANCAYO", "HUANCAYO"},
		{"peru_id_card_back", "Provincia", "province", "EL TAMBO", "EL TAMBO"},
		{"peru_id_card_back", "Provincia", "province", "LA LIBERTAD", "LA LIBERTAD"},
		{"peru_id_card_back", "Provincia", "province", "SAN JUAN Y SANTA", "SAN JUAN Y SANTA"},
		{"peru_id_card_back", "Provincia", "province", "T UMBES", "TUMBES"},
	} {
		spec, _ := Builtin(tc.kind)
		p := page(tc.label, 40, 40, tc.read, 40, 80)
		if f := Extract(p, spec).Fields[tc.field]; f == nil || f.Value != tc.want {
			t.Errorf("%s %q: %s = %+v, want %q", tc.kind, tc.read, tc.field, f, tc.want)
		}
	}
	// The Colombian card prints the value above its caption.
	co, _ := Builtin("colombia_id_card_back")
	p := page("07-MAR-2000 I BAGUE", 40, 40, "FECHA Y LUGAR DE EXPEDICION", 40, 80)
	if f := Extract(p, co).Fields["issue_authority"]; f == nil || f.Value != "IBAGUE" {
		t.Errorf("issue_authority = %+v, want IBAGUE", f)
	}
}
