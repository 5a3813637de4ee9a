package specimen

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
)

// Bills, policies, parcel labels and the epidemic-control screens
// (acceptance-bill, insurance-policy, waybill-electronic, health-code,
// pcr-test-record). Every fifth acceptance bill prints an uppercase
// amount that disagrees with its figures.

// OfficeKinds are these kinds, in report order.
var OfficeKinds = []string{"acceptance_bill", "insurance_policy", "waybill_electronic", "health_code", "pcr_test_record"}

func init() {
	Kinds = append(Kinds, OfficeKinds...)
	for k, v := range map[string]moreKind{
		"acceptance_bill":    {gen.acceptanceBill, true},
		"insurance_policy":   {gen.insurancePolicy, false},
		"waybill_electronic": {gen.waybill, false},
		"health_code":        {gen.healthCode, false},
		"pcr_test_record":    {gen.pcrRecord, false},
	} {
		moreKinds[k] = v
	}
}

func (g gen) mobile() string { return "1" + g.pick([]string{"3", "5", "7", "8", "9"}) + g.digits(9) }

func (g gen) bankBranch() string {
	return g.pick(cities)[:6] + "银行" + g.pick(streets)[:6] + "支行"
}

// acceptanceBill is an electronic bank acceptance bill: the drawer and
// payee side by side, the guarantee, amount, acceptor, commitment and
// rating rows below.
func (g gen) acceptanceBill(valid bool) Specimen {
	issue := g.date(2020, 2025)
	due := issue.AddDate(0, 6, 0)
	status := g.pick([]string{"提示收票已签收", "背书已签收", "承兑已签收"})
	bankNo := g.digits(12)
	number := "5" + bankNo + issue.Format("20060102") + g.digits(9)
	drawer, payee, guar := g.company(), g.company(), g.company()
	acceptor := g.pick(cities)[:6] + "银行" + g.pick(streets)[:6] + "支行"
	dAcct, pAcct, aAcct := g.digits(19), g.digits(19), g.digits(19)
	dBank, pBank := g.bankBranch(), g.bankBranch()
	dNo, pNo, aNo := bankNo, g.digits(12), bankNo
	gaddr := g.address(g.province())
	fen := int64(1+g.r.IntN(500)) * 1000000
	words := validate.AmountInWords(fen)
	if !valid {
		words = validate.AmountInWords(fen + 100000*int64(1+g.r.IntN(9)))
	}
	contract := "HT" + g.digits(10)
	assign := g.pick([]string{"可再转让", "不得转让"})
	rater := g.pick(cities)[:6] + g.pick(words3) + "信用评级有限公司"
	dRate, aRate := g.pick([]string{"AAA", "AA+", "AA"}), g.pick([]string{"AAA", "AA+", "A"})
	rateDue := issue.AddDate(1, 0, 0)
	pkg := "6" + g.digits(29)

	l := Layout{W: 1400, H: 1120, BG: color.RGBA{252, 251, 247, 255}}
	d := drawer_{&l}
	d.lab("电子银行承兑汇票", 500, 70, 38, Bold)
	row := func(y float64, cells ...string) {
		for i := 0; i+1 < len(cells); i += 2 {
			x := []float64{40, 720}[i/2]
			d.lab(cells[i], x, y, 22, Sans)
			if cells[i+1] != "" {
				d.val(cells[i+1], x+24*float64(len([]rune(cells[i])))+20, y, 22)
			}
		}
	}
	row(130, "出票日期", issue.Format("2006-01-02"), "票据状态", status)
	row(175, "汇票到期日", due.Format("2006-01-02"), "票据号码", number[:1]+" "+number[1:13]+" "+number[13:21]+" "+number[21:])
	l.Boxes = append(l.Boxes, hline(20, 1380, 200))
	d.lab("出票人", 40, 240, 22, Bold)
	d.lab("收款人", 720, 240, 22, Bold)
	party := func(x, y float64, name, acct, bank, no string) {
		for i, kv := range [][2]string{{"全称", name}, {"账号", acct}, {"开户银行", bank}, {"开户行号", no}} {
			d.lab(kv[0], x, y+float64(i)*40, 22, Sans)
			d.val(kv[1], x+120, y+float64(i)*40, 22)
		}
	}
	party(60, 280, drawer, dAcct, dBank, dNo)
	party(740, 280, payee, pAcct, pBank, pNo)
	l.Boxes = append(l.Boxes, hline(20, 1380, 425))
	d.lab("出票保证信息", 40, 460, 22, Bold)
	d.lab("保证人名称：", 230, 460, 22, Sans)
	d.val(guar, 370, 460, 22)
	d.lab("保证日期：", 930, 460, 22, Sans)
	d.val(issue.Format("2006-01-02"), 1045, 460, 22)
	d.lab("保证人地址：", 230, 500, 22, Sans)
	d.val(gaddr, 370, 500, 22)
	l.Boxes = append(l.Boxes, hline(20, 1380, 525))
	d.lab("票据金额", 40, 565, 22, Bold)
	d.lab("人民币（大写）", 200, 565, 22, Sans)
	d.val(words, 370, 565, 22)
	d.lab("（小写）", 900, 565, 22, Sans)
	d.val("¥"+validate.FormatFen(fen), 1000, 565, 22)
	l.Boxes = append(l.Boxes, hline(20, 1380, 590))
	d.lab("承兑人信息", 40, 630, 22, Bold)
	d.lab("全称", 230, 630, 22, Sans)
	d.val(acceptor, 330, 630, 22)
	d.lab("开户行行号", 760, 630, 22, Sans)
	d.val(aNo, 900, 630, 22)
	d.lab("账号", 230, 670, 22, Sans)
	d.val(aAcct, 330, 670, 22)
	d.lab("开户行名称", 760, 670, 22, Sans)
	d.val(acceptor, 900, 670, 22)
	l.Boxes = append(l.Boxes, hline(20, 1380, 695))
	d.lab("交易合同号", 40, 735, 22, Sans)
	d.val(contract, 180, 735, 22)
	d.lab("出票人承诺：", 600, 735, 22, Sans)
	d.val("本汇票请予以承兑，到期无条件付款", 740, 735, 22)
	d.lab("能否转让", 40, 775, 22, Sans)
	d.val(assign, 180, 775, 22)
	d.lab("承兑人承诺：", 600, 775, 22, Sans)
	d.val("本汇票已经承兑，到期无条件付款", 740, 775, 22)
	d.lab("承兑日期：", 600, 815, 22, Sans)
	d.val(issue.Format("2006-01-02"), 720, 815, 22)
	l.Boxes = append(l.Boxes, hline(20, 1380, 840))
	d.lab("承兑保证信息", 40, 880, 22, Bold)
	d.lab("保证人名称：", 230, 880, 22, Sans)
	d.lab("保证日期：", 930, 880, 22, Sans)
	d.lab("保证人地址：", 230, 920, 22, Sans)
	l.Boxes = append(l.Boxes, hline(20, 1380, 945))
	d.lab("评级信息", 40, 985, 22, Bold)
	rating := func(y float64, who, ent, r string) {
		d.lab(who, 200, y, 22, Sans)
		d.lab("评级主体：", 320, y, 22, Sans)
		d.val(ent, 440, y, 22)
		d.lab("信用等级：", 800, y, 22, Sans)
		d.val(r, 915, y, 22)
		d.lab("评级到期日：", 1030, y, 22, Sans)
		d.val(rateDue.Format("2006-01-02"), 1170, y, 22)
	}
	rating(985, "出票人", rater, dRate)
	rating(1025, "承兑人", rater, aRate)
	l.Boxes = append(l.Boxes, hline(20, 1380, 1050))
	remark := g.pick([]string{"货款结算", "采购合同付款", "工程款"})
	d.lab("备注", 40, 1090, 22, Sans)
	d.val(remark, 180, 1090, 22)
	d.lab("票据包号", 720, 1090, 22, Sans)
	d.val(pkg, 830, 1090, 22)
	f := map[string]string{
		"issue_date": issue.Format("2006-01-02"), "due_date": due.Format("2006-01-02"), "bill_status": status, "bill_number": number,
		"issuer_full_name": drawer, "issuer_account": dAcct, "issuer_bank_name": dBank, "issuer_bank_number": dNo,
		"payee_full_name": payee, "payee_account": pAcct, "payee_bank_name": pBank, "payee_bank_number": pNo,
		"issuance_guarantor_name": guar, "issuance_guarantor_address": gaddr, "issuance_guarantee_date": issue.Format("2006-01-02"),
		"amount_in_words": words, "amount_in_figures": validate.FormatFen(fen),
		"acceptor_full_name": acceptor, "acceptor_account": aAcct, "acceptor_bank_number": aNo, "acceptor_bank_name": acceptor,
		"contract_number": contract, "assignability": assign, "issuer_commitment": "本汇票请予以承兑，到期无条件付款",
		"acceptor_commitment": "本汇票已经承兑，到期无条件付款", "acceptance_date": issue.Format("2006-01-02"),
		"issuer_rating_entity": rater, "issuer_credit_rating": dRate, "issuer_rating_due_date": rateDue.Format("2006-01-02"),
		"acceptor_rating_entity": rater, "acceptor_credit_rating": aRate, "acceptor_rating_due_date": rateDue.Format("2006-01-02"),
		"bill_package_number": pkg, "remarks": remark,
	}
	return Specimen{Layout: l, Fields: f}
}

var words3 = []string{"诚信", "中正", "远见", "华信"}

// drawer_ prints labels in grey and values in black.
type drawer_ struct{ l *Layout }

func (d drawer_) lab(s string, x, y, size float64, f Face) {
	d.l.Texts = append(d.l.Texts, Text{S: s, X: x, Y: y, Size: size, Face: f, Color: grey})
}

func (d drawer_) val(s string, x, y, size float64) {
	d.l.Texts = append(d.l.Texts, Text{S: s, X: x, Y: y, Size: size, Color: black})
}

var (
	policyMain  = []string{"终身寿险", "两全保险", "重大疾病保险", "年金保险"}
	policyRider = []string{"附加意外伤害保险", "附加住院医疗保险", "附加投保人豁免保险费"}
)

// insurancePolicy is a life-insurance policy schedule: the applicant and
// one or two insured persons (a family policy prints each under the
// insured's heading), one or two beneficiaries, one to three insured
// items.
func (g gen) insurancePolicy(bool) Specimen {
	brand := g.pick(cities)[:6]
	company := brand + "人寿保险股份有限公司"
	number := "P" + g.digits(15)
	eff := g.date(2018, 2025)
	ni := 1 + g.r.IntN(2)
	// Each further insured person takes two more rows.
	dy := float64(ni-1) * 100
	l := Layout{W: 1240, H: 1260 + int(dy), BG: color.RGBA{255, 255, 255, 255}}
	d := drawer_{&l}
	d.val(company, 330, 90, 40)
	d.lab("个人保险合同保险单", 440, 150, 30, Bold)
	d.lab("保险合同号：", 80, 220, 24, Sans)
	d.val(number, 230, 220, 24)
	d.lab("合同生效日期：", 660, 220, 24, Sans)
	d.val(cnDate(eff), 830, 220, 24)
	f := map[string]string{"company.words": company, "bill_number.words": number, "effective_date.words": eff.Format("2006-01-02")}
	heading := func(y float64, title string) {
		d.lab(title, 80, y, 26, Bold)
		l.Boxes = append(l.Boxes, Box{R: image.Rect(80, int(y)+12, 1160, int(y)+14), Color: grey})
	}
	// person prints one person's two rows at y (姓名 first).
	person := func(y float64, key string) string {
		zh, _, _ := g.person()
		male := g.r.IntN(2) == 0
		birth := g.date(1955, 2005)
		id := g.idNumber(g.province(), birth, male, true)
		sex := map[bool]string{true: "男", false: "女"}[male]
		d.lab("姓名：", 100, y, 24, Sans)
		d.val(zh, 180, y, 24)
		d.lab("性别：", 500, y, 24, Sans)
		d.val(sex, 580, y, 24)
		d.lab("出生日期：", 780, y, 24, Sans)
		d.val(birth.Format("2006-01-02"), 910, y, 24)
		d.lab("证件类型：", 100, y+50, 24, Sans)
		d.val("居民身份证", 230, y+50, 24)
		d.lab("证件号码：", 500, y+50, 24, Sans)
		d.val(id, 630, y+50, 24)
		for k, v := range map[string]string{"name": zh, "sex": sex, "birthday": birth.Format("2006-01-02"), "id_type": "居民身份证", "id_number": id} {
			f[key+k+".words"] = v
		}
		return zh
	}
	heading(290, "投保人信息")
	person(340, "applicant_")
	heading(460, "被保险人信息")
	var insured []string
	for i := 0; i < ni; i++ {
		insured = append(insured, person(510+float64(i)*100, fmt.Sprintf("insurant_list.%d.insurant_", i)))
	}
	heading(630+dy, "受益人信息")
	for _, h := range []struct {
		s string
		x float64
	}{{"受益人姓名", 100}, {"受益人类型", 360}, {"受益顺序", 640}, {"受益比例", 880}} {
		d.lab(h.s, h.x, 690+dy, 24, Sans)
	}
	nb := 1 + g.r.IntN(2)
	for i := 0; i < nb; i++ {
		zh, _, _ := g.person()
		if slices.Contains(insured, zh) {
			zh = g.pick(surnames) + "子轩"
		}
		share := map[int]string{1: "100%", 2: "50%"}[nb]
		y := 735 + dy + float64(i)*45
		d.val(zh, 100, y, 24)
		d.val("身故受益人", 360, y, 24)
		d.val("1", 650, y, 24)
		d.val(share, 880, y, 24)
		p := fmt.Sprintf("beneficiary_list.%d.", i)
		f[p+"beneficiary_name.words"], f[p+"beneficiary_type.words"], f[p+"beneficiary_order.words"], f[p+"beneficiary_share.words"] = zh, "身故受益人", "1", share
	}
	heading(860+dy, "保险项目")
	for _, h := range []struct {
		s string
		x float64
	}{{"险种名称", 80}, {"保险期间", 400}, {"基本保险金额", 560}, {"交费方式", 780}, {"交费期间", 940}, {"保险费", 1100}} {
		d.lab(h.s, h.x, 920+dy, 24, Sans)
	}
	nitems := 1 + g.r.IntN(3)
	var sum int64
	for i := 0; i < nitems; i++ {
		name := brand + g.pick(policyMain)
		period, pay, freq := "终身", fmt.Sprintf("%d年", []int{10, 20, 30}[g.r.IntN(3)]), "年交"
		amount := int64(10+g.r.IntN(90)) * 1000000
		prem := int64(100000 + g.r.IntN(1000000))
		if i > 0 {
			name = policyRider[i-1]
			period, pay = "1年", "1年"
			amount = int64(1+g.r.IntN(20)) * 1000000
			prem = int64(5000 + g.r.IntN(50000))
		}
		sum += prem
		y := 965 + dy + float64(i)*45
		d.val(name, 80, y, 24)
		d.val(period, 400, y, 24)
		d.val(validate.FormatFen(amount), 560, y, 24)
		d.val(freq, 780, y, 24)
		d.val(pay, 940, y, 24)
		d.val(validate.FormatFen(prem), 1100, y, 24)
		p := fmt.Sprintf("insurance_list.%d.", i)
		for k, v := range map[string]string{"insurance_name": name, "insurance_period": period, "insurance_amount": validate.FormatFen(amount),
			"payment_frequency": freq, "payment_period": pay, "payment_amount": validate.FormatFen(prem)} {
			f[p+k+".words"] = v
		}
	}
	d.lab("保险费合计：", 80, 1130+dy, 24, Sans)
	d.val("¥"+validate.FormatFen(sum), 230, 1130+dy, 24)
	bank := g.bankBranch()
	d.lab("续期交费银行：", 80, 1190+dy, 24, Sans)
	d.val(bank, 260, 1190+dy, 24)
	f["bank_name"] = bank
	return Specimen{Layout: l, Fields: f}
}

var carriers = []string{"青山速运", "明湖快递", "白云物流", "长河速递"}

// waybill is an express parcel label: the barcode and its number, the
// sorting code, the receiver's and the sender's blocks.
func (g gen) waybill(bool) Specimen {
	carrier := g.pick(carriers)
	number := g.pick([]string{"SF", "YT", "JT", "ZT"}) + g.digits(13)
	code := fmt.Sprintf("%03d-%s%02d-%02d", 100+g.r.IntN(900), g.pick([]string{"A", "B", "W", "K"}), g.r.IntN(100), g.r.IntN(100))
	rn, _, _ := g.person()
	sn, _, _ := g.person()
	rp, sp := g.mobile(), g.mobile()
	ra, sa := g.address(g.province()), g.address(g.province())
	l := Layout{W: 800, H: 1000, BG: color.RGBA{255, 255, 255, 255}}
	d := drawer_{&l}
	d.val(carrier, 40, 70, 36)
	d.val("标准快递", 600, 70, 28)
	// A barcode-like band of bars (not decoded: the number is read from
	// the digits printed under it).
	x := 100
	for x < 700 {
		w := 2 + g.r.IntN(5)
		l.Boxes = append(l.Boxes, Box{R: image.Rect(x, 100, x+w, 200), Color: black})
		x += w + 2 + g.r.IntN(5)
	}
	d.lab("运单号：", 200, 245, 26, Sans)
	d.val(number, 310, 245, 26)
	l.Texts = append(l.Texts, Text{S: code, X: 220, Y: 345, Size: 60, Face: Bold, Color: black})
	l.Boxes = append(l.Boxes, Box{R: image.Rect(20, 375, 780, 378), Color: black})
	block := func(y float64, who, addrLab, name, phone, addr string) {
		d.lab(who, 40, y, 28, Bold)
		d.val(name+" "+phone, 170, y, 28)
		d.lab(addrLab, 40, y+50, 26, Sans)
		for i, part := range wrap(addr, 19) {
			d.val(part, 180, y+50+float64(i)*40, 26)
		}
	}
	block(430, "收件人：", "收件地址：", rn, rp, ra)
	l.Boxes = append(l.Boxes, Box{R: image.Rect(20, 570, 780, 573), Color: black})
	block(625, "寄件人：", "寄件地址：", sn, sp, sa)
	l.Boxes = append(l.Boxes, Box{R: image.Rect(20, 765, 780, 768), Color: black})
	d.lab("签收人：", 40, 820, 24, Sans)
	d.lab("签收时间：", 420, 820, 24, Sans)
	d.lab("已验视", 40, 900, 22, Sans)
	return Specimen{Layout: l, Fields: map[string]string{
		"code": code, "waybill_number": number, "receiver_name": rn, "receiver_phone": rp, "receiver_address": ra,
		"sender_name": sn, "sender_phone": sp, "sender_address": sa,
	}}
}

// The code colours a health-code screen may show.
var codeColours = map[string]color.RGBA{
	"green": {0, 160, 80, 255}, "yellow": {235, 185, 0, 255}, "red": {215, 35, 35, 255}, "gray": {140, 140, 140, 255},
}

func masked(name string) string {
	r := []rune(name)
	if len(r) == 2 {
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// moduleCode draws a QR-style square of modules in colour c at (x, y):
// three finder squares and a random fill. It is an illustration of the
// code's look (its colour is what the API reads), not an encoding.
func (g gen) moduleCode(l *Layout, x, y, n, m int, c color.RGBA) {
	on := func(i, j int) bool {
		for _, f := range [][2]int{{0, 0}, {n - 7, 0}, {0, n - 7}} {
			di, dj := i-f[0], j-f[1]
			if di >= 0 && di < 7 && dj >= 0 && dj < 7 {
				return di == 0 || di == 6 || dj == 0 || dj == 6 || (di >= 2 && di <= 4 && dj >= 2 && dj <= 4)
			}
			if di >= -1 && di <= 7 && dj >= -1 && dj <= 7 {
				return false
			}
		}
		return g.r.IntN(2) == 0
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if on(i, j) {
				l.Boxes = append(l.Boxes, Box{R: image.Rect(x+i*m, y+j*m, x+(i+1)*m, y+(j+1)*m), Color: c})
			}
		}
	}
}

// healthCode is a health-code screen: the region's title, the masked
// holder, the coloured code, the update time, the latest test and the
// vaccination record.
func (g gen) healthCode(bool) Specimen {
	prov := g.pick([]string{"32", "33", "44", "51", "42", "37"})
	city := g.pick(cities)
	zh, _, _ := g.person()
	id := g.idNumber(prov, g.date(1960, 2004), g.r.IntN(2) == 0, true)
	idm := id[:6] + "********" + id[14:]
	ph := g.mobile()
	phm := ph[:3] + "****" + ph[7:]
	colour := []string{"green", "green", "green", "yellow", "red", "gray"}[g.r.IntN(6)]
	d0 := g.date(2021, 2023)
	at := d0.Add(fmtDur(g, 8, 22))
	samp := d0.Add(-fmtDur(g, 24, 60))
	test := samp.Add(fmtDur(g, 6, 12))
	interval := g.pick([]string{"24小时内", "48小时内", "72小时内", "7天内"})
	vac := g.pick([]string{"已接种2针", "已接种3针", "已完成新冠疫苗接种", "未接种"})
	org := city + g.pick([]string{"第一人民医院", "疾病预防控制中心", "中心医院"})
	l := Layout{W: 720, H: 1120, BG: color.RGBA{255, 255, 255, 255}}
	l.Boxes = append(l.Boxes, Box{R: image.Rect(0, 0, 720, 56), Color: color.RGBA{40, 110, 210, 255}})
	d := drawer_{&l}
	d.val(provs[prov]+city+"健康码", 170, 140, 40)
	d.lab("姓名：", 60, 220, 28, Sans)
	d.val(masked(zh), 150, 220, 28)
	d.lab("身份证号：", 60, 270, 28, Sans)
	d.val(idm, 210, 270, 28)
	d.lab("手机号码：", 60, 320, 28, Sans)
	d.val(phm, 210, 320, 28)
	g.moduleCode(&l, 185, 370, 25, 14, codeColours[colour])
	l.Texts = append(l.Texts, Text{S: at.Format("2006-01-02 15:04:05"), X: 190, Y: 790, Size: 34, Face: Bold, Color: black})
	res := "阴性"
	d.lab("核酸检测：", 60, 870, 28, Sans)
	d.val(res+"  "+interval, 210, 870, 28)
	d.lab("采样时间：", 60, 920, 28, Sans)
	d.val(samp.Format("2006-01-02 15:04"), 210, 920, 28)
	d.lab("检测时间：", 60, 970, 28, Sans)
	d.val(test.Format("2006-01-02 15:04"), 210, 970, 28)
	d.lab("检测机构：", 60, 1020, 28, Sans)
	d.val(org, 210, 1020, 28)
	d.lab("疫苗接种：", 60, 1070, 28, Sans)
	d.val(vac, 210, 1070, 28)
	return Specimen{Layout: l, Fields: map[string]string{
		"type": "health_code", "province": provs[prov], "city": city, "name": masked(zh), "idcard_number": idm, "phone_number": phm,
		"time": at.Format("2006-01-02 15:04:05"), "color": colour, "pcr_test_result": "negative", "test_interval": interval,
		"pcr_sampling_time": samp.Format("2006-01-02 15:04"), "pcr_test_time": test.Format("2006-01-02 15:04"),
		"pcr_test_organization": org, "vaccination_status": vac,
	}}
}

// pcrRecord is a nucleic-acid test record screen: the holder and the
// latest test.
func (g gen) pcrRecord(bool) Specimen {
	zh, _, _ := g.person()
	prov := g.province()
	id := g.idNumber(prov, g.date(1960, 2004), g.r.IntN(2) == 0, true)
	d0 := g.date(2021, 2023)
	samp := d0.Add(fmtDur(g, 7, 18))
	test := samp.Add(fmtDur(g, 6, 14))
	res, resEN := "阴性", "negative"
	if g.r.IntN(8) == 0 {
		res, resEN = "阳性", "positive"
	}
	org := g.pick(cities) + g.pick([]string{"第一人民医院", "疾病预防控制中心", "检验中心"})
	l := Layout{W: 720, H: 760, BG: color.RGBA{246, 248, 250, 255}}
	l.Boxes = append(l.Boxes, Box{R: image.Rect(0, 0, 720, 56), Color: color.RGBA{40, 110, 210, 255}},
		Box{R: image.Rect(30, 250, 690, 720), Color: color.RGBA{255, 255, 255, 255}})
	d := drawer_{&l}
	d.val("核酸检测记录", 240, 130, 40)
	d.lab("姓名：", 60, 200, 28, Sans)
	d.val(masked(zh), 150, 200, 28)
	d.lab("证件号码：", 60, 310, 26, Sans)
	d.val(id[:4]+"**********"+id[14:], 200, 310, 26)
	d.lab("检测结果：", 60, 380, 30, Sans)
	rc := color.RGBA{0, 150, 70, 255}
	if resEN == "positive" {
		rc = color.RGBA{210, 30, 30, 255}
	}
	l.Texts = append(l.Texts, Text{S: res, X: 220, Y: 380, Size: 34, Face: Bold, Color: rc})
	d.lab("采样时间：", 60, 450, 26, Sans)
	d.val(samp.Format("2006-01-02 15:04:05"), 200, 450, 26)
	d.lab("检测时间：", 60, 510, 26, Sans)
	d.val(test.Format("2006-01-02 15:04:05"), 200, 510, 26)
	d.lab("检测机构：", 60, 570, 26, Sans)
	d.val(org, 200, 570, 26)
	return Specimen{Layout: l, Fields: map[string]string{
		"name": masked(zh), "sampling_time": samp.Format("2006-01-02 15:04:05"), "test_time": test.Format("2006-01-02 15:04:05"), "test_result": resEN,
	}}
}

// fmtDur is a random span of a to b hours, to the second.
func fmtDur(g gen, a, b int) time.Duration {
	return time.Duration(a)*time.Hour + time.Duration(g.r.IntN((b-a)*3600))*time.Second
}
