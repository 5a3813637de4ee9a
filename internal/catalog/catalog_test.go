package catalog

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

var update = flag.Bool("update", false, "rewrite docs/error-codes.md and testdata/messages.golden from the catalog")

// seedDir is ../shared/seeds seen from this package's directory.
const seedDir = "../../../shared/seeds"

func TestLoadRejectsBadDocuments(t *testing.T) {
	for name, doc := range map[string]string{
		"duplicate code":                          "codes:\n  - {code: A.1, status: 400, message: m}\n  - {code: A.1, status: 400, message: m}\n",
		"unknown kind target":                     "codes:\n  - {code: A.1, status: 400, message: m}\nkinds:\n  bad_json: {ocr: A.2}\n",
		"unknown field":                           "codes:\n  - {code: A.1, status: 400, message: m, colour: red}\n",
		"message for a family not using the code": "codes:\n  - {code: A.1, status: 400, message: m, families: [ocr], messages: {image: n}}\n",
		"message for an unknown family":           "codes:\n  - {code: A.1, status: 400, message: m, families: [ocr], messages: {video: n}}\n",
		"empty family message":                    "codes:\n  - {code: A.1, status: 400, message: m, families: [ocr, image], messages: {image: \" \"}}\n",
		"family message repeating the default":    "codes:\n  - {code: A.1, status: 400, message: m, families: [ocr, image], messages: {image: m}}\n",
	} {
		if err := load([]byte(doc)); err == nil {
			t.Errorf("%s: load accepted it", name)
		}
	}
	// The failed loads above must not have replaced the real catalog.
	if err := load(raw); err != nil {
		t.Fatalf("embedded catalog: %v", err)
	}
	if len(All()) < 100 {
		t.Fatalf("catalog holds %d codes, want every seed code", len(All()))
	}
}

func TestEntriesAreComplete(t *testing.T) {
	prefix := map[Layer]string{LayerGateway: "APIG.", LayerPlatform: "ModelArts.", LayerService: "AIS.", LayerSubscription: "AIP."}
	codeRE := regexp.MustCompile(`^(APIG|ModelArts|AIS|AIP)\.\d{4}$`)
	seen := map[string]bool{}
	for i, e := range All() {
		if seen[e.Code] {
			t.Errorf("%s: duplicate", e.Code)
		}
		seen[e.Code] = true
		if i > 0 && All()[i-1].Code >= e.Code {
			t.Errorf("%s: not sorted after %s", e.Code, All()[i-1].Code)
		}
		if !codeRE.MatchString(e.Code) {
			t.Errorf("%s: malformed code", e.Code)
		}
		if !errorStatus(e.Status) {
			t.Errorf("%s: status %d is not an HTTP error status", e.Code, e.Status)
		}
		if strings.TrimSpace(e.Message) == "" {
			t.Errorf("%s: empty message", e.Code)
		}
		for what, txt := range map[string]Text{"description": e.Description, "handling": e.Handling} {
			if !hasHan(txt.ZH) {
				t.Errorf("%s: %s.zh %q has no Chinese", e.Code, what, txt.ZH)
			}
			if strings.TrimSpace(txt.EN) == "" || hasHan(strings.ReplaceAll(txt.EN, "[错误信息]", "")) {
				t.Errorf("%s: %s.en %q is empty or not English", e.Code, what, txt.EN)
			}
		}
		if p, ok := prefix[e.Layer]; !ok || !strings.HasPrefix(e.Code, p) {
			t.Errorf("%s: layer %q does not own the code", e.Code, e.Layer)
		}
		if len(e.Families) == 0 {
			t.Errorf("%s: no families", e.Code)
		}
		for _, f := range e.Families {
			if !knownFamily(f) {
				t.Errorf("%s: unknown family %q", e.Code, f)
			}
		}
		if e.Seeds == nil {
			t.Errorf("%s: seeds missing (use [] for codes no page prints)", e.Code)
		}
		for _, s := range e.Seeds {
			if !slices.Contains([]string{"000", "001", "002", "003", "004"}, s) {
				t.Errorf("%s: unknown seed page %q", e.Code, s)
			}
		}
		names := map[string]bool{}
		for _, v := range e.Variants {
			if v.Name == "" || names[v.Name] || !errorStatus(v.Status) || v.Message == "" {
				t.Errorf("%s: bad variant %+v", e.Code, v)
			}
			names[v.Name] = true
		}
	}
}

func errorStatus(s int) bool { return s >= 400 && s < 600 && http.StatusText(s) != "" }

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestStatuses pins the statuses the issue fixes; everything else a page
// prints is 400.
func TestStatuses(t *testing.T) {
	want := map[string]int{
		"APIG.0101": 404, "APIG.0201": 413, "APIG.0301": 401, "APIG.0307": 401,
		"APIG.0302": 403, "APIG.0310": 403, "APIG.0308": 429,
		"AIP.0001": 403, "AIP.0003": 401, "AIP.0008": 405, "AIP.0500": 500,
	}
	for _, e := range All() {
		w, ok := want[e.Code]
		if !ok {
			w = 400
		}
		if e.Status != w {
			t.Errorf("%s: status %d, want %d", e.Code, e.Status, w)
		}
	}
	variants := map[string]int{"uri_too_large": 414, "timeout": 504, "unavailable": 502, "internal": 500}
	e, _ := Lookup("APIG.0201")
	for name, st := range variants {
		if v, ok := e.Variant(name); !ok || v.Status != st {
			t.Errorf("APIG.0201 variant %s = %+v, want status %d", name, v, st)
		}
	}
	if v, _ := e.Variant("timeout"); v.Message != "Backend timeout." {
		t.Errorf("timeout variant message %q", v.Message)
	}
}

// TestAllKindsMatchesDeclarations parses kinds.go so that a Kind constant
// added without being listed in AllKinds fails here.
func TestAllKindsMatchesDeclarations(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "kinds.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []Kind
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Kind" {
				continue
			}
			for _, v := range vs.Values {
				lit := v.(*ast.BasicLit)
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				declared = append(declared, Kind(s))
			}
		}
	}
	if len(declared) < 38 {
		t.Fatalf("parsed only %d kinds from kinds.go", len(declared))
	}
	got := slices.Clone(AllKinds)
	slices.Sort(got)
	slices.Sort(declared)
	if !slices.Equal(got, declared) {
		t.Fatalf("AllKinds differs from the Kind constants:\n AllKinds %v\n declared %v", got, declared)
	}
}

func TestEveryKindMapsForEveryFamily(t *testing.T) {
	for _, k := range AllKinds {
		for _, f := range Families {
			c, ok := CodeFor(k, f)
			if !ok {
				t.Errorf("kind %s has no code for %s", k, f)
				continue
			}
			e, _ := Lookup(c)
			if !e.UsedBy(f) {
				t.Errorf("kind %s/%s maps to %s, which %s does not use", k, f, c, f)
			}
		}
	}
	for k := range KindTable() {
		if !slices.Contains(AllKinds, k) {
			t.Errorf("catalog.yaml maps unknown kind %q", k)
		}
	}
}

// TestKnownKindCodes pins the mappings other packages and the issue rely on.
func TestKnownKindCodes(t *testing.T) {
	for _, c := range []struct {
		k    Kind
		f    Family
		code string
	}{
		{KindBadJSON, FamilyOCR, "ModelArts.4105"},
		{KindBadJSON, FamilyImage, "AIS.0014"},
		{KindBadJSON, FamilyModeration, "AIS.0014"},
		{KindBadBase64, FamilyOCR, "AIS.0101"},
		{KindBadBase64, FamilyImage, "AIS.0015"},
		{KindNotSubscribed, FamilyOCR, "ModelArts.4204"},
		{KindURLForbidden, FamilyOCR, "ModelArts.4601"},
		{KindURLForbidden, FamilyModeration, "AIS.0022"},
		{KindURLFetch, FamilyImage, "AIS.0029"},
		{KindBodyTooLarge, FamilyOCR, "ModelArts.4104"},
		{KindBodyTooLarge, FamilyImage, "AIS.0020"},
		{KindOBSTooLarge, FamilyOCR, "ModelArts.4705"},
		{KindOBSTooLarge, FamilyModeration, "AIS.0023"},
		{KindImageFormat, FamilyOCR, "AIS.0102"},
		{KindImageSize, FamilyOCR, "AIS.0103"},
		{KindImageQuality, FamilyOCR, "AIS.0104"},
		{KindImageFormat, FamilyModeration, "AIS.0402"},
		{KindImageQuality, FamilyModeration, "AIS.0403"},
		{KindTooManyRequests, FamilyImage, "ModelArts.4401"},
		{KindBackendTimeout, FamilyOCR, "ModelArts.4402"},
		{KindBackendDown, FamilyModeration, "ModelArts.4403"},
		{KindTokenEmpty, FamilyOCR, "ModelArts.4101"},
		{KindTokenExpired, FamilyOCR, "ModelArts.0203"},
		{KindAccountRestrict, FamilyImage, "ModelArts.4106"},
		{KindJobNotFound, FamilyModeration, "AIS.0030"},
		{KindLanguage, FamilyModeration, "AIS.0041"},
		{KindVideoTooLong, FamilyModeration, "AIS.0710"},
		{KindIDNotFound, FamilyOCR, "AIS.0117"},
		// Published codes of the input and image checks.
		{KindBadBase64, FamilyOCR, "AIS.0101"},
		{KindBadBase64, FamilyImage, "AIS.0015"},
		{KindBadBase64, FamilyModeration, "AIS.0015"},
		{KindURLForbidden, FamilyOCR, "ModelArts.4601"},
		{KindURLForbidden, FamilyImage, "AIS.0022"},
		{KindURLForbidden, FamilyModeration, "AIS.0022"},
		{KindURLFetch, FamilyOCR, "ModelArts.4603"},
		{KindURLFetch, FamilyImage, "AIS.0029"},
		{KindURLFetch, FamilyModeration, "AIS.0029"},
		{KindOBSNoAgency, FamilyOCR, "ModelArts.4702"},
		{KindOBSBadURL, FamilyOCR, "ModelArts.4703"},
		{KindOBSRead, FamilyOCR, "ModelArts.4704"},
		{KindOBSTooLarge, FamilyOCR, "ModelArts.4705"},
		{KindOBSTooLarge, FamilyImage, "AIS.0023"},
		{KindOBSTooLarge, FamilyModeration, "AIS.0023"},
		{KindOBSNotFound, FamilyOCR, "ModelArts.4706"},
		{KindImageEmpty, FamilyImage, "AIS.0025"},
		{KindImageEmpty, FamilyModeration, "AIS.0025"},
		{KindImageFormat, FamilyOCR, "AIS.0102"},
		{KindImageFormat, FamilyImage, "AIS.0502"},
		{KindImageFormat, FamilyModeration, "AIS.0402"},
		{KindImageSize, FamilyOCR, "AIS.0103"},
		{KindImageSize, FamilyImage, "AIS.0504"},
		{KindImageQuality, FamilyOCR, "AIS.0104"},
		{KindImageQuality, FamilyImage, "AIS.0503"},
		{KindImageQuality, FamilyModeration, "AIS.0403"},
		{KindColorDepth, FamilyImage, "AIS.0204"},
	} {
		if got, _ := CodeFor(c.k, c.f); got != c.code {
			t.Errorf("CodeFor(%s, %s) = %q, want %s", c.k, c.f, got, c.code)
		}
	}
}

// readSeedCodes reads testdata/seed_codes.txt: code → pages printing it.
func readSeedCodes(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("testdata/seed_codes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		out[fs[0]] = fs[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSeedCodesPresent checks the committed list of published codes, so a
// fresh clone without ../shared still verifies coverage.
func TestSeedCodesPresent(t *testing.T) {
	want := readSeedCodes(t)
	if len(want) < 110 {
		t.Fatalf("seed_codes.txt lists %d codes", len(want))
	}
	for code, pages := range want {
		e, ok := Lookup(code)
		if !ok {
			t.Errorf("%s (pages %v) is missing from the catalog", code, pages)
			continue
		}
		if !slices.Equal(e.Seeds, pages) {
			t.Errorf("%s: seeds %v, the pages print it on %v", code, e.Seeds, pages)
		}
	}
	for _, e := range All() {
		if _, ok := want[e.Code]; !ok && len(e.Seeds) > 0 {
			t.Errorf("%s claims seeds %v but seed_codes.txt does not list it", e.Code, e.Seeds)
		}
	}
}

// TestSeedPages reads the seed pages themselves: every code they print is
// in the catalog and in seed_codes.txt, and every published message appears
// verbatim on a page that prints the code's family.
func TestSeedPages(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(seedDir, "0*.txt"))
	if len(files) == 0 {
		t.Skip("seed pages not found at " + seedDir)
	}
	list := readSeedCodes(t)
	codeRE := regexp.MustCompile(`\b(?:AIS|AIP|APIG|ModelArts)\.\d{4}\b`)
	var corpus []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		page := filepath.Base(f)[:3]
		for _, code := range codeRE.FindAllString(string(b), -1) {
			if _, ok := Lookup(code); !ok {
				t.Errorf("page %s prints %s, missing from the catalog", page, code)
			}
			if !slices.Contains(list[code], page) {
				t.Errorf("page %s prints %s; seed_codes.txt does not say so", page, code)
			}
		}
		corpus = append(corpus, normalise(string(b)))
	}
	all := strings.Join(corpus, "\n")
	// Messages whose placeholder the issue rewrites (XX → %d, [错误信息] →
	// {error_info}) are checked without the placeholder.
	rewritten := map[string]string{
		"APIG.0308": "The throttling threshold has been reached: policy user over ratelimit,limit:",
		"AIS.0709":  "Video detection process occurred error:",
	}
	for _, e := range All() {
		if len(e.Seeds) == 0 {
			continue
		}
		msg := e.Message
		if r, ok := rewritten[e.Code]; ok {
			msg = r
		}
		if !strings.Contains(all, normalise(msg)) {
			t.Errorf("%s: message %q is not printed on any seed page", e.Code, e.Message)
		}
	}
}

func normalise(s string) string {
	s = html.UnescapeString(s)
	s = strings.NewReplacer("\u2019", "'", "\\", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

func TestNew(t *testing.T) {
	for _, c := range []struct {
		code   Code
		args   []any
		status int
		msg    string
	}{
		{AIS0101, nil, 400, "The input parameter is invalid."},
		{APIG0301, nil, 401, "Incorrect IAM authentication information."},
		{APIG0308, []any{120}, 429, "The throttling threshold has been reached: policy user over ratelimit,limit:120,time:1 minute"},
		{AIS0119, []any{"tpl-7"}, 400, "Template match failed, template_id=tpl-7."},
		{AIP0008, []any{"PUT", "POST"}, 405, "The request method PUT is not allowed, allow is POST."},
		{ModelArts4204, []any{"general-text"}, 400, "Request api error! The API general-text is not subscribed."},
		{AIS0710, []any{"02:10:00"}, 400, "Invalid video length. It must be <=2 hours. The input video duration is [02:10:00]."},
		// Missing arguments leave the published placeholder in place.
		{AIP0010, []any{"limit"}, 400, "The param:limit, val:%s , exceeds the range:[%s,%s]."},
		// Unknown codes fall back to the gateway's internal error.
		{Code("AIS.9999"), nil, 500, "Unexpected error."},
	} {
		r := New(c.code, c.args...).In(FamilyOCR)
		if r.Status != c.status || r.Msg != c.msg {
			t.Errorf("New(%s, %v) = %d %q, want %d %q", c.code, c.args, r.Status, r.Msg, c.status, c.msg)
		}
	}
	if r := New("AIS.9999").In(FamilyOCR); r.Code != "APIG.0201" {
		t.Errorf("unknown code: got %s", r.Code)
	}
	if e := New("AIS.9999"); e.Resolved(FamilyOCR) {
		t.Error("an unknown code reports itself resolved")
	}
}

// TestMessagesPerFamily: a code raised directly, or a kind, is worded as
// the page of the family that answers it prints it.
func TestMessagesPerFamily(t *testing.T) {
	for _, c := range []struct {
		err  *Error
		f    Family
		code string
		msg  string
	}{
		{New(APIG0308, 60), FamilyOCR, "APIG.0308", "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute"},
		{New(APIG0308, 60), FamilyImage, "APIG.0308", "The request is sent too fast and exceeds the default rate limit of the service."},
		{E(KindTokenEmpty), FamilyModeration, "ModelArts.4101", "The token is empty."},
		{E(KindQuotaExhausted), FamilyModeration, "AIS.0032", "The monthly free calls have been used up."},
	} {
		if r := c.err.In(c.f); r.Code != c.code || r.Msg != c.msg {
			t.Errorf("%v in %s = %s %q, want %s %q", c.err, c.f, r.Code, r.Msg, c.code, c.msg)
		}
	}
}

func TestVariant(t *testing.T) {
	for _, c := range []struct {
		variant string
		status  int
		msg     string
	}{
		{"timeout", 504, "Backend timeout."},
		{"unavailable", 502, "Backend unavailable."},
		{"uri_too_large", 414, "Request URI too large."},
		{"internal", 500, "Unexpected error."},
		{"no-such-variant", 413, "The request body is oversized."},
	} {
		r := New(APIG0201).Variant(c.variant).In(FamilyImage)
		if r.Code != "APIG.0201" || r.Status != c.status || r.Msg != c.msg {
			t.Errorf("APIG.0201 variant %s = %s %d %q", c.variant, r.Code, r.Status, r.Msg)
		}
	}
}

func TestKindsResolveAtTheEdge(t *testing.T) {
	e := E(KindBadBase64)
	if r := e.In(FamilyImage); r.Code != "AIS.0015" || r.Status != 400 || r.Msg != "Base64 decoding of the input data is incorrect." {
		t.Errorf("bad_base64 in image = %+v", r)
	}
	if r := e.In(FamilyOCR); r.Code != "AIS.0101" {
		t.Errorf("bad_base64 in ocr = %+v", r)
	}
	if r := E(KindNotSubscribed, "recognize-id-card").In(FamilyOCR); r.Msg != "Request api error! The API recognize-id-card is not subscribed." {
		t.Errorf("not_subscribed in ocr: %q", r.Msg)
	}
	// The management APIs' dialect.
	if r := E(KindInternal).In(FamilyAIP); r.Code != "AIP.0500" {
		t.Errorf("internal in aip = %s", r.Code)
	}
	// A kind unknown to the table is the family's internal code.
	if r := E(Kind("no_such_kind")).In(FamilyOCR); r.Code != "ModelArts.4505" {
		t.Errorf("unknown kind: %s", r.Code)
	}
	if E(Kind("no_such_kind")).Resolved(FamilyOCR) {
		t.Error("unknown kind reports itself resolved")
	}
	// An unknown family has no internal code either: gateway internal error.
	if r := E(KindBadJSON).In(Family("video")); r.Code != "APIG.0201" || r.Status != 500 {
		t.Errorf("unknown family: %s %d", r.Code, r.Status)
	}
}

func TestIsKindAndResolve(t *testing.T) {
	base := E(KindURLForbidden)
	wrapped := fmt.Errorf("fetching image: %w", base)
	if !IsKind(wrapped, KindURLForbidden) || IsKind(wrapped, KindURLFetch) {
		t.Errorf("IsKind through wrapping")
	}
	if !IsCode(fmt.Errorf("x: %w", New(AIS0022)), AIS0022) || IsCode(base, AIS0022) {
		t.Errorf("IsCode")
	}
	if _, ok := From(errors.New("plain")); ok {
		t.Error("From found a catalog error in a plain error")
	}
	cause := errors.New("disk full")
	r := Resolve(cause)
	if !IsKind(r, KindInternal) || !errors.Is(r, cause) || Render(cause, FamilyModeration).Code != "AIS.0003" {
		t.Errorf("Resolve(plain) = %v, keeps cause %v", r, errors.Is(r, cause))
	}
	// Wrap, WithMsg and WithHeader return copies and leave the original alone.
	orig := New(AIS0022)
	w := orig.Wrap(cause).WithMsg("The URL is invalid: %s", "ftp://x").WithHeader("Retry-After", "2")
	if orig.Unwrap() != nil || orig.In(FamilyImage).Msg != "The URL is invalid." || orig.Header != nil {
		t.Errorf("original modified: %+v", orig)
	}
	if w.In(FamilyImage).Msg != "The URL is invalid: ftp://x" || w.Header.Get("Retry-After") != "2" || !errors.Is(w, cause) {
		t.Errorf("copy = %+v", w)
	}
}

func TestWrite(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		fam    Family
		status int
		body   string
		header map[string]string
	}{
		{
			name: "service error has no request_id", err: E(KindBadJSON), fam: FamilyImage,
			status: 400, body: `{"error_code":"AIS.0014","error_msg":"The JSON format of the input data is incorrect."}`,
		},
		{
			name: "gateway error carries request_id", err: New(APIG0301).WithMsg("Incorrect IAM authentication information: decrypt token fail"), fam: FamilyOCR,
			status: 401, body: `{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: decrypt token fail","request_id":"req-1"}`,
		},
		{
			name: "rate limit with headers", err: New(APIG0308, 60).WithHeader("Retry-After", "1"), fam: FamilyOCR,
			status: 429, body: `{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute","request_id":"req-1"}`,
			header: map[string]string{"Retry-After": "1"},
		},
		{
			name: "wrapped kind resolves in the route's family", err: fmt.Errorf("decode: %w", E(KindImageFormat)), fam: FamilyOCR,
			status: 400, body: `{"error_code":"AIS.0102","error_msg":"The image format is not supported."}`,
		},
		{
			name: "foreign error becomes the family's internal error", err: errors.New("secret detail"), fam: FamilyOCR,
			status: 400, body: `{"error_code":"ModelArts.4505","error_msg":"Backend service internal error."}`,
		},
		{
			name: "gateway timeout variant", err: New(APIG0201).Variant("timeout"), fam: FamilyImage,
			status: 504, body: `{"error_code":"APIG.0201","error_msg":"Backend timeout.","request_id":"req-1"}`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Write(rec, "req-1", c.err, c.fam)
			if rec.Code != c.status {
				t.Errorf("status %d, want %d", rec.Code, c.status)
			}
			if got := strings.TrimSpace(rec.Body.String()); got != c.body {
				t.Errorf("body\n got %s\nwant %s", got, c.body)
			}
			if rec.Header().Get("X-Request-Id") != "req-1" {
				t.Errorf("X-Request-Id = %q", rec.Header().Get("X-Request-Id"))
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			for k, v := range c.header {
				if rec.Header().Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, rec.Header().Get(k), v)
				}
			}
		})
	}
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(listingHandler())
	defer srv.Close()

	type item struct {
		Code        string          `json:"error_code"`
		Status      int             `json:"status"`
		Message     string          `json:"error_msg"`
		Description json.RawMessage `json:"description"`
		Handling    json.RawMessage `json:"handling"`
		Families    []Family        `json:"families"`
		Seeds       []string        `json:"seeds"`
	}
	get := func(t *testing.T, method, query string) (int, string, []item, int) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/v1/error-codes"+query, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct {
			ErrorCodes []item `json:"error_codes"`
			Count      int    `json:"count"`
			ErrorCode  string `json:"error_code"`
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, body.ErrorCode, body.ErrorCodes, body.Count
	}

	t.Run("all", func(t *testing.T) {
		st, _, items, n := get(t, "GET", "")
		if st != 200 || n != len(All()) || len(items) != n {
			t.Fatalf("status %d count %d items %d, want %d", st, n, len(items), len(All()))
		}
		var d Text
		if err := json.Unmarshal(items[0].Description, &d); err != nil || d.ZH == "" || d.EN == "" {
			t.Errorf("description without lang should be {zh,en}: %s", items[0].Description)
		}
		for _, it := range items {
			if it.Seeds == nil {
				t.Errorf("%s: seeds is null", it.Code)
			}
		}
	})
	for _, fam := range Families {
		t.Run("service="+string(fam), func(t *testing.T) {
			st, _, items, n := get(t, "GET", "?service="+string(fam))
			if st != 200 || n == 0 || n >= len(All()) {
				t.Fatalf("status %d count %d", st, n)
			}
			for _, it := range items {
				if !slices.Contains(it.Families, fam) {
					t.Errorf("%s listed for %s but families are %v", it.Code, fam, it.Families)
				}
			}
		})
	}
	t.Run("ocr has its codes and not moderation's", func(t *testing.T) {
		_, _, items, _ := get(t, "GET", "?service=ocr")
		codes := map[string]bool{}
		for _, it := range items {
			codes[it.Code] = true
		}
		if !codes["AIS.0101"] || !codes["ModelArts.4204"] || !codes["APIG.0308"] || codes["AIS.0401"] {
			t.Errorf("ocr listing wrong: %v", codes)
		}
	})
	for lang, want := range map[string]string{"zh": "输入参数不符合规范", "en": "The input parameters do not meet"} {
		t.Run("lang="+lang, func(t *testing.T) {
			st, _, items, n := get(t, "GET", "?code=AIS.0101&lang="+lang)
			if st != 200 || n != 1 || items[0].Code != "AIS.0101" {
				t.Fatalf("status %d count %d", st, n)
			}
			var d, h string
			if err := json.Unmarshal(items[0].Description, &d); err != nil {
				t.Fatalf("description is not a flat string: %s", items[0].Description)
			}
			if err := json.Unmarshal(items[0].Handling, &h); err != nil || h == "" {
				t.Fatalf("handling is not a flat string: %s", items[0].Handling)
			}
			if !strings.Contains(d, want) {
				t.Errorf("description %q lacks %q", d, want)
			}
		})
	}
	t.Run("code unknown gives empty list", func(t *testing.T) {
		st, _, items, n := get(t, "GET", "?code=AIS.9999")
		if st != 200 || n != 0 || items == nil {
			t.Errorf("status %d count %d items %v", st, n, items)
		}
	})
	for _, q := range []string{"?service=video", "?lang=fr"} {
		t.Run("bad "+q, func(t *testing.T) {
			st, code, _, _ := get(t, "GET", q)
			if st != 400 || code != "AIP.0007" {
				t.Errorf("status %d code %s", st, code)
			}
		})
	}
	t.Run("POST refused", func(t *testing.T) {
		st, code, _, _ := get(t, "POST", "")
		if st != 405 || code != "AIP.0008" {
			t.Errorf("status %d code %s", st, code)
		}
	})
}

// TestMarkdownGolden keeps docs/error-codes.md in step with the catalog;
// run `go test ./internal/catalog -update` (or go generate) to rewrite it.
func TestMarkdownGolden(t *testing.T) {
	checkGolden(t, "../../docs/error-codes.md", Markdown(), "go test ./internal/catalog -update")
}

// listingHandler serves the listing with errors rendered as the server's
// management routes render them.
func listingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := ServeListing(w, r); err != nil {
			Write(w, "req-1", err, FamilyAIP)
		}
	})
}

// WithHeaders copies the headers onto a new error and leaves the original
// and the caller's map alone.
func TestWithHeaders(t *testing.T) {
	base := New(APIG0308, 1)
	h := http.Header{"Retry-After": {"7"}, "X-Ratelimit-Limit": {"1"}}
	e := base.WithHeaders(h)
	h.Set("Retry-After", "99")
	if got := e.Header.Get("Retry-After"); got != "7" {
		t.Fatalf("Retry-After = %q, want 7 (the caller's later change leaked in)", got)
	}
	if base.Header != nil {
		t.Fatalf("the original error gained headers: %v", base.Header)
	}
	if got := e.Header.Get("X-Ratelimit-Limit"); got != "1" {
		t.Fatalf("X-Ratelimit-Limit = %q", got)
	}
}
