package specimen

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
)

// Specimen is a rendered page and the fields a reader must find on it,
// keyed by the API's field names.
type Specimen struct {
	Kind   string
	Layout Layout
	Fields map[string]string
	// Valid is false when a check character was deliberately broken.
	Valid bool
}

// Kinds lists the document kinds Make renders.
var Kinds = []string{"id_card_front", "id_card_back", "bankcard", "passport", "vin", "license_plate",
	"business_license", "driver_license", "vehicle_license", "hk_id_card", "exit_entry_permit", "mainland_travel_permit", "transportation_license", "business_card", "chile_id_card"}

// Make renders specimen n of a kind; every fifth specimen (n%5 == 4)
// carries a broken check character where the kind has one.
func Make(kind string, n int) (Specimen, error) {
	r := rand.New(rand.NewPCG(uint64(n)+1, uint64(len(kind))*977))
	valid := n%5 != 4
	g := gen{r: r}
	var s Specimen
	switch kind {
	case "id_card_front":
		s = g.idFront(valid)
	case "id_card_back":
		s = g.idBack()
	case "bankcard":
		s = g.bankcard(valid)
	case "passport":
		s = g.passport(valid)
	case "vin":
		s = g.vin(valid)
	case "license_plate":
		s = g.plate()
	case "business_license":
		s = g.businessLicense(valid)
	case "driver_license":
		s = g.driverLicense()
	case "vehicle_license":
		s = g.vehicleLicense()
	case "hk_id_card":
		s = g.hkIDCard(valid)
	case "exit_entry_permit":
		s = g.exitEntryPermit()
	case "mainland_travel_permit":
		s = g.mainlandTravelPermit()
	case "transportation_license":
		s = g.transportationLicense()
	case "business_card":
		s = g.businessCard()
	case "chile_id_card":
		s = g.chileIDCard(valid)
	default:
		k, ok := moreKinds[kind]
		if !ok {
			return Specimen{}, fmt.Errorf("specimen: unknown kind %q", kind)
		}
		s = k.make(g, valid)
		if k.checked {
			s.Kind, s.Valid = kind, valid
			if s.Fields == nil {
				s.Fields = map[string]string{}
			}
			return s, nil
		}
	}
	s.Kind = kind
	if s.Fields == nil {
		s.Fields = map[string]string{}
	}
	if !strings.Contains("id_card_front bankcard passport vin business_license hk_id_card chile_id_card", kind) {
		valid = true
	}
	s.Valid = valid
	return s, nil
}

type gen struct{ r *rand.Rand }

func (g gen) pick(s []string) string { return s[g.r.IntN(len(s))] }

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
	givens   = []string{"明", "华", "建国", "晓燕", "志强", "丽", "秀英", "伟", "芳", "军", "敏", "静", "海涛", "文博", "雨辰", "子轩", "欣怡", "浩然", "思远", "佳琪"}
	pinyinS  = map[string]string{"王": "WANG", "李": "LI", "张": "ZHANG", "刘": "LIU", "陈": "CHEN", "杨": "YANG", "赵": "ZHAO", "黄": "HUANG", "周": "ZHOU", "吴": "WU", "徐": "XU", "孙": "SUN", "胡": "HU", "朱": "ZHU", "高": "GAO", "林": "LIN", "何": "HE", "郭": "GUO", "马": "MA", "罗": "LUO"}
	pinyinG  = map[string]string{"明": "MING", "华": "HUA", "建国": "JIANGUO", "晓燕": "XIAOYAN", "志强": "ZHIQIANG", "丽": "LI", "秀英": "XIUYING", "伟": "WEI", "芳": "FANG", "军": "JUN", "敏": "MIN", "静": "JING", "海涛": "HAITAO", "文博": "WENBO", "雨辰": "YUCHEN", "子轩": "ZIXUAN", "欣怡": "XINYI", "浩然": "HAORAN", "思远": "SIYUAN", "佳琪": "JIAQI"}
	// Fictional cities and streets: no real address is printed.
	provs   = map[string]string{"11": "北京市", "31": "上海市", "32": "江苏省", "33": "浙江省", "44": "广东省", "51": "四川省", "42": "湖北省", "37": "山东省"}
	cities  = []string{"青山市", "明湖市", "白云市", "长河市", "东岭市", "南屿市"}
	streets = []string{"和平路", "建设大街", "光明巷", "人民路", "新华街", "文化路", "滨江大道"}
	nations = []string{"汉", "回", "满", "苗", "壮", "藏", "蒙古"}
)

func (g gen) person() (zh, sur, given string) {
	s, gv := g.pick(surnames), g.pick(givens)
	return s + gv, pinyinS[s], pinyinG[gv]
}

func (g gen) province() string {
	keys := []string{"11", "31", "32", "33", "44", "51", "42", "37"}
	return g.pick(keys)
}

func (g gen) address(prov string) string {
	return fmt.Sprintf("%s%s%s区%s%d号", provs[prov], g.pick(cities), g.pick([]string{"东城", "西湖", "高新", "新城", "临江"}), g.pick(streets), 1+g.r.IntN(300))
}

func (g gen) date(from, to int) time.Time {
	return time.Date(from+g.r.IntN(to-from), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
}

func (g gen) idNumber(prov string, birth time.Time, male, valid bool) string {
	seq := g.r.IntN(50)*2 + 1
	if !male {
		seq--
	}
	body := fmt.Sprintf("%s%02d%02d%s%02d%d", prov, 1+g.r.IntN(20), 1+g.r.IntN(20), birth.Format("20060102"), g.r.IntN(100), seq%10)
	c := validate.IDCheckChar(body)
	if !valid {
		c = "0123456789X"[(strings.IndexByte("0123456789X", c)+1+g.r.IntN(9))%11]
	}
	return body + string(c)
}

// splitAddress breaks an address into printed lines of at most n runes.
func splitAddress(s string, n int) []string {
	rs := []rune(s)
	var out []string
	for len(rs) > n {
		out = append(out, string(rs[:n]))
		rs = rs[n:]
	}
	return append(out, string(rs))
}

var (
	grey  = color.RGBA{90, 90, 90, 255}
	blue  = color.RGBA{20, 40, 120, 255}
	white = color.RGBA{250, 250, 250, 255}
)

func (g gen) idFront(valid bool) Specimen {
	name, _, _ := g.person()
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "男", false: "女"}[male]
	birth := g.date(1950, 2005)
	prov := g.province()
	addr := g.address(prov)
	num := g.idNumber(prov, birth, male, valid)
	nat := g.pick(nations)
	l := Layout{W: 856, H: 540, BG: color.RGBA{236, 240, 244, 255}, BG2: color.RGBA{222, 232, 238, 255}}
	t := func(s string, x, y, size float64, c color.RGBA, f Face) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: size, Color: c, Face: f})
	}
	t("姓 名", 60, 95, 26, blue, Sans)
	t(name, 160, 95, 32, black, Bold)
	t("性 别", 60, 160, 26, blue, Sans)
	t(sex, 160, 160, 30, black, Sans)
	t("民 族", 280, 160, 26, blue, Sans)
	t(nat, 380, 160, 30, black, Sans)
	t("出 生", 60, 225, 26, blue, Sans)
	t(fmt.Sprintf("%d 年 %d 月 %d 日", birth.Year(), birth.Month(), birth.Day()), 160, 225, 30, black, Sans)
	t("住 址", 60, 290, 26, blue, Sans)
	for i, line := range splitAddress(addr, 11) {
		t(line, 160, 290+float64(i)*44, 30, black, Sans)
	}
	t("公民身份号码", 60, 470, 26, blue, Sans)
	t(num, 260, 470, 36, black, Mono)
	// The portrait area: a light silhouette panel.
	l.Boxes = append(l.Boxes, Box{R: image.Rect(560, 60, 800, 360), Color: color.RGBA{205, 214, 222, 255}})
	return Specimen{Layout: l, Fields: map[string]string{
		"name": name, "sex": sex, "ethnicity": nat, "birth": birth.Format("2006-01-02"), "address": addr, "number": num,
	}}
}

func (g gen) idBack() Specimen {
	from := g.date(2005, 2024)
	years := []int{10, 20}[g.r.IntN(2)]
	to := from.AddDate(years, 0, 0)
	issue := g.pick(cities) + "公安局" + g.pick([]string{"东城", "西湖", "高新", "新城"}) + "分局"
	l := Layout{W: 856, H: 540, BG: color.RGBA{238, 240, 236, 255}, BG2: color.RGBA{228, 236, 230, 255}}
	l.Texts = []Text{
		{S: "中华人民共和国", X: 300, Y: 120, Size: 44, Face: Bold, Color: black},
		{S: "居民身份证", X: 250, Y: 220, Size: 70, Face: Bold, Color: black},
		{S: "签发机关", X: 150, Y: 380, Size: 26, Color: black},
		{S: issue, X: 300, Y: 380, Size: 28, Color: black},
		{S: "有效期限", X: 150, Y: 450, Size: 26, Color: black},
		{S: from.Format("2006.01.02") + "-" + to.Format("2006.01.02"), X: 300, Y: 450, Size: 28, Color: black},
	}
	return Specimen{Layout: l, Fields: map[string]string{
		"issue": issue, "valid_from": from.Format("2006-01-02"), "valid_to": to.Format("2006-01-02"),
	}}
}

// luhnComplete appends the Luhn check digit to body.
func luhnComplete(body string) string {
	for d := byte('0'); d <= '9'; d++ {
		if validate.Luhn(body + string(d)) {
			return body + string(d)
		}
	}
	return body
}

var cardBins = []struct{ bin, bank, typ string }{
	{"622202", "中国工商银行", "储蓄卡"}, {"622848", "中国农业银行", "储蓄卡"}, {"621700", "中国建设银行", "储蓄卡"},
	{"601382", "中国银行", "储蓄卡"}, {"622588", "招商银行", "储蓄卡"}, {"622575", "招商银行", "信用卡"},
	{"622260", "交通银行", "储蓄卡"}, {"622155", "平安银行", "信用卡"},
}

func (g gen) bankcard(valid bool) Specimen {
	b := cardBins[g.r.IntN(len(cardBins))]
	is := validate.LookupIssuer(b.bin + "0000000000000")
	n := is.Length
	body := b.bin
	for len(body) < n-1 {
		body += string(byte('0' + g.r.IntN(10)))
	}
	num := luhnComplete(body)
	if !valid {
		num = num[:n-1] + string(byte('0'+(num[n-1]-'0'+1+byte(g.r.IntN(8)))%10))
	}
	var grouped []string
	for i := 0; i < len(num); i += 4 {
		grouped = append(grouped, num[i:min(i+4, len(num))])
	}
	exp := fmt.Sprintf("%02d/%02d", 1+g.r.IntN(12), 26+g.r.IntN(10))
	bgs := []color.RGBA{{30, 70, 140, 255}, {150, 30, 40, 255}, {20, 110, 80, 255}, {60, 60, 70, 255}}
	bg := bgs[g.r.IntN(len(bgs))]
	l := Layout{W: 856, H: 540, BG: bg, BG2: color.RGBA{bg.R / 2, bg.G / 2, bg.B / 2, 255}}
	_, sur, giv := g.person()
	l.Texts = []Text{
		{S: b.bank, X: 60, Y: 90, Size: 44, Face: Bold, Color: white},
		{S: "银联 UnionPay", X: 600, Y: 480, Size: 28, Face: Bold, Color: white},
		{S: strings.Join(grouped, " "), X: 60, Y: 330, Size: 50, Face: Mono, Color: white},
		{S: "VALID THRU " + exp, X: 300, Y: 400, Size: 26, Face: Mono, Color: white},
		{S: sur + " " + giv, X: 60, Y: 470, Size: 28, Face: Mono, Color: white},
	}
	l.Boxes = []Box{{R: image.Rect(70, 160, 170, 235), Color: color.RGBA{200, 170, 90, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{"card_number": num, "bank_name": b.bank, "type": b.typ, "expiry_date": exp}}
}

func mrzName(s string) string { return strings.ReplaceAll(s, " ", "<") }

func pad(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat("<", n-len(s))
}

func ck(s string) string { return string(byte('0' + validate.MRZCheck(s))) }

func (g gen) passport(valid bool) Specimen {
	zh, sur, giv := g.person()
	_ = zh
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "M", false: "F"}[male]
	birth := g.date(1950, 2005)
	issue := g.date(2016, 2025)
	expiry := issue.AddDate(10, 0, 0)
	num := fmt.Sprintf("E%08d", g.r.IntN(1e8))
	l1 := pad("P<CHN"+sur+"<<"+mrzName(giv), 44)
	numCk := ck(num)
	if !valid {
		numCk = string(byte('0' + (int(numCk[0]-'0')+1+g.r.IntN(8))%10))
	}
	opt := pad("", 14)
	body := pad(num, 9) + numCk + "CHN" + birth.Format("060102") + ck(birth.Format("060102")) + sex + expiry.Format("060102") + ck(expiry.Format("060102")) + opt + "<"
	comp := body[0:10] + body[13:20] + body[21:43]
	l2 := body + ck(comp)
	mon := func(t time.Time) string { return strings.ToUpper(t.Format("02 Jan 2006")) }
	l := Layout{W: 1250, H: 880, BG: color.RGBA{240, 236, 226, 255}, BG2: color.RGBA{232, 226, 214, 255}}
	lab := func(zh, en string, x, y float64) Text {
		return Text{S: zh + "/" + en, X: x, Y: y, Size: 20, Color: grey}
	}
	v := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 30, Color: black, Face: Sans} }
	l.Texts = []Text{
		{S: "中华人民共和国 PEOPLE'S REPUBLIC OF CHINA", X: 360, Y: 70, Size: 30, Face: Bold, Color: black},
		lab("类型", "Type", 400, 130), v("P", 400, 170),
		lab("国家码", "Country Code", 560, 130), v("CHN", 560, 170),
		lab("护照号", "Passport No.", 800, 130), v(num, 800, 170),
		lab("姓", "Surname", 400, 220), v(sur, 400, 260),
		lab("名", "Given names", 400, 310), v(giv, 400, 350),
		lab("性别", "Sex", 400, 400), v(sex, 400, 440),
		lab("国籍", "Nationality", 800, 400), v("中国/CHINESE", 800, 440),
		lab("出生日期", "Date of birth", 600, 400), v(mon(birth), 600, 440),
		lab("签发日期", "Date of issue", 400, 490), v(mon(issue), 400, 530),
		lab("有效期至", "Date of expiry", 800, 490), v(mon(expiry), 800, 530),
		{S: l1, X: 60, Y: 730, Size: 40, Face: Mono, Color: black},
		{S: l2, X: 60, Y: 800, Size: 40, Face: Mono, Color: black},
	}
	l.Boxes = []Box{{R: image.Rect(60, 120, 340, 520), Color: color.RGBA{210, 205, 196, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{
		"passport_type": "P", "country_code": "CHN", "passport_number": num, "surname": sur, "given_name": giv,
		"sex": sex, "date_of_birth": birth.Format("2006-01-02"), "date_of_expiry": expiry.Format("2006-01-02"), "nationality": "CHN",
	}}
}

const vinChars = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

func (g gen) vinNumber(valid bool) string {
	b := []byte("LSV" + strings.Repeat("0", 14))
	for i := 3; i < 17; i++ {
		b[i] = vinChars[g.r.IntN(len(vinChars))]
	}
	b[9] = "NPRS"[g.r.IntN(4)] // a model-year letter
	b[8] = '0'
	c := validate.VINCheckChar(string(b))
	if !valid {
		c = "0123456789X"[(strings.IndexByte("0123456789X", c)+1+g.r.IntN(9))%11]
	}
	b[8] = c
	return string(b)
}

func (g gen) vin(valid bool) Specimen {
	v := g.vinNumber(valid)
	l := Layout{W: 900, H: 200, BG: color.RGBA{200, 204, 206, 255}, BG2: color.RGBA{180, 186, 190, 255}}
	l.Texts = []Text{{S: v, X: 60, Y: 125, Size: 56, Face: Mono, Color: black}}
	return Specimen{Layout: l, Fields: map[string]string{"vin": v}}
}

func (g gen) plateNumber() (string, string) {
	prov := []rune("京沪粤苏浙川鄂鲁")[g.r.IntN(8)]
	letter := "ABCDEFGHJK"[g.r.IntN(10)]
	serial := func(n int) string {
		const al = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
		var b []byte
		for i := 0; i < n; i++ {
			if g.r.IntN(3) == 0 {
				b = append(b, al[10+g.r.IntN(len(al)-10)])
			} else {
				b = append(b, al[g.r.IntN(10)])
			}
		}
		return string(b)
	}
	switch g.r.IntN(3) {
	case 0:
		return string(prov) + string(letter) + string("DF"[g.r.IntN(2)]) + serial(5), "green"
	case 1:
		return string(prov) + string(letter) + serial(5), "yellow"
	}
	return string(prov) + string(letter) + serial(5), "blue"
}

func (g gen) plate() Specimen {
	num, col := g.plateNumber()
	colours := map[string][2]color.RGBA{
		"blue":   {{20, 60, 170, 255}, white},
		"yellow": {{240, 190, 20, 255}, black},
		"green":  {{120, 200, 120, 255}, black},
	}
	c := colours[col]
	l := Layout{W: 900, H: 420, BG: color.RGBA{70, 72, 78, 255}, BG2: color.RGBA{40, 42, 46, 255}}
	l.Boxes = []Box{{R: image.Rect(200, 150, 700, 290), Color: c[0]}}
	rs := []rune(num)
	shown := string(rs[:2]) + "·" + string(rs[2:])
	size := 84.0
	if len(rs) == 8 {
		size = 72
	}
	l.Texts = []Text{{S: shown, X: 222, Y: 252, Size: size, Face: Bold, Color: c[1]}}
	return Specimen{Layout: l, Fields: map[string]string{"plate_number": num, "plate_color": col}}
}

func (g gen) uscc(valid bool) string {
	const al = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	b := []byte("91" + g.province() + "0100")
	for len(b) < 17 {
		b = append(b, al[g.r.IntN(len(al))])
	}
	c := validate.USCCCheckChar(string(b))
	if !valid {
		c = al[(strings.IndexByte(al, c)+1+g.r.IntN(29))%31]
	}
	return string(b) + string(c)
}

func (g gen) businessLicense(valid bool) Specimen {
	code := g.uscc(valid)
	name := g.pick(cities)[:6] + g.pick([]string{"星河", "远航", "嘉禾", "恒信", "天成"}) + g.pick([]string{"科技", "贸易", "餐饮", "物流"}) + "有限公司"
	rep, _, _ := g.person()
	found := g.date(2000, 2024)
	prov := g.province()
	addr := g.address(prov)
	capital := g.pick([]string{"壹佰万元整", "伍拾万元整", "叁佰万元整", "壹仟万元整"})
	l := Layout{W: 1400, H: 1000, BG: color.RGBA{246, 242, 236, 255}}
	lab := func(s string, y float64) Text { return Text{S: s, X: 120, Y: y, Size: 28, Color: black} }
	v := func(s string, y float64) Text { return Text{S: s, X: 340, Y: y, Size: 28, Color: black} }
	l.Texts = []Text{
		{S: "营业执照", X: 540, Y: 130, Size: 80, Face: Bold, Color: color.RGBA{160, 20, 20, 255}},
		{S: "统一社会信用代码", X: 120, Y: 230, Size: 26, Color: black}, {S: code, X: 360, Y: 230, Size: 30, Face: Mono, Color: black},
		lab("名    称", 320), v(name, 320),
		lab("类    型", 380), v("有限责任公司", 380),
		lab("法定代表人", 440), v(rep, 440),
		lab("注册资本", 500), v(capital, 500),
		lab("成立日期", 560), v(fmt.Sprintf("%d年%02d月%02d日", found.Year(), found.Month(), found.Day()), 560),
		lab("营业期限", 620), v(fmt.Sprintf("%d年%02d月%02d日至长期", found.Year(), found.Month(), found.Day()), 620),
		lab("住    所", 680), v(addr, 680),
	}
	return Specimen{Layout: l, Fields: map[string]string{
		"registration_number": code, "name": name, "type": "有限责任公司", "legal_representative": rep,
		"registered_capital": capital, "found_date": found.Format("2006-01-02"), "address": addr,
	}}
}

func (g gen) driverLicense() Specimen {
	name, _, _ := g.person()
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "男", false: "女"}[male]
	birth := g.date(1960, 2002)
	prov := g.province()
	num := g.idNumber(prov, birth, male, true)
	first := g.date(2005, 2020)
	from := first.AddDate(6, 0, 0)
	to := from.AddDate(10, 0, 0)
	addr := g.address(prov)
	class := g.pick([]string{"C1", "C2", "B2", "A2"})
	l := Layout{W: 1000, H: 660, BG: color.RGBA{236, 240, 246, 255}}
	lab := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 22, Color: grey} }
	v := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 28, Color: black} }
	l.Texts = []Text{
		{S: "中华人民共和国机动车驾驶证", X: 220, Y: 70, Size: 40, Face: Bold, Color: black},
		lab("证号", 60, 140), v(num, 170, 140),
		lab("姓名", 60, 200), v(name, 170, 200), lab("性别", 420, 200), v(sex, 500, 200), lab("国籍", 600, 200), v("中国", 680, 200),
		lab("住址", 60, 260), v(addr, 170, 260),
		lab("出生日期", 60, 380), v(birth.Format("2006-01-02"), 200, 380),
		lab("初次领证日期", 60, 440), v(first.Format("2006-01-02"), 240, 440),
		lab("准驾车型", 60, 500), v(class, 200, 500),
		lab("有效期限", 60, 560), v(from.Format("2006-01-02")+"至"+to.Format("2006-01-02"), 200, 560),
	}
	return Specimen{Layout: l, Fields: map[string]string{
		"number": num, "name": name, "sex": sex, "nationality": "中国", "address": addr, "birth": birth.Format("2006-01-02"),
		"issue_date": first.Format("2006-01-02"), "class": class, "valid_from": from.Format("2006-01-02"), "valid_to": to.Format("2006-01-02"),
	}}
}

func (g gen) vehicleLicense() Specimen {
	num, _ := g.plateNumber()
	name, _, _ := g.person()
	prov := g.province()
	addr := g.address(prov)
	vin := g.vinNumber(true)
	engine := fmt.Sprintf("%c%c%06d", 'A'+g.r.IntN(20), 'A'+g.r.IntN(20), g.r.IntN(1e6))
	reg := g.date(2010, 2024)
	iss := reg.AddDate(0, 0, g.r.IntN(30))
	model := g.pick([]string{"大众牌SVW7141", "丰田牌TV7250", "比亚迪牌BYD7152", "吉利牌MR7153"})
	vtype := g.pick([]string{"小型轿车", "小型普通客车", "小型越野客车"})
	l := Layout{W: 1000, H: 660, BG: color.RGBA{238, 242, 240, 255}}
	lab := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 22, Color: grey} }
	v := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 28, Color: black} }
	l.Texts = []Text{
		{S: "中华人民共和国机动车行驶证", X: 220, Y: 70, Size: 40, Face: Bold, Color: black},
		lab("号牌号码", 60, 140), v(num, 180, 140), lab("车辆类型", 480, 140), v(vtype, 600, 140),
		lab("所有人", 60, 200), v(name, 180, 200),
		lab("住址", 60, 260), v(addr, 180, 260),
		lab("使用性质", 60, 320), v("非营运", 180, 320), lab("品牌型号", 480, 320), v(model, 600, 320),
		lab("车辆识别代号", 60, 380), v(vin, 240, 380),
		lab("发动机号码", 60, 440), v(engine, 220, 440),
		lab("注册日期", 60, 500), v(reg.Format("2006-01-02"), 180, 500), lab("发证日期", 480, 500), v(iss.Format("2006-01-02"), 600, 500),
	}
	return Specimen{Layout: l, Fields: map[string]string{
		"number": num, "vehicle_type": vtype, "name": name, "address": addr, "use_character": "非营运", "model": model,
		"vin": vin, "engine_no": engine, "register_date": reg.Format("2006-01-02"), "issue_date": iss.Format("2006-01-02"),
	}}
}

// Traditional forms of the specimen names, for the Hong Kong card.
var trad = map[string]string{"刘": "劉", "陈": "陳", "杨": "楊", "赵": "趙", "黄": "黃", "周": "周", "吴": "吳", "孙": "孫", "马": "馬", "罗": "羅",
	"华": "華", "建国": "建國", "晓燕": "曉燕", "志强": "志強", "丽": "麗", "伟": "偉", "军": "軍", "海涛": "海濤", "佳琪": "佳琪", "静": "靜"}

func tradOf(s string) string {
	for k, v := range trad {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func (g gen) hkIDCard(valid bool) Specimen {
	s, gv := g.pick(surnames), g.pick(givens)
	name := tradOf(s + gv)
	en := pinyinS[s] + ", " + strings.ToUpper(pinyinG[gv][:1]) + strings.ToLower(pinyinG[gv][1:])
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "男", false: "女"}[male]
	birth := g.date(1950, 2005)
	issue := g.date(2018, 2025)
	body := fmt.Sprintf("%c%06d", 'A'+g.r.IntN(26), g.r.IntN(1e6))
	c := validate.HKIDCheckChar(body)
	if !valid {
		c = "0123456789A"[(strings.IndexByte("0123456789A", c)+1+g.r.IntN(9))%11]
	}
	num := body + "(" + string(c) + ")"
	l := Layout{W: 856, H: 540, BG: color.RGBA{236, 238, 232, 255}, BG2: color.RGBA{226, 232, 236, 255}}
	l.Texts = []Text{
		{S: "香港永久性居民身份證", X: 40, Y: 60, Size: 30, Face: Bold, Color: black},
		{S: "HONG KONG PERMANENT IDENTITY CARD", X: 40, Y: 95, Size: 20, Color: black},
		{S: name, X: 40, Y: 160, Size: 34, Color: black},
		{S: en, X: 40, Y: 205, Size: 26, Color: black},
		{S: "出生日期 Date of Birth", X: 40, Y: 260, Size: 18, Color: grey},
		{S: birth.Format("02-01-2006"), X: 40, Y: 295, Size: 26, Color: black},
		{S: "性別 Sex", X: 300, Y: 260, Size: 18, Color: grey},
		{S: sex + " " + map[bool]string{true: "M", false: "F"}[male], X: 300, Y: 295, Size: 26, Color: black},
		{S: "***AZ", X: 40, Y: 350, Size: 26, Face: Mono, Color: black},
		{S: "簽發日期 Date of Issue", X: 40, Y: 400, Size: 18, Color: grey},
		{S: issue.Format("02-01-06"), X: 40, Y: 435, Size: 26, Color: black},
		{S: num, X: 560, Y: 480, Size: 34, Face: Mono, Color: black},
	}
	l.Boxes = []Box{{R: image.Rect(560, 130, 800, 420), Color: color.RGBA{206, 212, 214, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{
		"name": name, "name_en": en, "sex": sex, "birth_date": birth.Format("02-01-2006"), "number": num,
		"symbols": "***AZ", "issue_date": issue.Format("02-01-06"),
	}}
}

func (g gen) exitEntryPermit() Specimen {
	s, gv := g.pick(surnames), g.pick(givens)
	name := s + gv
	en := pinyinS[s] + "," + pinyinG[gv]
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "男", false: "女"}[male]
	birth := g.date(1950, 2005)
	from := g.date(2016, 2025)
	to := from.AddDate(10, 0, -1)
	num := fmt.Sprintf("C%08d", g.r.IntN(1e8))
	place := provs[g.province()][:6]
	l := Layout{W: 856, H: 540, BG: color.RGBA{232, 240, 236, 255}}
	lab := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 18, Color: grey} }
	v := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 28, Color: black} }
	l.Texts = []Text{
		{S: "中华人民共和国往来港澳通行证", X: 200, Y: 50, Size: 30, Face: Bold, Color: black},
		{S: num, X: 600, Y: 110, Size: 28, Face: Mono, Color: color.RGBA{170, 30, 30, 255}},
		lab("姓名", 280, 140), v(name, 360, 140),
		v(en, 360, 185),
		lab("出生日期", 280, 235), v(birth.Format("2006.01.02"), 400, 235),
		lab("性别", 640, 235), v(sex, 700, 235),
		lab("有效期限", 280, 290), v(from.Format("2006.01.02")+"-"+to.Format("2006.01.02"), 400, 290),
		lab("签发地点", 280, 345), v(place, 400, 345),
		lab("签发机关", 280, 400), v("中华人民共和国出入境管理局", 400, 400),
	}
	l.Boxes = []Box{{R: image.Rect(40, 110, 240, 380), Color: color.RGBA{206, 214, 210, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{
		"name": name, "name_en": en, "sex": sex, "birth_date": birth.Format("2006-01-02"), "number": num,
		"valid_period": from.Format("2006.01.02") + "-" + to.Format("2006.01.02"), "issue_place": place,
	}}
}

// mainlandTravelPermit is the card of Hong Kong and Macao residents for
// visiting the mainland (港澳居民来往内地通行证).
func (g gen) mainlandTravelPermit() Specimen {
	s, gv := g.pick(surnames), g.pick(givens)
	name := s + gv
	en := pinyinS[s] + "," + pinyinG[gv]
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "男", false: "女"}[male]
	birth := g.date(1950, 2005)
	from := g.date(2016, 2025)
	to := from.AddDate(10, 0, -1)
	num := fmt.Sprintf("%c%08d", "HM"[g.r.IntN(2)], g.r.IntN(1e8))
	times := fmt.Sprintf("%02d", 1+g.r.IntN(5))
	l := Layout{W: 856, H: 540, BG: color.RGBA{236, 236, 244, 255}}
	lab := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 18, Color: grey} }
	v := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 28, Color: black} }
	l.Texts = []Text{
		{S: "港澳居民来往内地通行证", X: 240, Y: 50, Size: 30, Face: Bold, Color: black},
		lab("姓名", 280, 120), v(name, 360, 120),
		v(en, 360, 165),
		lab("出生日期", 280, 215), v(birth.Format("2006.01.02"), 400, 215),
		lab("性别", 640, 215), v(sex, 700, 215),
		lab("有效期限", 280, 270), v(from.Format("2006.01.02")+"-"+to.Format("2006.01.02"), 400, 270),
		lab("签发机关", 280, 325), v("公安部出入境管理局", 400, 325),
		lab("换证次数", 280, 380), v(times, 400, 380),
		{S: num, X: 520, Y: 470, Size: 34, Face: Mono, Color: black},
	}
	l.Boxes = []Box{{R: image.Rect(40, 100, 240, 370), Color: color.RGBA{206, 210, 218, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{
		"name": name, "name_en": en, "sex": sex, "birth_date": birth.Format("2006-01-02"), "number": num,
		"valid_period": from.Format("2006.01.02") + "-" + to.Format("2006.01.02"), "issuing_authority": "公安部出入境管理局", "issue_times": times,
	}}
}

// transportationLicense is the road transport certificate (道路运输证).
func (g gen) transportationLicense() Specimen {
	owner := g.pick(cities)[:6] + g.pick([]string{"顺达", "通途", "远通", "安达"}) + "运输有限公司"
	num := fmt.Sprintf("%s%09d", []string{"京", "沪", "粤", "苏", "浙"}[g.r.IntN(5)], g.r.IntN(1e9))
	plate, _ := g.plateNumber()
	addr := g.address(g.province())
	cap := fmt.Sprintf("%d吨", 2+g.r.IntN(30))
	size := fmt.Sprintf("%d×%d×%d毫米", 5000+g.r.IntN(7000), 2000+g.r.IntN(500), 2500+g.r.IntN(1500))
	issue := g.date(2015, 2025)
	l := Layout{W: 1000, H: 700, BG: color.RGBA{240, 240, 232, 255}}
	lab := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 22, Color: grey} }
	v := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 28, Color: black} }
	l.Texts = []Text{
		{S: "中华人民共和国道路运输证", X: 260, Y: 70, Size: 40, Face: Bold, Color: black},
		lab("业户名称", 60, 140), v(owner, 200, 140),
		lab("地址", 60, 200), v(addr, 200, 200),
		lab("车辆号牌", 60, 260), v(plate, 200, 260), lab("经济类型", 520, 260), v("有限责任公司", 640, 260),
		lab("车辆类型", 60, 320), v("重型厢式货车", 200, 320), lab("吨(座)位", 520, 320), v(cap, 640, 320),
		lab("车辆尺寸", 60, 380), v(size, 200, 380),
		lab("经营范围", 60, 440), v("普通货运", 200, 440),
		lab("道路运输证号", 60, 500), v(num, 240, 500),
		lab("核发日期", 60, 560), v(issue.Format("2006-01-02"), 200, 560),
	}
	return Specimen{Layout: l, Fields: map[string]string{
		"owner_name": owner, "owner_address": addr, "vehicle_number": plate, "economic_type": "有限责任公司", "vehicle_type": "重型厢式货车",
		"maximum_capacity": cap, "vehicle_size": size, "business_scope": "普通货运", "license_number": num, "issue_date": issue.Format("2006-01-02"),
	}}
}

// businessCard is a name card.
func (g gen) businessCard() Specimen {
	name, sur, _ := g.person()
	company := g.pick(cities)[:6] + g.pick([]string{"星河", "远航", "嘉禾", "恒信", "天成"}) + g.pick([]string{"科技", "贸易", "咨询"}) + "有限公司"
	title := g.pick([]string{"销售经理", "技术总监", "高级工程师", "市场主管"})
	phone := fmt.Sprintf("1%d%09d", 3+g.r.IntN(7), g.r.IntN(1e9))
	email := strings.ToLower(sur) + fmt.Sprintf("%d@example.com", g.r.IntN(100))
	addr := g.address(g.province())
	l := Layout{W: 900, H: 540, BG: color.RGBA{250, 250, 248, 255}}
	l.Texts = []Text{
		{S: company, X: 60, Y: 90, Size: 30, Face: Bold, Color: blue},
		{S: name, X: 60, Y: 210, Size: 52, Face: Bold, Color: black},
		{S: title, X: 60, Y: 270, Size: 26, Color: grey},
		{S: "手机：" + phone, X: 60, Y: 370, Size: 24, Color: black},
		{S: "邮箱：" + email, X: 60, Y: 415, Size: 24, Color: black},
		{S: "地址：" + addr, X: 60, Y: 460, Size: 24, Color: black},
	}
	return Specimen{Layout: l, Fields: map[string]string{
		"name": name, "company": company, "title": title, "phone": phone, "email": email, "address": addr,
	}}
}

var (
	esSurnames = []string{"GONZALEZ", "MUNOZ", "ROJAS", "DIAZ", "SOTO", "CONTRERAS", "SILVA", "TORRES", "REYES", "FUENTES"}
	esNames    = []string{"MARIA JOSE", "JUAN PABLO", "CAMILA", "DIEGO", "VALENTINA", "FELIPE", "CATALINA", "MATIAS"}
	esMonths   = []string{"ENE", "FEB", "MAR", "ABR", "MAY", "JUN", "JUL", "AGO", "SEP", "OCT", "NOV", "DIC"}
)

func esDate(t time.Time) string {
	return fmt.Sprintf("%02d %s %d", t.Day(), esMonths[t.Month()-1], t.Year())
}

// chileIDCard is the Chilean identity card (cédula de identidad).
func (g gen) chileIDCard(valid bool) Specimen {
	sur := g.pick(esSurnames) + " " + g.pick(esSurnames)
	given := g.pick(esNames)
	male := g.r.IntN(2) == 0
	sex := map[bool]string{true: "M", false: "F"}[male]
	birth := g.date(1950, 2005)
	issue := g.date(2016, 2025)
	expiry := issue.AddDate(10, 0, 0)
	body := fmt.Sprintf("%d", 5000000+g.r.IntN(25000000))
	c := validate.RUNCheckChar(body)
	if !valid {
		c = "0123456789K"[(strings.IndexByte("0123456789K", c)+1+g.r.IntN(9))%11]
	}
	run := fmt.Sprintf("%s.%s.%s-%c", body[:len(body)-6], body[len(body)-6:len(body)-3], body[len(body)-3:], c)
	doc := fmt.Sprintf("%03d.%03d.%03d", g.r.IntN(1000), g.r.IntN(1000), g.r.IntN(1000))
	l := Layout{W: 856, H: 540, BG: color.RGBA{230, 236, 244, 255}}
	lab := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 16, Color: grey} }
	v := func(s string, x, y float64) Text { return Text{S: s, X: x, Y: y, Size: 24, Color: black} }
	l.Texts = []Text{
		{S: "REPUBLICA DE CHILE", X: 280, Y: 45, Size: 26, Face: Bold, Color: blue},
		{S: "CEDULA DE IDENTIDAD", X: 280, Y: 75, Size: 20, Color: blue},
		lab("APELLIDOS", 280, 115), v(sur, 280, 145),
		lab("NOMBRES", 280, 185), v(given, 280, 215),
		lab("NACIONALIDAD", 280, 255), v("CHILENA", 280, 285), lab("SEXO", 520, 255), v(sex, 520, 285),
		lab("FECHA DE NACIMIENTO", 280, 325), v(esDate(birth), 280, 355), lab("NUMERO DOCUMENTO", 560, 325), v(doc, 560, 355),
		lab("FECHA DE EMISION", 280, 395), v(esDate(issue), 280, 425), lab("FECHA DE VENCIMIENTO", 560, 395), v(esDate(expiry), 560, 425),
		{S: "RUN " + run, X: 40, Y: 480, Size: 28, Face: Bold, Color: black},
	}
	l.Boxes = []Box{{R: image.Rect(40, 100, 250, 400), Color: color.RGBA{206, 212, 222, 255}}}
	return Specimen{Layout: l, Fields: map[string]string{
		"surname": sur, "given_name": given, "nationality": "CHILENA", "sex": sex, "birth": birth.Format("2006-01-02"),
		"issue_date": issue.Format("2006-01-02"), "expiry_date": expiry.Format("2006-01-02"), "document_number": doc, "number": run,
	}}
}
