package specimen

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
)

// moreKinds are the kinds of the second set of document APIs (Macao,
// household register, real estate, vehicle conformity, transport
// qualification, Colombia, Peru, MRZ identity cards); checked ones carry
// a check character that every fifth specimen breaks.
var moreKinds = map[string]moreKind{
	"macao_id_card":             {gen.macaoFront, false},
	"macao_id_card_back":        {gen.macaoBack, true},
	"household_register":        {gen.householdPage, true},
	"household_register_home":   {gen.householdHome, false},
	"id_document":               {gen.idDocument, true},
	"real_estate_certificate":   {gen.realEstate, false},
	"vehicle_certificate":       {gen.vehicleCertificate, true},
	"qualification_certificate": {gen.qualification, true},
	"colombia_id_card":          {gen.colombiaFront, false},
	"colombia_id_card_back":     {gen.colombiaBack, false},
	"peru_id_card":              {gen.peruFront, false},
	"peru_id_card_back":         {gen.peruBack, true},
}

func init() {
	Kinds = append(Kinds, "macao_id_card", "macao_id_card_back", "household_register", "household_register_home",
		"id_document", "real_estate_certificate", "vehicle_certificate", "qualification_certificate",
		"colombia_id_card", "colombia_id_card_back", "peru_id_card", "peru_id_card_back")
}

// drawer appends texts to a layout.
type drawer struct{ l *Layout }

func (d drawer) t(s string, x, y, size float64, c color.RGBA, f Face) {
	d.l.Texts = append(d.l.Texts, Text{S: s, X: x, Y: y, Size: size, Color: c, Face: f})
}

// grid draws a table's rules: rows horizontal lines from y0 every h, and
// the vertical lines at xs.
func (d drawer) grid(x0, x1, y0 int, rows, h int, xs ...int) {
	c := color.RGBA{120, 120, 120, 255}
	for r := 0; r <= rows; r++ {
		y := y0 + r*h
		d.l.Boxes = append(d.l.Boxes, Box{R: image.Rect(x0, y, x1, y+2), Color: c})
	}
	for _, x := range append([]int{x0, x1}, xs...) {
		d.l.Boxes = append(d.l.Boxes, Box{R: image.Rect(x, y0, x+2, y0+rows*h), Color: c})
	}
}

func (g gen) sexLetter() string { return string("MF"[g.r.IntN(2)]) }

func dmy(t time.Time) string { return t.Format("02-01-2006") }

func cnDate(t time.Time) string {
	return fmt.Sprintf("%d年%02d月%02d日", t.Year(), t.Month(), t.Day())
}

// Macao names: Cantonese romanisations of the specimen surnames and
// given names (fictional holders), in characters the recogniser's
// dictionary holds.
var (
	macaoSur   = []string{"CHAN", "WONG", "LEONG", "LEI", "HO", "LAO", "CHEONG", "IONG", "SOU", "CHOI"}
	macaoSurZh = map[string]string{"CHAN": "陳", "WONG": "黃", "LEONG": "梁", "LEI": "李", "HO": "何", "LAO": "劉", "CHEONG": "張", "IONG": "楊", "SOU": "蘇", "CHOI": "蔡"}
	macaoGiv   = []string{"TAI MAN", "KA WAI", "SIO PENG", "MAN HOU", "WENG KEI", "CHI HOU", "MEI LENG", "KUOK HONG"}
	macaoGivZh = map[string]string{"TAI MAN": "大文", "KA WAI": "家偉", "SIO PENG": "小萍", "MAN HOU": "文豪", "WENG KEI": "永基", "CHI HOU": "志豪", "MEI LENG": "美玲", "KUOK HONG": "國雄"}
)

func (g gen) macaoFront(bool) Specimen {
	sur, giv := g.pick(macaoSur), g.pick(macaoGiv)
	name := macaoSurZh[sur] + macaoGivZh[giv]
	en := sur + " " + giv
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "男", false: "女"}[male]
	birth := g.date(1950, 2005)
	first := birth.AddDate(18, 0, g.r.IntN(300))
	issue := g.date(2016, 2025)
	expiry := issue.AddDate(10, 0, 0)
	height := fmt.Sprintf("1.%02d", 50+g.r.IntN(40))
	num := fmt.Sprintf("%c%06d(%d)", "157"[g.r.IntN(3)], g.r.IntN(1e6), g.r.IntN(10))
	l := Layout{W: 856, H: 540, BG: color.RGBA{232, 238, 246, 255}, BG2: color.RGBA{240, 234, 240, 255}}
	d := drawer{&l}
	d.t("澳門特別行政區", 40, 50, 26, blue, Bold)
	d.t("REGIÃO ADMINISTRATIVA ESPECIAL DE MACAU", 40, 76, 15, blue, Sans)
	d.t("澳門永久性居民身份證", 40, 116, 28, black, Bold)
	d.t("BILHETE DE IDENTIDADE DE RESIDENTE PERMANENTE", 40, 140, 14, black, Sans)
	d.t("姓名 Nome", 40, 180, 16, grey, Sans)
	d.t(name, 40, 216, 30, black, Sans)
	d.t(en, 40, 254, 24, black, Sans)
	d.t("性別 Sexo", 40, 292, 16, grey, Sans)
	d.t(sex+" "+map[bool]string{true: "M", false: "F"}[male], 40, 324, 24, black, Sans)
	d.t("身高 Altura", 190, 292, 16, grey, Sans)
	d.t(height, 190, 324, 24, black, Sans)
	d.t("出生日期 Data de nascimento", 340, 292, 16, grey, Sans)
	d.t(dmy(birth), 340, 324, 24, black, Sans)
	d.t("首次發證日期 Data da 1.ª emissão", 40, 368, 16, grey, Sans)
	d.t(dmy(first), 40, 400, 24, black, Sans)
	d.t("本次發證日期 Data de emissão", 340, 368, 16, grey, Sans)
	d.t(dmy(issue), 340, 400, 24, black, Sans)
	d.t("有效期至 Válido até", 40, 444, 16, grey, Sans)
	d.t(dmy(expiry), 40, 476, 24, black, Sans)
	d.t(num, 580, 490, 32, black, Mono)
	l.Boxes = []Box{{R: image.Rect(620, 160, 816, 420), Color: color.RGBA{206, 212, 222, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{
		"name": name, "name_en": en, "sex": sex, "height": height, "birth_date": dmy(birth),
		"initial_issue_date": dmy(first), "issue_date": dmy(issue), "expiry_date": dmy(expiry), "number": num,
	}}
}

// mrzTD1 renders three TD1 lines; an invalid specimen gets a wrong
// document-number check digit.
func mrzTD1(g gen, valid bool, docType, issuer, number string, birth time.Time, sex string, expiry time.Time, nat, sur, given string) [3]string {
	m := validate.TD1Lines(docType, issuer, number, birth.Format("060102"), sex, expiry.Format("060102"), nat, sur, given)
	if !valid {
		b := []byte(m[0])
		b[14] = '0' + (b[14]-'0'+1+byte(g.r.IntN(8)))%10
		m[0] = string(b)
	}
	return m
}

// drawMRZ prints a TD1 zone across the card's width, as ICAO 9303's
// 10 characters an inch do on an 85.6 mm card.
func drawMRZ(d drawer, m [3]string) {
	for i, s := range m {
		d.t(s, 40, 400+float64(i)*46, 34, black, Mono)
	}
}

func (g gen) macaoBack(valid bool) Specimen {
	sur, giv := g.pick(macaoSur), g.pick(macaoGiv)
	birth := g.date(1950, 2005)
	expiry := g.date(2027, 2035)
	sex := g.sexLetter()
	num := fmt.Sprintf("%c%07d", "157"[g.r.IntN(3)], g.r.IntN(1e7))
	m := mrzTD1(g, valid, "I", "MAC", num, birth, sex, expiry, "CHN", sur, giv)
	l := Layout{W: 856, H: 540, BG: color.RGBA{236, 238, 244, 255}}
	d := drawer{&l}
	d.t("澳門特別行政區身份證明局", 40, 60, 26, blue, Bold)
	d.t("DIRECÇÃO DOS SERVIÇOS DE IDENTIFICAÇÃO", 40, 90, 16, blue, Sans)
	d.t("持證人簽名 Assinatura do titular", 40, 150, 16, grey, Sans)
	drawMRZ(d, m)
	return Specimen{Layout: l, Fields: map[string]string{"machine_code1": m[0], "machine_code2": m[1], "machine_code3": m[2]}}
}

var (
	educations = []string{"大学本科", "大学专科", "高中", "初中", "研究生"}
	jobs       = []string{"职员", "工程师", "教师", "医生", "会计"}
	relations  = []string{"户主", "妻", "之子", "之女"}
)

func (g gen) householdPage(valid bool) Specimen {
	name, _, _ := g.person()
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "男", false: "女"}[male]
	birth := g.date(1950, 2005)
	prov := g.province()
	num := g.idNumber(prov, birth, male, valid)
	place := provs[prov] + g.pick(cities)
	origin := provs[g.province()] + g.pick(cities)
	reg := g.date(2005, 2024)
	height := fmt.Sprintf("%d厘米", 150+g.r.IntN(40))
	blood := g.pick([]string{"A型", "B型", "AB型", "O型"})
	f := map[string]string{
		"name": name, "householder_relationship": g.pick(relations), "sex": sex, "birthplace": place, "ethnicity": g.pick(nations),
		"origin_place": origin, "birth_date": birth.Format("2006-01-02"), "id_card_number": num, "height": height, "blood_type": blood,
		"education": g.pick(educations), "marital_status": g.pick([]string{"未婚", "已婚"}), "military_service_status": "未服兵役",
		"work_place": g.pick(cities)[:6] + g.pick([]string{"星河", "远航", "嘉禾"}) + "科技有限公司", "occupation": g.pick(jobs),
		"registration_date": reg.Format("2006-01-02"),
	}
	rows := [][4]string{
		{"姓名", name, "户主或与户主关系", f["householder_relationship"]},
		{"曾用名", "", "性别", sex},
		{"出生地", place, "民族", f["ethnicity"]},
		{"籍贯", origin, "出生日期", cnDate(birth)},
		{"本市(县)其他住址", "", "宗教信仰", ""},
		{"公民身份证件编号", num, "身高", height},
		{"血型", blood, "文化程度", f["education"]},
		{"婚姻状况", f["marital_status"], "兵役状况", f["military_service_status"]},
		{"服务处所", f["work_place"], "职业", f["occupation"]},
		{"登记日期", cnDate(reg), "", ""},
	}
	l := Layout{W: 1250, H: 900, BG: color.RGBA{246, 240, 232, 255}}
	d := drawer{&l}
	d.t("常住人口登记卡", 470, 70, 44, color.RGBA{60, 40, 30, 255}, Bold)
	d.grid(40, 1210, 110, len(rows), 70, 260, 630, 860)
	for i, r := range rows {
		y := 110 + float64(i)*70 + 46
		d.t(r[0], 56, y, 22, grey, Sans)
		d.t(r[1], 280, y, 26, black, Sans)
		d.t(r[2], 646, y, 22, grey, Sans)
		d.t(r[3], 880, y, 26, black, Sans)
	}
	return Specimen{Layout: l, Fields: f}
}

func (g gen) householdHome(bool) Specimen {
	name, _, _ := g.person()
	prov := g.province()
	addr := g.address(prov)
	no := fmt.Sprintf("%09d", g.r.IntN(1e9))
	typ := g.pick([]string{"家庭户", "集体户"})
	station := g.pick(cities) + "公安局" + g.pick([]string{"临江", "新城", "东城"}) + "派出所"
	issue := g.date(2005, 2024)
	l := Layout{W: 1250, H: 760, BG: color.RGBA{246, 240, 232, 255}}
	d := drawer{&l}
	d.t("居民户口簿", 500, 80, 48, color.RGBA{120, 30, 30, 255}, Bold)
	rows := [][4]string{
		{"户别", typ, "户主姓名", name},
		{"户号", no, "", ""},
		{"住址", addr, "", ""},
		{"户口登记机关", station, "", ""},
		{"签发日期", cnDate(issue), "", ""},
	}
	d.grid(40, 1210, 130, len(rows), 90, 280, 640, 860)
	for i, r := range rows {
		y := 130 + float64(i)*90 + 56
		d.t(r[0], 60, y, 24, grey, Sans)
		d.t(r[1], 300, y, 28, black, Sans)
		d.t(r[2], 660, y, 24, grey, Sans)
		d.t(r[3], 880, y, 28, black, Sans)
	}
	return Specimen{Layout: l, Fields: map[string]string{
		"household_type": typ, "householder_name": name, "household_number": no, "address": addr,
		"police_station": station, "issue_date": issue.Format("2006-01-02"),
	}}
}

// idIssuers are real ICAO issuer codes for MRZ identity cards of
// fictional holders.
var idIssuers = []string{"ESP", "DEU", "FRA", "ITA", "NLD", "PRT"}

func (g gen) idDocument(valid bool) Specimen {
	iss := g.pick(idIssuers)
	sur := g.pick(esSurnames)
	given := g.pick(esNames)
	birth := g.date(1950, 2005)
	expiry := g.date(2027, 2035)
	sex := g.sexLetter()
	num := fmt.Sprintf("%c%c%c%06d", 'A'+g.r.IntN(26), 'A'+g.r.IntN(26), 'A'+g.r.IntN(26), g.r.IntN(1e6))
	m := mrzTD1(g, valid, "ID", iss, num, birth, sex, expiry, iss, sur, given)
	l := Layout{W: 856, H: 540, BG: color.RGBA{230, 236, 240, 255}, BG2: color.RGBA{238, 232, 236, 255}}
	d := drawer{&l}
	d.t("IDENTITY CARD", 40, 60, 26, blue, Bold)
	d.t("HOLDER'S SIGNATURE", 40, 110, 16, grey, Sans)
	drawMRZ(d, m)
	return Specimen{Layout: l, Fields: map[string]string{
		"country_region": iss, "document_number": num, "last_name": sur, "first_name": given,
		"sex": sex, "nationality": iss, "birth_date": birth.Format("2006-01-02"), "expiry_date": expiry.Format("2006-01-02"),
	}}
}

func (g gen) realEstate(bool) Specimen {
	prov := []string{"京", "沪", "苏", "浙", "粤"}[g.r.IntN(5)]
	year := 2016 + g.r.IntN(9)
	no := fmt.Sprintf("%s(%d)%s不动产权第%07d号", prov, year, g.pick([]string{"青山市", "明湖市", "白云区", "长河县"}), g.r.IntN(1e7))
	owner, _, _ := g.person()
	loc := g.pick(cities) + g.pick([]string{"临江区", "新城区", "高新区"}) + g.pick(streets) + fmt.Sprintf("%d号%d栋%d单元%d室", 1+g.r.IntN(200), 1+g.r.IntN(20), 1+g.r.IntN(4), 101+g.r.IntN(2800))
	unit := fmt.Sprintf("%06d%06dGB%05dF%08d", 110100+g.r.IntN(900000), g.r.IntN(1e6), g.r.IntN(1e5), g.r.IntN(1e8))
	shown := unit[:6] + " " + unit[6:12] + " " + unit[12:19] + " " + unit[19:]
	area := fmt.Sprintf("共有宗地面积%d.%d平方米/房屋建筑面积%d.%02d平方米", 1000+g.r.IntN(9000), g.r.IntN(10), 50+g.r.IntN(150), g.r.IntN(100))
	issuer := g.pick(cities) + "不动产登记局"
	issue := time.Date(year, time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
	f := map[string]string{
		"real_estate_certificate_no": no, "obligee": owner, "ownership": g.pick([]string{"单独所有", "共同共有"}),
		"estate_location": loc, "property_unit_no": unit, "right_type": "国有建设用地使用权/房屋所有权",
		"right_nature": g.pick([]string{"出让/市场化商品房", "划拨/房改房"}), "usage": "城镇住宅用地/住宅", "area": area,
		"issuer": issuer, "issue_date": issue.Format("2006-01-02"),
	}
	l := Layout{W: 1300, H: 980, BG: color.RGBA{248, 246, 238, 255}}
	d := drawer{&l}
	d.t(no, 340, 70, 30, black, Sans)
	rows := [][2]string{
		{"权利人", owner}, {"共有情况", f["ownership"]}, {"坐落", loc}, {"不动产单元号", shown},
		{"权利类型", f["right_type"]}, {"权利性质", f["right_nature"]}, {"用途", f["usage"]}, {"面积", area},
		{"使用期限", fmt.Sprintf("%d年%02d月%02d日起%d年%02d月%02d日止", year, issue.Month(), issue.Day(), year+70, issue.Month(), issue.Day())},
	}
	d.grid(40, 1260, 110, len(rows), 70, 280)
	for i, r := range rows {
		y := 110 + float64(i)*70 + 46
		d.t(r[0], 60, y, 24, grey, Sans)
		d.t(r[1], 300, y, 26, black, Sans)
	}
	d.t("登记机构", 640, 820, 24, grey, Sans)
	d.t(issuer, 800, 820, 26, black, Sans)
	d.t("登记日期", 640, 880, 24, grey, Sans)
	d.t(cnDate(issue), 800, 880, 26, black, Sans)
	return Specimen{Layout: l, Fields: f}
}

func (g gen) vehicleCertificate(valid bool) Specimen {
	vin := g.vinNumber(valid)
	brand := g.pick([]string{"星河牌", "远航牌", "嘉禾牌", "天成牌"})
	maker := g.pick(cities)[:6] + g.pick([]string{"星河", "远航", "嘉禾", "天成"}) + "汽车有限公司"
	made := g.date(2016, 2025)
	issue := made.AddDate(0, 0, 1+g.r.IntN(20))
	length, width, height := 4200+g.r.IntN(900), 1700+g.r.IntN(250), 1400+g.r.IntN(400)
	front := 1500 + g.r.IntN(120)
	f := map[string]string{
		"certificate_number": fmt.Sprintf("W%c%c%011d", 'A'+g.r.IntN(26), 'A'+g.r.IntN(26), g.r.Int64N(1e11)), "issue_date": issue.Format("2006-01-02"),
		"manufacture_name": maker, "vehicle_brand": brand, "vehicle_name": g.pick([]string{"轿车", "多用途乘用车", "越野车"}),
		"vehicle_model": fmt.Sprintf("XH%d%c", 7100+g.r.IntN(900), 'A'+g.r.IntN(6)), "vin": vin, "vehicle_color": g.pick([]string{"白", "黑", "银", "红", "蓝"}),
		"engine_model": fmt.Sprintf("XH%dT", 10+g.r.IntN(20)), "engine_number": fmt.Sprintf("%c%07d", 'A'+g.r.IntN(20), g.r.IntN(1e7)),
		"fuel_type": g.pick([]string{"汽油", "柴油"}), "displacement": fmt.Sprint(1200 + g.r.IntN(1800)), "power": fmt.Sprint(70 + g.r.IntN(130)),
		"emission_standard": "GB18352.6-2016国VI", "overall_dimension_length": fmt.Sprint(length), "overall_dimension_width": fmt.Sprint(width),
		"overall_dimension_height": fmt.Sprint(height), "tire_quantity": "4", "tire_size": g.pick([]string{"205/55R16", "215/60R17", "225/45R18"}),
		"front_wheel_track": fmt.Sprint(front), "rear_wheel_track": fmt.Sprint(front - g.r.IntN(30)), "wheelbase": fmt.Sprint(2500 + g.r.IntN(400)),
		"axle_quantity": "2", "steering_form": "方向盘", "total_weight": fmt.Sprint(1600 + g.r.IntN(800)),
		"passenger_capacity": fmt.Sprint(5 + g.r.IntN(3)), "max_design_speed": fmt.Sprint(160 + g.r.IntN(60)), "manufacture_date": made.Format("2006-01-02"),
	}
	var tw int
	fmt.Sscan(f["total_weight"], &tw)
	f["equipment_weight"] = fmt.Sprint(tw - 350 - g.r.IntN(100))
	left := [][2]string{
		{"0.合格证编号", f["certificate_number"]}, {"1.发证日期", cnDate(issue)}, {"2.车辆制造企业名称", maker},
		{"3.车辆品牌", brand}, {"3.车辆名称", f["vehicle_name"]}, {"4.车辆型号", f["vehicle_model"]},
		{"5.车辆识别代号/车架号", vin}, {"6.车身颜色", f["vehicle_color"]}, {"9.发动机型号", f["engine_model"]},
		{"10.发动机号", f["engine_number"]}, {"11.燃料种类", f["fuel_type"]}, {"12.排量和功率(ml/kw)", f["displacement"] + "/" + f["power"]},
		{"13.排放标准", f["emission_standard"]},
	}
	right := [][2]string{
		{"15.外廓尺寸(mm)", fmt.Sprintf("%d×%d×%d", length, width, height)}, {"18.轮胎数", "4"}, {"19.轮胎规格", f["tire_size"]},
		{"20.轮距(前/后)", f["front_wheel_track"] + "/" + f["rear_wheel_track"]}, {"21.轴距", f["wheelbase"]}, {"23.轴数", "2"},
		{"24.转向形式", "方向盘"}, {"25.总质量", f["total_weight"]}, {"26.整备质量", f["equipment_weight"]},
		{"32.额定载客", f["passenger_capacity"]}, {"33.最高设计车速", f["max_design_speed"]}, {"34.车辆制造日期", cnDate(made)},
	}
	l := Layout{W: 1400, H: 1120, BG: color.RGBA{246, 246, 240, 255}}
	d := drawer{&l}
	d.t("机动车整车出厂合格证", 480, 70, 42, black, Bold)
	d.grid(30, 1370, 110, len(left), 74, 330, 700, 990)
	for i, r := range left {
		y := 110 + float64(i)*74 + 48
		d.t(r[0], 42, y, 20, grey, Sans)
		d.t(r[1], 345, y, 24, black, Sans)
	}
	for i, r := range right {
		y := 110 + float64(i)*74 + 48
		d.t(r[0], 712, y, 20, grey, Sans)
		d.t(r[1], 1005, y, 24, black, Sans)
	}
	return Specimen{Layout: l, Fields: f}
}

func (g gen) qualification(valid bool) Specimen {
	name, _, _ := g.person()
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "男", false: "女"}[male]
	birth := g.date(1960, 2000)
	prov := g.province()
	num := g.idNumber(prov, birth, male, valid)
	first := g.date(2008, 2020)
	expiry := first.AddDate(6*(1+g.r.IntN(2)), 0, -1)
	f := map[string]string{
		"name": name, "sex": sex, "birth_date": birth.Format("2006-01-02"), "nationality": "中国", "address": g.address(prov),
		"certificate_number": num, "driving_class": g.pick([]string{"A1", "A2", "B1", "B2"}),
		"category":           g.pick([]string{"道路旅客运输驾驶员", "道路货物运输驾驶员", "道路危险货物运输驾驶员"}),
		"initial_issue_date": first.Format("2006-01-02"), "expiry_date": expiry.Format("2006-01-02"),
		"issuing_authority": g.pick(cities) + "交通运输局",
	}
	l := Layout{W: 1100, H: 720, BG: color.RGBA{238, 242, 248, 255}}
	d := drawer{&l}
	d.t("中华人民共和国道路运输从业人员从业资格证", 150, 70, 36, black, Bold)
	lab := func(s string, x, y float64) { d.t(s, x, y, 22, grey, Sans) }
	v := func(s string, x, y float64) { d.t(s, x, y, 28, black, Sans) }
	lab("姓名", 60, 140)
	v(name, 200, 140)
	lab("性别", 520, 140)
	v(sex, 620, 140)
	lab("出生日期", 60, 200)
	v(f["birth_date"], 200, 200)
	lab("国籍", 520, 200)
	v("中国", 620, 200)
	lab("住址", 60, 260)
	v(f["address"], 200, 260)
	lab("从业资格证号", 60, 320)
	v(num, 260, 320)
	lab("准驾车型", 60, 380)
	v(f["driving_class"], 200, 380)
	lab("从业资格类别", 60, 440)
	v(f["category"], 260, 440)
	lab("初领日期", 60, 500)
	v(f["initial_issue_date"], 200, 500)
	lab("有效期至", 520, 500)
	v(f["expiry_date"], 640, 500)
	lab("发证机关", 60, 560)
	v(f["issuing_authority"], 200, 560)
	return Specimen{Layout: l, Fields: f}
}

// Colombian places: single-word cities with their departments.
var coPlaces = [][2]string{{"MEDELLIN", "ANTIOQUIA"}, {"CALI", "VALLE"}, {"BARRANQUILLA", "ATLANTICO"}, {"CARTAGENA", "BOLIVAR"},
	{"BUCARAMANGA", "SANTANDER"}, {"PEREIRA", "RISARALDA"}, {"MANIZALES", "CALDAS"}, {"IBAGUE", "TOLIMA"}}

func coNumber(n int) string {
	s := fmt.Sprint(n)
	var parts []string
	for len(s) > 3 {
		parts = append([]string{s[len(s)-3:]}, parts...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, parts...), ".")
}

func (g gen) colombiaFront(bool) Specimen {
	sur := g.pick(esSurnames) + " " + g.pick(esSurnames)
	given := g.pick(esNames)
	num := coNumber(10000000 + g.r.IntN(1200000000))
	l := Layout{W: 856, H: 540, BG: color.RGBA{246, 234, 180, 255}, BG2: color.RGBA{240, 224, 170, 255}}
	d := drawer{&l}
	d.t("REPUBLICA DE COLOMBIA", 280, 50, 26, blue, Bold)
	d.t("IDENTIFICACION PERSONAL", 280, 80, 18, blue, Sans)
	d.t("CEDULA DE CIUDADANIA", 280, 112, 22, black, Bold)
	d.t("NUMERO "+num, 280, 175, 28, black, Bold)
	d.t(sur, 280, 245, 26, black, Sans)
	d.t("APELLIDOS", 280, 272, 16, grey, Sans)
	d.t(given, 280, 330, 26, black, Sans)
	d.t("NOMBRES", 280, 357, 16, grey, Sans)
	d.t("FIRMA", 280, 470, 16, grey, Sans)
	l.Boxes = []Box{{R: image.Rect(40, 120, 250, 400), Color: color.RGBA{220, 210, 170, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{"number": num, "last_name": sur, "name": given}}
}

func coDate(t time.Time) string {
	return fmt.Sprintf("%02d-%s-%d", t.Day(), esMonths[t.Month()-1], t.Year())
}

func (g gen) colombiaBack(bool) Specimen {
	birth := g.date(1950, 2003)
	issue := birth.AddDate(18, 0, g.r.IntN(300))
	bp := coPlaces[g.r.IntN(len(coPlaces))]
	ip := coPlaces[g.r.IntN(len(coPlaces))]
	height := fmt.Sprintf("1.%02d", 50+g.r.IntN(40))
	blood := g.pick([]string{"O+", "A+", "B+", "AB+", "O-", "A-"})
	sex := g.sexLetter()
	l := Layout{W: 856, H: 540, BG: color.RGBA{246, 234, 180, 255}, BG2: color.RGBA{240, 224, 170, 255}}
	d := drawer{&l}
	d.t("FECHA DE NACIMIENTO", 40, 70, 16, grey, Sans)
	d.t(coDate(birth), 260, 72, 26, black, Sans)
	d.t(bp[0]+" ("+bp[1]+")", 40, 140, 26, black, Sans)
	d.t("LUGAR DE NACIMIENTO", 40, 166, 16, grey, Sans)
	d.t(height, 40, 230, 26, black, Sans)
	d.t(blood, 200, 230, 26, black, Sans)
	d.t(sex, 360, 230, 26, black, Sans)
	d.t("ESTATURA", 40, 256, 16, grey, Sans)
	d.t("G.S. RH", 200, 256, 16, grey, Sans)
	d.t("SEXO", 360, 256, 16, grey, Sans)
	d.t(coDate(issue)+" "+ip[0], 40, 320, 26, black, Sans)
	d.t("FECHA Y LUGAR DE EXPEDICION", 40, 346, 16, grey, Sans)
	d.t("REGISTRADOR NACIONAL", 40, 460, 16, grey, Sans)
	l.Boxes = []Box{{R: image.Rect(600, 60, 800, 300), Color: color.RGBA{222, 212, 176, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{
		"birth_date": birth.Format("2006-01-02"), "birth_place": bp[0] + " (" + bp[1] + ")", "height": height,
		"blood_type": blood, "gender": sex, "issue_date": issue.Format("2006-01-02"), "issue_authority": ip[0],
	}}
}

func peDate(t time.Time) string { return t.Format("02 01 2006") }

// Peruvian places (department, province, district) of fictional
// addresses.
var pePlaces = [][3]string{{"LIMA", "LIMA", "MIRAFLORES"}, {"AREQUIPA", "AREQUIPA", "CAYMA"}, {"CUSCO", "CUSCO", "WANCHAQ"},
	{"PIURA", "PIURA", "CASTILLA"}, {"LA LIBERTAD", "TRUJILLO", "VICTOR LARCO"}, {"JUNIN", "HUANCAYO", "EL TAMBO"}}

func (g gen) peruFront(bool) Specimen {
	birth := g.date(1950, 2005)
	issue := g.date(2017, 2025)
	reg := birth.AddDate(18, 0, g.r.IntN(200))
	f := map[string]string{
		"cui_number": fmt.Sprintf("%08d", 10000000+g.r.IntN(89999999)), "first_surname": g.pick(esSurnames), "second_surname": g.pick(esSurnames),
		"given_name": g.pick(esNames), "sex": g.sexLetter(), "marital_status": string("SCVD"[g.r.IntN(4)]),
		"birth_date": birth.Format("2006-01-02"), "nationality": "PER", "birth_place": fmt.Sprintf("%06d", 10101+g.r.IntN(250000)),
		"registration_date": reg.Format("2006-01-02"), "issue_date": issue.Format("2006-01-02"), "expiry_date": issue.AddDate(8, 0, 0).Format("2006-01-02"),
	}
	l := Layout{W: 856, H: 540, BG: color.RGBA{226, 236, 246, 255}, BG2: color.RGBA{236, 240, 246, 255}}
	d := drawer{&l}
	lab := func(s string, x, y float64) { d.t(s, x, y, 15, grey, Sans) }
	v := func(s string, x, y float64) { d.t(s, x, y, 24, black, Sans) }
	d.t("REPÚBLICA DEL PERÚ", 260, 40, 24, color.RGBA{160, 20, 30, 255}, Bold)
	d.t("DOCUMENTO NACIONAL DE IDENTIDAD", 260, 66, 16, black, Sans)
	d.t("DNI "+f["cui_number"]+" - "+fmt.Sprint(g.r.IntN(10)), 560, 110, 24, black, Bold)
	lab("Primer Apellido", 260, 140)
	v(f["first_surname"], 260, 168)
	lab("Segundo Apellido", 260, 200)
	v(f["second_surname"], 260, 228)
	lab("Pre Nombres", 260, 260)
	v(f["given_name"], 260, 288)
	lab("Fecha de Nacimiento", 260, 322)
	v(peDate(birth), 260, 350)
	lab("Ubigeo", 480, 322)
	v(f["birth_place"], 480, 350)
	lab("Sexo", 660, 322)
	v(f["sex"], 660, 350)
	lab("Estado Civil", 260, 384)
	v(f["marital_status"], 260, 412)
	lab("Nacionalidad", 480, 384)
	v("PER", 480, 412)
	lab("Fecha Inscripción", 40, 446)
	v(peDate(reg), 40, 474)
	lab("Fecha de Emisión", 260, 446)
	v(peDate(issue), 260, 474)
	lab("Fecha de Caducidad", 480, 446)
	v(peDate(issue.AddDate(8, 0, 0)), 480, 474)
	l.Boxes = []Box{{R: image.Rect(40, 100, 230, 400), Color: color.RGBA{200, 212, 226, 255}}}
	return Specimen{Layout: l, Fields: f}
}

func (g gen) peruBack(valid bool) Specimen {
	pl := pePlaces[g.r.IntN(len(pePlaces))]
	addr := fmt.Sprintf("%s %s %d", g.pick([]string{"AV.", "JR.", "CALLE"}), g.pick([]string{"LOS PINOS", "LAS FLORES", "SAN MARTIN", "GRAU", "BOLOGNESI"}), 100+g.r.IntN(900))
	group := fmt.Sprintf("%06d", g.r.IntN(1e6))
	don := g.pick([]string{"SI", "NO"})
	sur, given := g.pick(esSurnames)+" "+g.pick(esSurnames), g.pick(esNames)
	birth := g.date(1950, 2005)
	expiry := g.date(2027, 2033)
	num := fmt.Sprintf("%08d", 10000000+g.r.IntN(89999999))
	m := mrzTD1(g, valid, "I", "PER", num, birth, g.sexLetter(), expiry, "PER", sur, given)
	l := Layout{W: 856, H: 540, BG: color.RGBA{226, 236, 246, 255}}
	d := drawer{&l}
	lab := func(s string, x, y float64) { d.t(s, x, y, 15, grey, Sans) }
	v := func(s string, x, y float64) { d.t(s, x, y, 22, black, Sans) }
	lab("Departamento", 40, 40)
	v(pl[0], 40, 66)
	lab("Provincia", 300, 40)
	v(pl[1], 300, 66)
	lab("Distrito", 560, 40)
	v(pl[2], 560, 66)
	lab("Domicilio", 40, 100)
	v(addr, 40, 126)
	lab("Grupo de Votación", 40, 160)
	v(group, 40, 186)
	lab("Donación de Órganos", 300, 160)
	v(don, 300, 186)
	drawMRZ(d, m)
	return Specimen{Layout: l, Fields: map[string]string{
		"department": pl[0], "province": pl[1], "district": pl[2], "address": addr, "voting_group": group, "organ_donation": don,
		"machine_code1": m[0], "machine_code2": m[1], "machine_code3": m[2],
	}}
}
