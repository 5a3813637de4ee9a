package specimen

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
)

// Invoices and tickets. Labels are printed in the invoices' brown, values
// in black (the OFD writer keeps the labels in the page's template, as
// electronic invoices do). Every fifth specimen of a kind with a printed
// cross-check (n%5 == 4) prints an uppercase amount that disagrees with
// the figures: the values are still returned as printed, and the check
// says the amounts disagree.

type moreKind struct {
	make    func(g gen, valid bool) Specimen
	checked bool // Valid is the cross-check's expected verdict
}

var invoiceKinds = map[string]moreKind{
	"vat_invoice":      {gen.vatInvoice, true},
	"quota_invoice":    {gen.quotaInvoice, true},
	"taxi_invoice":     {gen.taxiInvoice, false},
	"toll_invoice":     {gen.tollInvoice, false},
	"train_ticket":     {gen.trainTicket, false},
	"bank_receipt":     {gen.bankReceipt, false},
	"mvs_invoice":      {gen.mvsInvoice, true},
	"flight_itinerary": {gen.flightItinerary, false},
}

// InvoiceKinds are the invoice and ticket kinds, in report order.
var InvoiceKinds = []string{"vat_invoice", "quota_invoice", "taxi_invoice", "toll_invoice", "train_ticket", "bank_receipt", "mvs_invoice", "flight_itinerary"}

func init() {
	Kinds = append(Kinds, InvoiceKinds...)
	for k, v := range invoiceKinds {
		moreKinds[k] = v
	}
}

var (
	brown    = color.RGBA{150, 80, 40, 255}
	regions  = []string{"北京", "上海", "江苏", "浙江", "广东", "四川", "湖北", "山东"}
	words    = []string{"星河", "远航", "嘉禾", "恒信", "天成", "明远", "博达", "同创"}
	trades   = []string{"科技", "贸易", "咨询", "物流", "信息技术"}
	vatTypes = []string{"special", "normal", "electronic", "special_electronic", "fully_digitalized_special_electronic", "fully_digitalized_normal_electronic"}
	goods    = []struct{ name, spec, unit string }{
		{"*信息技术服务*软件开发服务费", "", "项"}, {"*纸制品*A4复印纸", "A4-70g", "箱"}, {"*计算机外部设备*显示器", "27英寸", "台"},
		{"*餐饮服务*餐费", "", "次"}, {"*经纪代理服务*会议服务费", "", "次"}, {"*研发和技术服务*技术咨询服务费", "", "项"},
		{"*电子计算机*笔记本电脑", "X14-I7", "台"}, {"*日用杂品*办公文具", "", "套"},
	}
)

func (g gen) company() string {
	return g.pick(cities)[:6] + g.pick(words) + g.pick(trades) + "有限公司"
}

func (g gen) digits(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

func (g gen) phone() string {
	return fmt.Sprintf("0%d-%08d", 10+g.r.IntN(80), 10000000+g.r.IntN(89999999))
}

func (g gen) account() string {
	return g.pick(cities)[:6] + "银行" + g.pick(streets)[:6] + "支行" + g.digits(16)
}

// wrap breaks s into lines of at most n runes.
func wrap(s string, n int) []string { return splitAddress(s, n) }

// vatItem is one goods line with exact amounts in fen.
type vatItem struct {
	name, spec, unit string
	qty              int
	price, amount    int64
	rate             int // per cent
	tax              int64
}

func (g gen) vatItems() []vatItem {
	n := 1 + g.r.IntN(3)
	var out []vatItem
	used := map[int]bool{}
	for len(out) < n {
		k := g.r.IntN(len(goods))
		if used[k] {
			continue
		}
		used[k] = true
		gd := goods[k]
		it := vatItem{name: gd.name, spec: gd.spec, unit: gd.unit, qty: 1 + g.r.IntN(9), price: int64(100 + g.r.IntN(99900)), rate: []int{13, 6, 9, 3}[g.r.IntN(4)]}
		it.amount = int64(it.qty) * it.price
		it.tax = (it.amount*int64(it.rate) + 50) / 100
		out = append(out, it)
	}
	return out
}

func (g gen) vatInvoice(valid bool) Specimen {
	typ := vatTypes[g.r.IntN(len(vatTypes))]
	if strings.HasPrefix(typ, "fully") {
		return g.vatDigital(typ, valid)
	}
	region := g.pick(regions)
	title := map[string]string{"special": "增值税专用发票", "normal": "增值税普通发票", "electronic": "增值税电子普通发票", "special_electronic": "增值税电子专用发票"}[typ]
	code := g.digits(10)
	if typ != "special" {
		code = g.digits(12)
	}
	number := g.digits(8)
	date := g.date(2019, 2025)
	check := g.digits(20)
	machine := g.digits(12)
	buyer, seller := g.company(), g.company()
	bid, sid := g.uscc(true), g.uscc(true)
	baddr := g.address(g.province()) + " " + g.phone()
	saddr := g.address(g.province()) + " " + g.phone()
	bbank, sbank := g.account(), g.account()
	items := g.vatItems()
	receiver, _, _ := g.person()
	reviewer, _, _ := g.person()
	issuer, _, _ := g.person()
	remark := "合同号HT" + g.digits(8)

	l := Layout{W: 1400, H: 900, BG: color.RGBA{250, 248, 240, 255}}
	lab := func(s string, x, y float64) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: 20, Color: brown})
	}
	val := func(s string, x, y float64) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: 20, Color: black})
	}
	l.Texts = append(l.Texts, Text{S: region + title, X: 440, Y: 70, Size: 40, Face: Bold, Color: brown})
	f := map[string]string{"type": typ, "title": region + title, "code": code, "number": number,
		"issue_date": date.Format("2006-01-02"), "buyer_name": buyer, "buyer_id": bid, "buyer_address": nospace(baddr), "buyer_bank": nospace(bbank),
		"seller_name": seller, "seller_id": sid, "seller_address": nospace(saddr), "seller_bank": nospace(sbank)}
	if typ == "special" || typ == "normal" {
		serial := map[string]string{"special": "第三联：发票联", "normal": "第二联：发票联"}[typ]
		l.Texts = append(l.Texts, Text{S: serial, X: 560, Y: 110, Size: 22, Color: brown})
	}
	lab("发票代码：", 1010, 60)
	val(code, 1120, 60)
	lab("发票号码：", 1010, 95)
	val(number, 1120, 95)
	lab("开票日期：", 1010, 130)
	val(fmt.Sprintf("%d年%02d月%02d日", date.Year(), date.Month(), date.Day()), 1120, 130)
	if typ == "normal" || typ == "electronic" {
		lab("校 验 码：", 1010, 165)
		val(check[:5]+" "+check[5:10]+" "+check[10:15]+" "+check[15:], 1120, 165)
		f["check_code"] = check
	}
	lab("机器编号：", 60, 140)
	val(machine, 170, 140)
	for i, r := range []rune("购买方") {
		lab(string(r), 30, 220+float64(i)*40)
	}
	party := func(y float64, name, id, addr, bank string) {
		lab("名        称：", 80, y)
		val(name, 230, y)
		lab("纳税人识别号：", 80, y+36)
		val(id, 230, y+36)
		lab("地 址、电 话：", 80, y+72)
		val(addr, 230, y+72)
		lab("开户行及账号：", 80, y+108)
		val(bank, 230, y+108)
	}
	party(210, buyer, bid, baddr, bbank)
	for i, r := range []rune("密码区") {
		lab(string(r), 830, 220+float64(i)*40)
	}
	const cipher = "0123456789+-*/<>"
	for i := 0; i < 4; i++ {
		var b strings.Builder
		for j := 0; j < 27; j++ {
			b.WriteByte(cipher[g.r.IntN(len(cipher))])
		}
		l.Texts = append(l.Texts, Text{S: b.String(), X: 870, Y: 215 + float64(i)*30, Size: 20, Face: Mono, Color: black})
	}
	l.Boxes = append(l.Boxes, hline(20, 1380, 175), hline(20, 1380, 345), hline(20, 1380, 600), hline(20, 1380, 655), hline(20, 1380, 830))
	lab("货物或应税劳务、服务名称", 60, 380)
	lab("规格型号", 430, 380)
	lab("单 位", 590, 380)
	lab("数 量", 680, 380)
	lab("单 价", 800, 380)
	lab("金 额", 940, 380)
	lab("税率", 1110, 380)
	lab("税 额", 1230, 380)
	y := 420.0
	var sumA, sumT int64
	for i, it := range items {
		names := wrap(it.name, 10)
		for j, n := range names {
			val(n, 60, y+float64(j)*28)
		}
		val(it.spec, 430, y)
		val(it.unit, 590, y)
		val(fmt.Sprint(it.qty), 680, y)
		val(validate.FormatFen(it.price), 800, y)
		val(validate.FormatFen(it.amount), 940, y)
		val(fmt.Sprintf("%d%%", it.rate), 1110, y)
		val(validate.FormatFen(it.tax), 1230, y)
		p := fmt.Sprintf("item_list.%d.", i)
		f[p+"name"], f[p+"unit"], f[p+"quantity"] = it.name, it.unit, fmt.Sprint(it.qty)
		f[p+"unit_price"], f[p+"amount"], f[p+"tax_rate"], f[p+"tax"] = validate.FormatFen(it.price), validate.FormatFen(it.amount), fmt.Sprintf("%d%%", it.rate), validate.FormatFen(it.tax)
		if it.spec != "" {
			f[p+"specification"] = it.spec
		}
		y += float64(len(names))*28 + 14
		sumA += it.amount
		sumT += it.tax
	}
	total := sumA + sumT
	inWords := validate.AmountInWords(total)
	if !valid {
		inWords = validate.AmountInWords(total + 100*int64(1+g.r.IntN(9)))
	}
	lab("合        计", 120, 630)
	val("¥"+validate.FormatFen(sumA), 930, 630)
	val("¥"+validate.FormatFen(sumT), 1230, 630)
	lab("价税合计（大写）", 60, 685)
	val("⊗"+inWords, 300, 685)
	lab("（小写）", 900, 685)
	val("¥"+validate.FormatFen(total), 990, 685)
	for i, r := range []rune("销售方") {
		lab(string(r), 30, 700+float64(i)*40)
	}
	party(710, seller, sid, saddr, sbank)
	lab("备注：", 830, 710)
	val(remark, 900, 710)
	lab("收款人：", 60, 870)
	val(receiver, 150, 870)
	lab("复核：", 400, 870)
	val(reviewer, 470, 870)
	lab("开票人：", 700, 870)
	val(issuer, 790, 870)
	lab("销售方：（章）", 1050, 870)
	f["subtotal_amount"], f["subtotal_tax"], f["total"] = validate.FormatFen(sumA), validate.FormatFen(sumT), validate.FormatFen(total)
	f["total_in_words"], f["remarks"], f["receiver"], f["reviewer"], f["issuer"] = inWords, remark, receiver, reviewer, issuer
	f["machine_number"] = machine
	return Specimen{Layout: l, Fields: f}
}

// vatDigital is the fully digitalised invoice (全电发票): no code, a
// 20-digit number, the parties side by side.
func (g gen) vatDigital(typ string, valid bool) Specimen {
	title := map[string]string{"fully_digitalized_special_electronic": "电子发票（增值税专用发票）", "fully_digitalized_normal_electronic": "电子发票（普通发票）"}[typ]
	number := fmt.Sprintf("%02d", 20+g.r.IntN(6)) + g.digits(18)
	date := g.date(2021, 2025)
	buyer, seller := g.company(), g.company()
	bid, sid := g.uscc(true), g.uscc(true)
	items := g.vatItems()
	issuer, _, _ := g.person()
	remark := "项目编号XM" + g.digits(6)
	l := Layout{W: 1400, H: 800, BG: color.RGBA{252, 250, 246, 255}}
	lab := func(s string, x, y float64) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: 20, Color: brown})
	}
	val := func(s string, x, y float64) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: 20, Color: black})
	}
	l.Texts = append(l.Texts, Text{S: title, X: 420, Y: 80, Size: 38, Face: Bold, Color: brown})
	lab("发票号码：", 1000, 60)
	val(number, 1110, 60)
	lab("开票日期：", 1000, 100)
	val(fmt.Sprintf("%d年%02d月%02d日", date.Year(), date.Month(), date.Day()), 1110, 100)
	f := map[string]string{"type": typ, "title": title, "number": number, "issue_date": date.Format("2006-01-02"),
		"buyer_name": buyer, "buyer_id": bid, "seller_name": seller, "seller_id": sid}
	for i, r := range []rune("购买方信息") {
		lab(string(r), 30, 170+float64(i)*26)
	}
	for i, r := range []rune("销售方信息") {
		lab(string(r), 710, 170+float64(i)*26)
	}
	lab("名称：", 70, 200)
	val(buyer, 140, 200)
	lab("统一社会信用代码/纳税人识别号：", 70, 250)
	val(bid, 400, 250)
	lab("名称：", 750, 200)
	val(seller, 820, 200)
	lab("统一社会信用代码/纳税人识别号：", 750, 250)
	val(sid, 1080, 250)
	l.Boxes = append(l.Boxes, hline(20, 1380, 140), hline(20, 1380, 290), hline(20, 1380, 590), hline(20, 1380, 640), vline(700, 140, 290))
	lab("项目名称", 60, 320)
	lab("规格型号", 430, 320)
	lab("单 位", 590, 320)
	lab("数 量", 680, 320)
	lab("单 价", 800, 320)
	lab("金 额", 940, 320)
	lab("税率/征收率", 1110, 320)
	lab("税 额", 1260, 320)
	y := 360.0
	var sumA, sumT int64
	for i, it := range items {
		names := wrap(it.name, 10)
		for j, n := range names {
			val(n, 60, y+float64(j)*28)
		}
		val(it.spec, 430, y)
		val(it.unit, 590, y)
		val(fmt.Sprint(it.qty), 680, y)
		val(validate.FormatFen(it.price), 800, y)
		val(validate.FormatFen(it.amount), 940, y)
		val(fmt.Sprintf("%d%%", it.rate), 1120, y)
		val(validate.FormatFen(it.tax), 1260, y)
		p := fmt.Sprintf("item_list.%d.", i)
		f[p+"name"], f[p+"unit"], f[p+"quantity"] = it.name, it.unit, fmt.Sprint(it.qty)
		f[p+"unit_price"], f[p+"amount"], f[p+"tax_rate"], f[p+"tax"] = validate.FormatFen(it.price), validate.FormatFen(it.amount), fmt.Sprintf("%d%%", it.rate), validate.FormatFen(it.tax)
		if it.spec != "" {
			f[p+"specification"] = it.spec
		}
		y += float64(len(names))*28 + 14
		sumA += it.amount
		sumT += it.tax
	}
	total := sumA + sumT
	inWords := validate.AmountInWords(total)
	if !valid {
		inWords = validate.AmountInWords(total + 100*int64(1+g.r.IntN(9)))
	}
	lab("合        计", 120, 570)
	val("¥"+validate.FormatFen(sumA), 930, 570)
	val("¥"+validate.FormatFen(sumT), 1260, 570)
	lab("价税合计（大写）", 60, 625)
	val("⊗"+inWords, 300, 625)
	lab("（小写）", 900, 625)
	val("¥"+validate.FormatFen(total), 990, 625)
	lab("备注：", 60, 690)
	val(remark, 140, 690)
	lab("开票人：", 60, 770)
	val(issuer, 150, 770)
	f["subtotal_amount"], f["subtotal_tax"], f["total"] = validate.FormatFen(sumA), validate.FormatFen(sumT), validate.FormatFen(total)
	f["total_in_words"], f["remarks"], f["issuer"] = inWords, remark, issuer
	return Specimen{Layout: l, Fields: f}
}

func hline(x0, x1, y int) Box { return Box{R: image.Rect(x0, y, x1, y+2), Color: brown} }
func vline(x, y0, y1 int) Box { return Box{R: image.Rect(x, y0, x+2, y1), Color: brown} }

func nospace(s string) string { return strings.Join(strings.Fields(s), "") }

func (g gen) quotaInvoice(valid bool) Specimen {
	city := g.pick(cities)
	code, number := g.digits(12), g.digits(8)
	yuan := []int64{1, 2, 5, 10, 20, 50, 100}[g.r.IntN(7)]
	words := validate.AmountInWords(yuan * 100)
	figures := yuan * 100
	if !valid {
		figures = yuan*100 + 100*int64(1+g.r.IntN(4))
	}
	l := Layout{W: 700, H: 420, BG: color.RGBA{248, 244, 236, 255}}
	l.Texts = []Text{
		{S: city + "通用定额发票", X: 170, Y: 70, Size: 36, Face: Bold, Color: brown},
		{S: "发票联", X: 300, Y: 115, Size: 24, Color: brown},
		{S: "发票代码", X: 40, Y: 170, Size: 22, Color: brown}, {S: code, X: 150, Y: 170, Size: 24, Face: Mono},
		{S: "发票号码", X: 40, Y: 215, Size: 22, Color: brown}, {S: number, X: 150, Y: 215, Size: 24, Face: Mono},
		{S: strings.TrimSuffix(words, "整"), X: 230, Y: 310, Size: 56, Face: Bold, Color: color.RGBA{170, 30, 30, 255}},
		{S: "（小写）", X: 40, Y: 380, Size: 22, Color: brown}, {S: "¥" + validate.FormatFen(figures), X: 140, Y: 380, Size: 24},
	}
	return Specimen{Layout: l, Fields: map[string]string{"code": code, "number": number, "location": city, "amount": validate.FormatFen(figures)}}
}

func (g gen) taxiInvoice(bool) Specimen {
	city := g.pick(cities)
	code, number := g.digits(12), g.digits(8)
	phone := g.phone()
	plate, _ := g.plateNumber()
	cert := g.digits(6)
	date := g.date(2019, 2025)
	h, m := 6+g.r.IntN(14), g.r.IntN(60)
	ride := 8 + g.r.IntN(50)
	h2, m2 := h+(m+ride)/60, (m+ride)%60
	price := int64(200 + g.r.IntN(80))
	km := 20 + g.r.IntN(300) // tenths
	wait := fmt.Sprintf("00:%02d:%02d", g.r.IntN(15), g.r.IntN(60))
	fare := price*int64(km)/10 + 1300
	fuel := int64(100)
	total := fare + fuel
	company := g.pick(cities)[:6] + g.pick(words) + "出租汽车有限公司"
	l := Layout{W: 560, H: 1000, BG: color.RGBA{250, 250, 246, 255}}
	row := 0
	add := func(k, v string) {
		y := 190 + float64(row)*52
		l.Texts = append(l.Texts, Text{S: k, X: 50, Y: y, Size: 24, Color: brown}, Text{S: v, X: 220, Y: y, Size: 26})
		row++
	}
	l.Texts = []Text{{S: city + "出租汽车专用发票", X: 60, Y: 70, Size: 32, Face: Bold, Color: brown}, {S: "发票联", X: 220, Y: 120, Size: 24, Color: brown}}
	add("发票代码", code)
	add("发票号码", number)
	add("监督电话", phone)
	add("单位", company)
	add("车号", plate)
	add("证号", cert)
	add("日期", date.Format("2006-01-02"))
	add("上车", fmt.Sprintf("%02d:%02d", h, m))
	add("下车", fmt.Sprintf("%02d:%02d", h2, m2))
	add("单价", validate.FormatFen(price)+"元")
	add("里程", fmt.Sprintf("%d.%dkm", km/10, km%10))
	add("等候", wait)
	add("金额", validate.FormatFen(fare)+"元")
	add("燃油附加费", validate.FormatFen(fuel)+"元")
	add("实收金额", validate.FormatFen(total)+"元")
	return Specimen{Layout: l, Fields: map[string]string{
		"location": city, "code": code, "number": number, "phone_number": phone, "company": company, "taxi_number": plate,
		"certificate_number": cert, "date": date.Format("2006-01-02"), "boarding_time": fmt.Sprintf("%02d:%02d", h, m),
		"alighting_time": fmt.Sprintf("%02d:%02d", h2, m2), "unit_price": validate.FormatFen(price), "distance": fmt.Sprintf("%d.%dkm", km/10, km%10),
		"waiting_time": wait, "fare": validate.FormatFen(fare), "fuel_oil_surcharge": validate.FormatFen(fuel), "total": validate.FormatFen(total),
	}}
}

func (g gen) tollInvoice(bool) Specimen {
	code, number := g.digits(12), g.digits(8)
	st := []string{"东岭收费站", "白云收费站", "明湖收费站", "南屿收费站", "长河收费站", "青山收费站"}
	i := g.r.IntN(len(st))
	entry, exit := st[i], st[(i+1+g.r.IntN(len(st)-1))%len(st)]
	vt := g.pick([]string{"一型车", "二型车", "三型车", "客一"})
	amount := int64(500 + g.r.IntN(20000))
	cashier := g.digits(5)
	date := g.date(2019, 2025)
	tm := fmt.Sprintf("%02d:%02d:%02d", g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
	l := Layout{W: 600, H: 760, BG: color.RGBA{250, 248, 244, 255}}
	l.Texts = []Text{{S: g.pick(regions) + "高速公路车辆通行费发票", X: 40, Y: 70, Size: 30, Face: Bold, Color: brown}}
	row := 0
	add := func(k, v string) {
		y := 160 + float64(row)*60
		l.Texts = append(l.Texts, Text{S: k, X: 50, Y: y, Size: 24, Color: brown}, Text{S: v, X: 200, Y: y, Size: 26})
		row++
	}
	add("发票代码", code)
	add("发票号码", number)
	add("入口", entry)
	add("出口", exit)
	add("车型", vt)
	add("金额", "¥"+validate.FormatFen(amount))
	add("收费员", cashier)
	add("日期", date.Format("2006-01-02"))
	add("时间", tm)
	return Specimen{Layout: l, Fields: map[string]string{"code": code, "number": number, "entry": entry, "exit": exit, "vehicle_type": vt,
		"amount": validate.FormatFen(amount), "cashier": cashier, "date": date.Format("2006-01-02"), "time": tm}}
}

var stations = []struct{ zh, en string }{
	{"北京南", "Beijingnan"}, {"上海虹桥", "Shanghaihongqiao"}, {"南京南", "Nanjingnan"}, {"杭州东", "Hangzhoudong"},
	{"广州南", "Guangzhounan"}, {"成都东", "Chengdudong"}, {"武汉", "Wuhan"}, {"济南西", "Jinanxi"},
}

func (g gen) trainTicket(bool) Specimen {
	i := g.r.IntN(len(stations))
	from, to := stations[i], stations[(i+1+g.r.IntN(len(stations)-1))%len(stations)]
	train := g.pick([]string{"G", "D", "C", "K", "Z", "T"}) + fmt.Sprint(1+g.r.IntN(999))
	al := "ABCDEFGHJKLMNPQRSTUVWXYZ"
	id := string(al[g.r.IntN(len(al))]) + g.digits(2) + string(al[g.r.IntN(len(al))]) + g.digits(6)
	port := fmt.Sprintf("%d%s", 1+g.r.IntN(20), g.pick([]string{"A", "B", ""}))
	d := g.date(2019, 2025)
	dep := fmt.Sprintf("%d年%02d月%02d日%02d:%02d", d.Year(), d.Month(), d.Day(), 6+g.r.IntN(16), g.r.IntN(60))
	seat := fmt.Sprintf("%02d车%02d%s号", 1+g.r.IntN(16), 1+g.r.IntN(20), g.pick([]string{"A", "B", "C", "D", "F"}))
	price := int64(1000 + g.r.IntN(90000))
	cat := g.pick([]string{"二等座", "一等座", "商务座"})
	name, _, _ := g.person()
	prov := g.province()
	num := g.idNumber(prov, g.date(1960, 2004), g.r.IntN(2) == 0, true)
	masked := num[:10] + "****" + num[14:]
	logID := g.digits(14) + string(al[g.r.IntN(len(al))]) + g.digits(6)
	red := color.RGBA{190, 30, 30, 255}
	l := Layout{W: 860, H: 540, BG: color.RGBA{214, 232, 244, 255}, BG2: color.RGBA{200, 222, 240, 255}}
	l.Texts = []Text{
		{S: id, X: 40, Y: 60, Size: 30, Color: red},
		{S: "检票:" + port, X: 620, Y: 60, Size: 24},
		{S: from.zh + "站", X: 60, Y: 140, Size: 40, Face: Bold},
		{S: train, X: 380, Y: 140, Size: 40, Face: Bold},
		{S: to.zh + "站", X: 560, Y: 140, Size: 40, Face: Bold},
		{S: from.en, X: 70, Y: 180, Size: 22},
		{S: to.en, X: 570, Y: 180, Size: 22},
		{S: strings.Replace(dep, "日", "日 ", 1) + "开", X: 40, Y: 240, Size: 28},
		{S: seat, X: 560, Y: 240, Size: 28},
		{S: "¥" + validate.FormatFen(price)[:len(validate.FormatFen(price))-1] + "元", X: 40, Y: 290, Size: 28},
		{S: cat, X: 560, Y: 290, Size: 28},
		{S: "限乘当日当次车", X: 40, Y: 340, Size: 24},
		{S: masked + name, X: 40, Y: 400, Size: 28},
		{S: "买票请到12306 发货请到95306", X: 160, Y: 450, Size: 20, Color: grey},
		{S: "中国铁路祝您旅途愉快", X: 240, Y: 480, Size: 20, Color: grey},
		{S: logID + " " + from.zh + "售", X: 40, Y: 520, Size: 22},
	}
	// Paper tickets print the price to the jiao (¥553.5元).
	pr := validate.FormatFen(price / 10 * 10)
	return Specimen{Layout: l, Fields: map[string]string{
		"ticket_id": id, "check_port": port, "train_number": train, "departure_station": from.zh, "destination_station": to.zh,
		"departure_station_en": from.en, "destination_station_en": to.en, "departure_time": dep, "seat_number": seat,
		"ticket_price": pr, "seat_category": cat, "id_number": masked, "name": name, "log_id": logID, "sale_location": from.zh,
		"invoice_style": "paper",
	}}
}

func (g gen) bankReceipt(bool) Specimen {
	bank := g.pick(cities)[:6] + "银行"
	payer, payee := g.company(), g.company()
	pa, pb := g.digits(19), g.digits(19)
	amount := int64(10000 + g.r.IntN(100000000))
	d := g.date(2019, 2025)
	serial := g.digits(16)
	use := g.pick([]string{"货款", "服务费", "往来款", "工资"})
	l := Layout{W: 1200, H: 620, BG: color.RGBA{252, 252, 250, 255}}
	l.Texts = []Text{{S: bank + "客户回单", X: 460, Y: 70, Size: 36, Face: Bold, Color: blue}}
	pairs := [][2]string{
		{"付款人名称", payer}, {"收款人名称", payee},
		{"付款人账号", pa}, {"收款人账号", pb},
		{"交易日期", d.Format("2006-01-02")}, {"交易流水号", serial},
		{"币种", "人民币"}, {"金额", validate.FormatFen(amount)},
		{"用途", use}, {"大写金额", validate.AmountInWords(amount)},
	}
	f := map[string]string{}
	for i, p := range pairs {
		x := 60.0 + float64(i%2)*570
		y := 150 + float64(i/2)*80
		l.Texts = append(l.Texts, Text{S: p[0] + "：", X: x, Y: y, Size: 22, Color: grey}, Text{S: p[1], X: x + 24*float64(len([]rune(p[0]))+1) + 10, Y: y, Size: 22})
		f[p[0]] = p[1]
	}
	return Specimen{Layout: l, Fields: f}
}

// mvsInvoice is a new-vehicle sales invoice: label and value cells in
// rows, the seller's block below the totals.
func (g gen) mvsInvoice(valid bool) Specimen {
	code, number := g.digits(12), g.digits(8)
	date := g.date(2019, 2025)
	machine := g.digits(12)
	buyer, _, _ := g.person()
	bnum := g.idNumber(g.province(), g.date(1960, 2000), g.r.IntN(2) == 0, true)
	vt := g.pick([]string{"轿车", "多用途乘用车", "运动型多用途乘用车"})
	brand := g.pick([]string{"明湖牌", "青山牌", "远航牌"}) + fmt.Sprintf("MH%d%s", 7000+g.r.IntN(999), g.pick([]string{"A", "B", "C"}))
	origin := g.pick([]string{"江苏省", "浙江省", "湖北省", "广东省"})
	cert := "W" + g.digits(13)
	engine := string("ABCDEFGH"[g.r.IntN(8)]) + g.digits(8)
	vin := g.vinNumber(true)
	price := int64(8000000 + g.r.IntN(30000000))
	tax := (price*13 + 50) / 100
	total := price + tax
	inWords := validate.AmountInWords(total)
	if !valid {
		inWords = validate.AmountInWords(total + 10000*int64(1+g.r.IntN(9)))
	}
	seller := g.pick(cities)[:6] + g.pick(words) + "汽车销售服务有限公司"
	sid := g.uscc(true)
	phone := g.phone()
	acct := g.digits(19)
	addr := g.address(g.province())
	bank := g.pick(cities)[:6] + "银行" + g.pick(streets)[:6] + "支行"
	auth := g.pick(cities) + "税务局第" + g.pick([]string{"一", "二", "三"}) + "税务分局"
	authCode := g.digits(11)
	seats := fmt.Sprint(5 + g.r.IntN(3))
	drawer, _, _ := g.person()
	l := Layout{W: 1400, H: 900, BG: color.RGBA{250, 248, 242, 255}}
	lab := func(s string, x, y float64) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: 19, Color: brown})
	}
	val := func(s string, x, y float64) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: 20, Color: black})
	}
	l.Texts = append(l.Texts, Text{S: "机动车销售统一发票", X: 480, Y: 60, Size: 38, Face: Bold, Color: brown})
	lab("发票代码", 1000, 50)
	val(code, 1100, 50)
	lab("发票号码", 1000, 85)
	val(number, 1100, 85)
	lab("开票日期", 40, 110)
	val(date.Format("2006-01-02"), 140, 110)
	lab("机打代码", 40, 160)
	val(code, 150, 160)
	lab("机打号码", 40, 195)
	val(number, 150, 195)
	lab("机器编号", 40, 230)
	val(machine, 150, 230)
	rows := []struct {
		y     float64
		cells [][3]any
	}{
		{280, [][3]any{{"购买方名称及身份证号码/组织机构代码", 40.0, 420.0}, {"纳税人识别号", 860.0, 1000.0}}},
		{330, [][3]any{{"车辆类型", 40.0, 150.0}, {"厂牌型号", 480.0, 590.0}, {"产地", 1000.0, 1060.0}}},
		{380, [][3]any{{"合格证号", 40.0, 150.0}, {"进口证明书号", 480.0, 630.0}, {"商检单号", 1000.0, 1100.0}}},
		{430, [][3]any{{"发动机号码", 40.0, 170.0}, {"车辆识别代号/车架号码", 480.0, 740.0}}},
		{480, [][3]any{{"价税合计", 40.0, 150.0}, {"小写", 1000.0, 1060.0}}},
		{540, [][3]any{{"销货单位名称", 40.0, 190.0}, {"电话", 1000.0, 1060.0}}},
		{590, [][3]any{{"纳税人识别号", 40.0, 190.0}, {"账号", 1000.0, 1060.0}}},
		{640, [][3]any{{"地址", 40.0, 100.0}, {"开户银行", 860.0, 960.0}}},
		{690, [][3]any{{"增值税税率或征收率", 40.0, 230.0}, {"增值税税额", 380.0, 500.0}, {"主管税务机关及代码", 760.0, 960.0}}},
		{740, [][3]any{{"不含税价", 40.0, 150.0}, {"完税凭证号码", 480.0, 630.0}, {"限乘人数", 1000.0, 1110.0}}},
		{820, [][3]any{{"开票人", 40.0, 120.0}, {"备注", 480.0, 540.0}}},
	}
	values := map[string]string{
		"购买方名称及身份证号码/组织机构代码": buyer + " " + bnum, "纳税人识别号": bnum, "车辆类型": vt, "厂牌型号": brand, "产地": origin,
		"合格证号": cert, "进口证明书号": "", "商检单号": "", "发动机号码": engine, "车辆识别代号/车架号码": vin,
		"价税合计": "⊗" + inWords, "小写": "¥" + validate.FormatFen(total), "销货单位名称": seller, "电话": phone, "账号": acct,
		"地址": addr, "开户银行": bank, "增值税税率或征收率": "13%", "增值税税额": "¥" + validate.FormatFen(tax),
		"主管税务机关及代码": auth + " " + authCode, "不含税价": "¥" + validate.FormatFen(price), "完税凭证号码": "", "限乘人数": seats,
		"开票人": drawer, "备注": "",
	}
	for _, r := range rows {
		for _, c := range r.cells {
			k := c[0].(string)
			lab(k, c[1].(float64), r.y)
			v := values[k]
			if k == "纳税人识别号" && r.y == 590 {
				v = sid
			}
			if v != "" {
				val(v, c[2].(float64), r.y)
			}
		}
		l.Boxes = append(l.Boxes, hline(20, 1380, int(r.y)+14))
	}
	return Specimen{Layout: l, Fields: map[string]string{
		"code": code, "number": number, "issue_date": date.Format("2006-01-02"), "machine_printed_code": code, "machine_printed_number": number,
		"machine_number": machine, "buyer_name": buyer, "buyer_organization_number": bnum, "buyer_id": bnum, "vehicle_type": vt,
		"brand_model": brand, "manufacturing_location": origin, "quality_certificate": cert, "engine_number": engine,
		"vehicle_identification_number": vin, "total_chinese": inWords, "total": validate.FormatFen(total), "seller_name": seller,
		"seller_phone": phone, "seller_id": sid, "seller_account": acct, "seller_address": addr, "seller_bank": bank, "tax_rate": "13%",
		"tax": validate.FormatFen(tax), "tax_authority": auth, "tax_authority_code": authCode, "tax_exclusive_price": validate.FormatFen(price),
		"seating_capacity": seats, "drawer_name": drawer,
	}}
}

var airports = []struct{ city, carrier, code string }{
	{"北京", "国航", "CA"}, {"上海", "东航", "MU"}, {"广州", "南航", "CZ"}, {"深圳", "深航", "ZH"}, {"成都", "川航", "3U"}, {"杭州", "厦航", "MF"},
}

// flightItinerary is an air itinerary receipt with one or two flights.
func (g gen) flightItinerary(bool) Specimen {
	serial := g.digits(11)
	name, _, _ := g.person()
	id := g.idNumber(g.province(), g.date(1960, 2004), g.r.IntN(2) == 0, true)
	legs := 1 + g.r.IntN(2)
	i := g.r.IntN(len(airports))
	route := []int{i}
	for len(route) <= legs {
		j := g.r.IntN(len(airports))
		if j != route[len(route)-1] {
			route = append(route, j)
		}
	}
	fare := int64(50000 + g.r.IntN(300000)/100*100)
	fund := int64(5000 * legs)
	fuel := int64(g.r.IntN(3) * 1000)
	total := fare + fund + fuel
	d := g.date(2019, 2025)
	l := Layout{W: 1400, H: 560, BG: color.RGBA{250, 250, 250, 255}}
	lab := func(s string, x, y float64) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: 18, Color: grey})
	}
	val := func(s string, x, y float64) {
		l.Texts = append(l.Texts, Text{S: s, X: x, Y: y, Size: 20, Color: black})
	}
	l.Texts = append(l.Texts, Text{S: "航空运输电子客票行程单", X: 430, Y: 60, Size: 36, Face: Bold, Color: black})
	lab("印刷序号：", 1000, 60)
	val(serial, 1100, 60)
	lab("旅客姓名", 40, 130)
	val(name, 150, 130)
	lab("有效身份证件号码", 420, 130)
	val(id, 600, 130)
	lab("签注", 1000, 130)
	val("不得签转", 1060, 130)
	for _, h := range []struct {
		s string
		x float64
	}{{"承运人", 200}, {"航班号", 310}, {"座位等级", 430}, {"日期", 550}, {"时间", 790}, {"客票级别/客票类别", 890}, {"客票生效日期", 1050}, {"有效截止日期", 1170}, {"免费行李", 1290}} {
		lab(h.s, h.x, 200)
	}
	f := map[string]string{"serial_number": serial, "passenger_name": name, "id_number": id, "endorsements_restrictions": "不得签转"}
	for k, a := range route {
		y := 240 + float64(k)*40
		mark := "自"
		if k > 0 {
			mark = "至"
		}
		val(mark+" "+airports[a].city, 40, y)
		if k == len(route)-1 {
			continue
		}
		ap := airports[a]
		flight := ap.code + fmt.Sprint(1000+g.r.IntN(8999))
		cabin := g.pick([]string{"Y", "B", "M", "F"})
		date := d.AddDate(0, 0, k).Format("2006-01-02")
		tm := fmt.Sprintf("%02d:%02d", 6+g.r.IntN(16), 5*g.r.IntN(12))
		val(ap.carrier, 200, y)
		val(flight, 310, y)
		val(cabin, 440, y)
		val(date, 550, y)
		val(tm, 790, y)
		val(cabin, 900, y)
		val("20K", 1295, y)
		p := fmt.Sprintf("itinerary_list.%d.", k)
		f[p+"departure_station"], f[p+"destination_station"] = ap.city, airports[route[k+1]].city
		f[p+"carrier"], f[p+"flight"], f[p+"cabin_class"], f[p+"date"], f[p+"time"] = ap.carrier, flight, cabin, date, tm
		f[p+"fare_basis"], f[p+"baggage_allowance"] = cabin, "20K"
	}
	lab("票价：", 40, 380)
	val("CNY "+validate.FormatFen(fare), 100, 380)
	lab("民航发展基金：", 330, 380)
	val("CN "+validate.FormatFen(fund), 460, 380)
	lab("燃油附加费：", 650, 380)
	val("YQ "+validate.FormatFen(fuel), 770, 380)
	lab("其他税费：", 930, 380)
	val("0.00", 1030, 380)
	lab("合计：", 1150, 380)
	val("CNY "+validate.FormatFen(total), 1210, 380)
	eticket := "999-" + g.digits(10)
	check := g.digits(4)
	agent := "BJS" + g.digits(6)
	org := g.pick(cities)[:6] + g.pick(words) + "航空服务有限公司"
	lab("电子客票号码：", 40, 440)
	val(eticket, 180, 440)
	lab("验证码：", 560, 440)
	val(check, 640, 440)
	lab("保险费：", 900, 440)
	val("XXX", 980, 440)
	lab("销售单位代号：", 40, 500)
	val(agent, 180, 500)
	lab("填开单位：", 460, 500)
	val(org, 560, 500)
	lab("填开日期：", 1000, 500)
	val(d.AddDate(0, 0, -3).Format("2006-01-02"), 1100, 500)
	f["fare"], f["caac_development_fund"], f["fuel_surcharge"], f["other_taxes"], f["total"] = validate.FormatFen(fare), validate.FormatFen(fund), validate.FormatFen(fuel), "0.00", validate.FormatFen(total)
	f["e_ticket_number"], f["check_code"], f["agent_code"], f["issue_organization"], f["issue_date"] = eticket, check, agent, org, d.AddDate(0, 0, -3).Format("2006-01-02")
	return Specimen{Layout: l, Fields: f}
}
