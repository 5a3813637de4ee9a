package console_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/console"
	"github.com/aisd/aisd/internal/gateway/signer"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/ocr/pipeline/groundtruth"
	"github.com/aisd/aisd/internal/store"
)

var update = flag.Bool("update", false, "write the screenshots in docs/console")

const (
	rootAK = "AISDCONSOLEROOTAK001"
	rootSK = "aisdConsoleRootSecretKey0000000000000001"
)

// chromium is Debian's headless browser, which `make deps` installs.
func chromium() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// b drives one headless Chromium tab.
type b struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *b {
	t.Helper()
	path := chromium()
	if path == "" {
		t.Skip("chromium not installed (Debian package chromium; `make deps` installs it)")
	}
	// No sandbox: tests run as root in containers. Nothing but loopback:
	// no component updates, no background networking (the defaults).
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.WindowSize(1280, 860), chromedp.Flag("lang", "en-US"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &b{t: t, ctx: ctx}
}

func (br *b) do(steps ...chromedp.Action[chromedp.Void]) {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		br.t.Fatal(err)
	}
}

func eval[T any](br *b, js string) T {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		br.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// wait polls until the expression is true; on timeout it fails with what
// the page shows.
func (br *b) wait(js string, d time.Duration) {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("(() => { try { return !!("+js+"); } catch { return false; } })()", chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		main := eval[string](br, `(document.querySelector("#main") || document.body).innerText.slice(0, 1500)`)
		br.t.Fatalf("waiting for %s: %v\npage:\n%s", js, err, main)
	}
}

func q(s string) string { b, _ := json.Marshal(s); return string(b) }

// fill sets a field as typing would (input and change events).
func (br *b) fill(sel, value string) {
	br.t.Helper()
	br.wait(`document.querySelector(`+q(sel)+`)`, 10*time.Second)
	eval[chromedp.Void](br, `(() => { const e = document.querySelector(`+q(sel)+`); e.value = `+q(value)+`;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`)
}

func (br *b) click(sel string) {
	br.t.Helper()
	br.wait(`document.querySelector(`+q(sel)+`)`, 10*time.Second)
	eval[chromedp.Void](br, `document.querySelector(`+q(sel)+`).click()`)
}

// goTo shows a console page and waits until it is drawn.
func (br *b) goTo(hash, page string) {
	br.t.Helper()
	eval[chromedp.Void](br, `(() => { document.querySelector("#main").removeAttribute("data-ready");
		if (location.hash === `+q(hash)+`) window.dispatchEvent(new HashChangeEvent("hashchange")); else location.hash = `+q(hash)+`; })()`)
	br.wait(`document.querySelector('#main[data-ready="`+page+`"]')`, 30*time.Second)
}

func (br *b) text(sel string) string {
	br.t.Helper()
	return eval[string](br, `(document.querySelector(`+q(sel)+`) || {innerText: ""}).innerText`)
}

// shot writes a screenshot of the page to docs/console with -update.
func (br *b) shot(name string) {
	br.t.Helper()
	if !*update {
		return
	}
	eval[chromedp.Void](br, `document.querySelector("#toasts")?.replaceChildren()`)
	ctx, cancel := context.WithTimeout(br.ctx, 30*time.Second)
	defer cancel()
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		br.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "console", name+".png"), img, 0o644); err != nil {
		br.t.Fatal(err)
	}
}

func (br *b) signInPassword(url, s3, domain, user, password string) {
	br.t.Helper()
	br.do(chromedp.Navigate(url + "/console/"))
	br.fill(`#login-password input[name=domain]`, domain)
	br.fill(`#login-password input[name=user]`, user)
	br.fill(`#login-password input[name=password]`, password)
	br.fill(`#s3-endpoint`, s3)
	br.click(`#login-submit`)
	br.wait(`document.querySelector('#main[data-ready="overview"]')`, 30*time.Second)
}

func (br *b) signInAKSK(url, s3, ak, sk string) {
	br.t.Helper()
	br.do(chromedp.Navigate(url + "/console/"))
	br.click(`#login button[data-tab=aksk]`)
	br.fill(`#login-aksk input[name=ak]`, ak)
	br.fill(`#login-aksk input[name=sk]`, sk)
	br.fill(`#s3-endpoint`, s3)
	br.click(`#aksk-submit`)
	br.wait(`document.querySelector('#main[data-ready="overview"]')`, 30*time.Second)
}

type env struct {
	s       *server.Server
	url, s3 string
	ocr     bool
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := config.Default()
	dir := t.TempDir()
	cfg.DataDir = dir
	cfg.DSN = "sqlite:" + filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = []string{"ocr"}
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	s3 := httptest.NewServer(s.S3Handler())
	t.Cleanup(func() { srv.Close(); s3.Close(); s.Close() })
	return &env{s: s, url: srv.URL, s3: s3.URL, ocr: s.OCR != nil}
}

// needOCR skips a step that runs the OCR engine when its models are not
// installed (and fails when AISD_REQUIRE_MODELS=1 says they must be).
func (e *env) needOCR(t *testing.T) {
	t.Helper()
	if e.ocr {
		return
	}
	if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
		t.Fatal("OCR engine not loaded although AISD_REQUIRE_MODELS=1")
	}
	t.Skip("OCR models not installed (make models)")
}

// The lines of the generated receipt the OCR must read back.
var receipt = []string{"HELLO CONSOLE", "TOTAL 42.50"}

func receiptPNG(t *testing.T) string {
	t.Helper()
	img, err := groundtruth.Page("dejavu-sans", 44, receipt...)
	if err != nil {
		t.Skipf("no font to draw the fixture: %v", err)
	}
	p := filepath.Join(t.TempDir(), "receipt.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }

// The operator's path through the console, each step through the public
// APIs: sign in with a password, create a project and an access key,
// subscribe it, run OCR in try it and see the boxes, sign in with the new
// key (signed in the browser), inject a fault and see the SDK fail with
// it, read usage and errors by code, use object storage, search the
// catalog.
func TestConsoleOperatorJourney(t *testing.T) {
	br := newBrowser(t)
	e := newEnv(t)
	ctx := context.Background()
	st := e.s.Store
	root := e.s.Root
	fixture := receiptPNG(t)
	var projectID, ak, sk string

	ok := t.Run("password sign-in", func(t *testing.T) {
		br.t = t
		br.do(chromedp.Navigate(e.url + "/console/"))
		br.wait(`document.querySelector("#login-password")`, 10*time.Second)
		br.shot("sign-in")
		br.signInPassword(e.url, e.s3, "root", "root", rootSK)
		if who := br.text("#who"); !strings.Contains(who, "root @ root") || !strings.Contains(who, "operator") {
			t.Fatalf("signed in as %q", who)
		}
	}) && t.Run("create a project", func(t *testing.T) {
		br.t = t
		br.goTo("#/accounts", "accounts")
		br.fill(`#create-project input[name=name]`, "cn-east-3")
		br.click(`#create-project button`)
		br.wait(`document.querySelector("#projects") && document.querySelector("#projects").innerText.includes("cn-east-3")`, 20*time.Second)
		ps, err := st.ListProjects(ctx, root.Domain.ID, "cn-east-3")
		if err != nil || len(ps) != 1 {
			t.Fatalf("projects %v %v", ps, err)
		}
		projectID = ps[0].ID
		if !strings.Contains(br.text("#projects"), projectID) {
			t.Fatalf("projects table lacks %s", projectID)
		}
	}) && t.Run("create an access key", func(t *testing.T) {
		br.t = t
		br.goTo("#/accounts?domain="+root.Domain.ID+"&user="+root.User.ID, "accounts")
		br.fill(`#create-key input[name=description]`, "console journey")
		br.click(`#create-key button`)
		br.wait(`document.querySelector("#new-sk")`, 20*time.Second)
		ak, sk = br.text("#new-ak"), br.text("#new-sk")
		c, err := st.GetCredential(ctx, ak)
		if err != nil || c.Description != "console journey" || c.UserID != root.User.ID || len(sk) < 20 {
			t.Fatalf("credential %s: %+v %v (sk %d chars)", ak, c, err, len(sk))
		}
		br.wait(`document.querySelector("#credentials").innerText.includes(`+q(ak)+`)`, 10*time.Second)
		br.shot("accounts")
	}) && t.Run("subscribe", func(t *testing.T) {
		br.t = t
		br.goTo("#/subscriptions?project="+projectID, "subscriptions")
		if on, _ := st.IsSubscribed(ctx, projectID, "ocr.general-text"); on {
			t.Fatal("a new project starts subscribed")
		}
		br.click(`input[data-service="ocr.general-text"]`)
		deadline := time.Now().Add(10 * time.Second)
		for on := false; !on; {
			if time.Now().After(deadline) {
				t.Fatal("not subscribed after the click")
			}
			time.Sleep(50 * time.Millisecond)
			on, _ = st.IsSubscribed(ctx, projectID, "ocr.general-text")
		}
		br.shot("subscriptions")
	})
	if !ok {
		return
	}

	t.Run("try it: OCR boxes over the image", func(t *testing.T) {
		br.t = t
		e.needOCR(t)
		br.goTo("#/try?project="+projectID, "try")
		br.do(chromedp.SetUploadFiles(chromedp.CSS("#try-file"), []string{fixture}))
		br.wait(`document.querySelector(".filename").innerText.startsWith("receipt.png")`, 10*time.Second)
		br.click("#try-send")
		br.wait(`document.querySelector("#try-status")`, 90*time.Second)
		if st := br.text("#try-status"); !strings.HasPrefix(st, "200 OK") {
			t.Fatalf("status %q\n%s", st, br.text("#try-response"))
		}
		br.wait(`document.querySelector(".stage[data-drawn]")`, 10*time.Second)
		labels := eval[[]string](br, `[...document.querySelectorAll("#try-overlay g.shape")].map(g => g.dataset.label)`)
		texts := eval[[]string](br, `[...document.querySelectorAll("#try-overlay text")].map(t => t.textContent)`)
		listed := eval[[]string](br, `[...document.querySelectorAll("#try-found li")].map(t => t.textContent)`)
		var want []string
		for _, l := range receipt {
			want = append(want, noSpace(l))
		}
		norm := func(xs []string) []string {
			var out []string
			for _, x := range xs {
				out = append(out, noSpace(x))
			}
			return out
		}
		if !slices.Equal(norm(labels), want) || !slices.Equal(norm(texts), want) || !slices.Equal(norm(listed), want) {
			t.Fatalf("drawn labels %q, texts %q, listed %q; want %q", labels, texts, listed, receipt)
		}
		// One polygon per line, of four corners inside the image, the
		// first line above the second.
		boxes := eval[[][][2]float64](br, `[...document.querySelectorAll("#try-overlay polygon")].map(p => p.getAttribute("points").split(" ").map(xy => xy.split(",").map(Number)))`)
		size := eval[[2]float64](br, `[document.querySelector("#try-image").naturalWidth, document.querySelector("#try-image").naturalHeight]`)
		if len(boxes) != len(receipt) {
			t.Fatalf("%d polygons, want %d", len(boxes), len(receipt))
		}
		for i, pts := range boxes {
			if len(pts) != 4 {
				t.Fatalf("polygon %d has %d points", i, len(pts))
			}
			for _, p := range pts {
				if p[0] < 0 || p[1] < 0 || p[0] > size[0] || p[1] > size[1] {
					t.Fatalf("polygon %d point %v outside the %vx%v image", i, p, size[0], size[1])
				}
			}
		}
		// Drawn where the image shows them: each polygon's box on screen is
		// its points scaled as the image is displayed.
		offBy := eval[float64](br, `(() => {
			const img = document.querySelector("#try-image"), r = img.getBoundingClientRect();
			const k = r.width / img.naturalWidth, kh = r.height / img.naturalHeight;
			let worst = 0;
			for (const p of document.querySelectorAll("#try-overlay polygon")) {
				const pts = p.getAttribute("points").split(" ").map(xy => xy.split(",").map(Number));
				const b = p.getBoundingClientRect();
				const want = [r.left + Math.min(...pts.map(q => q[0])) * k, r.top + Math.min(...pts.map(q => q[1])) * kh,
					r.left + Math.max(...pts.map(q => q[0])) * k, r.top + Math.max(...pts.map(q => q[1])) * kh];
				worst = Math.max(worst, ...[b.left, b.top, b.right, b.bottom].map((v, i) => Math.abs(v - want[i])));
			}
			return worst;
		})()`)
		if offBy > 3 {
			t.Fatalf("a box is drawn %.1f px away from where the image shows its text", offBy)
		}
		if boxes[0][2][1] >= boxes[1][0][1] {
			t.Fatalf("first line's box %v is not above the second's %v", boxes[0], boxes[1])
		}
		// The exact request and the snippets.
		if r := br.text("#try-request"); !strings.Contains(r, "POST "+e.url+"/v2/"+projectID+"/ocr/general-text") || !strings.Contains(r, "X-Auth-Token:") {
			t.Fatalf("request shown:\n%s", r)
		}
		if c := br.text("#try-curl"); !strings.Contains(c, "base64 -w0 'receipt.png'") || !strings.Contains(c, "/v2/"+projectID+"/ocr/general-text") {
			t.Fatalf("curl:\n%s", c)
		}
		if g := br.text("#try-go"); !strings.Contains(g, "var body model.GeneralTextRequestBody") || !strings.Contains(g, "client.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &body})") || !strings.Contains(g, "body.Image = &encoded") {
			t.Fatalf("go:\n%s", g)
		}
		br.shot("try-it")
	})

	t.Run("access key sign-in signs in the browser", func(t *testing.T) {
		br.t = t
		br.signInAKSK(e.url, e.s3, ak, sk)
		if who := br.text("#who"); !strings.Contains(who, "root @ root") {
			t.Fatalf("signed in as %q", who)
		}
	})

	t.Run("fault rule makes the next SDK call fail", func(t *testing.T) {
		br.t = t
		e.needOCR(t)
		br.goTo("#/faults?project="+projectID, "faults")
		br.fill(`#add-fault select[name=api]`, "RecognizeGeneralText")
		// The picker offers the catalog's codes of the API's family, each
		// with the message that family answers.
		picker := eval[map[string]string](br, `Object.fromEntries([...document.querySelectorAll("#fault-codes option")].map(o => [o.value, o.textContent]))`)
		if got := picker["AIS.0105"]; got != "400 Recognition failed." {
			t.Fatalf("picker offers AIS.0105 as %q (%d codes)", got, len(picker))
		}
		if _, ok := picker["AIS.0020"]; len(picker) < 10 || ok {
			t.Fatalf("picker for an OCR API: %d codes, AIS.0020 (image and moderation only) offered: %v", len(picker), ok)
		}
		br.fill(`#add-fault input[name=amount]`, "1")
		br.fill(`#add-fault input[name=code]`, "AIS.0105")
		br.click(`#add-fault button`)
		br.wait(`document.querySelector("#faults").innerText.includes("AIS.0105")`, 20*time.Second)
		fs, err := st.ListFaults(ctx, projectID)
		if err != nil || len(fs) != 1 || fs[0].API != "RecognizeGeneralText" || fs[0].Code != "AIS.0105" || fs[0].Remaining != 1 {
			t.Fatalf("faults %+v %v", fs, err)
		}
		br.shot("faults")
		raw, err := os.ReadFile(fixture)
		if err != nil {
			t.Fatal(err)
		}
		img := base64.StdEncoding.EncodeToString(raw)
		client := sdktest.OCR(t, e.url, ak, sk, projectID)
		_, err = client.RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Image: &img}})
		se := sdktest.ErrOf(t, err)
		if se.StatusCode != 400 || se.ErrorCode != "AIS.0105" || se.ErrorMessage != "Recognition failed." {
			t.Fatalf("faulted call: %+v", se)
		}
		// The rule was for one call.
		if _, err := client.RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Image: &img}}); err != nil {
			t.Fatalf("call after the rule ran out: %v", err)
		}
	})

	t.Run("usage and errors by code", func(t *testing.T) {
		br.t = t
		e.needOCR(t)
		br.goTo("#/usage?project="+projectID, "usage")
		br.wait(`document.querySelector("#errors-by-code").innerText.includes("AIS.0105")`, 10*time.Second)
		if got := br.text("#usage-totals"); got != "3 calls, 2 succeeded, 1 failed." {
			t.Fatalf("totals %q", got)
		}
		if n := eval[int](br, `document.querySelectorAll('#errors-by-code svg rect[data-key="AIS.0105"]').length`); n != 1 {
			t.Fatalf("%d AIS.0105 bars", n)
		}
		br.shot("usage")
	})

	t.Run("object storage", func(t *testing.T) {
		br.t = t
		br.goTo("#/storage", "storage")
		br.fill(`#main form input[name=name]`, "scans")
		br.click(`#main form button`)
		br.wait(`document.querySelector("#buckets").innerText.includes("scans")`, 20*time.Second)
		br.goTo("#/storage?bucket=scans", "storage")
		br.do(chromedp.SetUploadFiles(chromedp.CSS(`#main input[type=file]`), []string{fixture}))
		br.fill(`#main input[name=prefix]`, "2026/")
		eval[chromedp.Void](br, `document.querySelector('#main input[type=file]').closest("form").requestSubmit()`)
		br.wait(`document.querySelector("#objects") && document.querySelector("#objects").innerText.includes("2026/receipt.png")`, 20*time.Second)
		objs, err := e.s.OBS.List(ctx, "scans", "")
		if err != nil || len(objs) != 1 || objs[0].Key != "2026/receipt.png" {
			t.Fatalf("objects %+v %v", objs, err)
		}
		br.shot("storage")
	})

	t.Run("error catalog in Chinese", func(t *testing.T) {
		br.t = t
		br.goTo("#/errors?lang=zh&q=AIS.0105", "errors")
		br.wait(`document.querySelector("#catalog").innerText.includes("算法计算失败")`, 10*time.Second)
		if rows := eval[int](br, `document.querySelectorAll("#catalog tbody tr").length`); rows != 1 {
			t.Fatalf("%d rows for AIS.0105", rows)
		}
		br.goTo("#/errors?lang=en", "errors")
		br.fill("#catalog-search", "recognition failed")
		br.wait(`document.querySelector("#catalog").innerText.includes("The recognition algorithm failed.")`, 10*time.Second)
		br.shot("errors")
	})

	t.Run("jobs: state, result and callback attempts", func(t *testing.T) {
		br.t = t
		// A finished video moderation job whose callback receiver kept
		// refusing, as the job runner leaves it.
		now := time.Now().UTC()
		job := store.Job{ID: "c0ffee00c0ffee00c0ffee00c0ffee00", ProjectID: projectID, UserID: root.User.ID, Kind: "moderation.video",
			Request: []byte(`{"data":{"url":"obs://scans/clip.mp4"}}`), CallbackURL: "https://hooks.example/aisd", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateJob(ctx, job); err != nil {
			t.Fatal(err)
		}
		job.State, job.Result, job.Attempts = store.JobSucceeded, []byte(`{"suggestion":"block","frame_results":[{"frame_time":2}]}`), 1
		job.CallbackState, job.CallbackAttempts, job.UpdatedAt = store.CallbackFailed, 3, now.Add(time.Minute)
		if err := st.UpdateJob(ctx, job); err != nil {
			t.Fatal(err)
		}
		br.goTo("#/jobs?id="+job.ID, "jobs")
		got := br.text("#job")
		for _, want := range []string{"Job " + job.ID, "moderation.video", "succeeded", "https://hooks.example/aisd: failed, 3 attempt(s)", `"suggestion": "block"`, `"frame_time": 2`, "obs://scans/clip.mp4"} {
			if !strings.Contains(got, want) {
				t.Fatalf("job page lacks %q:\n%s", want, got)
			}
		}
		if s := br.text("#job dd.state"); s != "succeeded" {
			t.Fatalf("state %q", s)
		}
		// The page lists the project's jobs without an id to start from.
		br.goTo("#/jobs", "jobs")
		if list := br.text("#jobs-list"); !strings.Contains(list, job.ID) || !strings.Contains(list, "failed, 3") {
			t.Fatalf("job list lacks the job:\n%s", list)
		}
		br.goTo("#/jobs?id=0000000000000000000000000000dead", "jobs")
		if code := eval[string](br, `(document.querySelector("#job .error[data-code]") || {dataset: {}}).dataset.code || ""`); code == "" {
			t.Fatalf("unknown job: %s", br.text("#job"))
		}
		br.goTo("#/jobs?id="+job.ID, "jobs")
		br.shot("jobs")
	})

	t.Run("object storage: delete an object", func(t *testing.T) {
		br.t = t
		br.goTo("#/storage?bucket=scans", "storage")
		br.click(`#objects tbody tr button.danger`)
		br.wait(`document.querySelector('#main[data-ready="storage"]') && document.querySelector("#objects td.empty")`, 20*time.Second)
		if objs, err := e.s.OBS.List(ctx, "scans", ""); err != nil || len(objs) != 0 {
			t.Fatalf("objects after delete: %+v %v", objs, err)
		}
	})

	t.Run("rotate and delete an access key", func(t *testing.T) {
		br.t = t
		old, err := st.ListCredentials(ctx, root.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		br.goTo("#/accounts?domain="+root.Domain.ID+"&user="+root.User.ID, "accounts")
		br.fill(`#create-key input[name=description]`, "to rotate")
		br.click(`#create-key button`)
		br.wait(`document.querySelector("#new-sk")`, 20*time.Second)
		first := br.text("#new-ak")
		// Rotate: a new pair, its secret shown once, the old key gone.
		eval[chromedp.Void](br, `[...document.querySelectorAll("#credentials tbody tr")].find(tr => tr.innerText.includes(`+q(first)+`)).querySelector("button:not(.danger)").click()`)
		br.wait(`document.querySelector("#new-ak") && document.querySelector("#new-ak").innerText !== `+q(first)+` && ![...document.querySelectorAll("#credentials tbody td:first-child")].some(td => td.innerText === `+q(first)+`)`, 20*time.Second)
		second, secret := br.text("#new-ak"), br.text("#new-sk")
		if _, err := st.GetCredential(ctx, first); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rotated key %s still there: %v", first, err)
		}
		if c, err := st.GetCredential(ctx, second); err != nil || c.Description != "rotated from "+first || c.UserID != root.User.ID {
			t.Fatalf("new key %s: %+v %v", second, c, err)
		}
		// The new pair signs calls.
		var me struct {
			User struct{ ID string } `json:"user"`
		}
		if err := (&admin.Client{Endpoint: e.url, AK: second, SK: secret}).Do(ctx, "GET", "/v1/admin/me", nil, nil, &me); err != nil || me.User.ID != root.User.ID {
			t.Fatalf("the rotated pair: %+v %v", me, err)
		}
		// Delete, confirmed.
		eval[chromedp.Void](br, `window.confirm = () => true`)
		eval[chromedp.Void](br, `[...document.querySelectorAll("#credentials tbody tr")].find(tr => tr.innerText.includes(`+q(second)+`)).querySelector("button.danger").click()`)
		br.wait(`![...document.querySelectorAll("#credentials tbody td:first-child")].some(td => td.innerText === `+q(second)+`)`, 20*time.Second)
		if _, err := st.GetCredential(ctx, second); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted key %s still there: %v", second, err)
		}
		if now, _ := st.ListCredentials(ctx, root.User.ID); len(now) != len(old) {
			t.Fatalf("%d keys after create, rotate and delete; %d before", len(now), len(old))
		}
	})
}

// A tenant's administrator signed in to the console sees its own account
// only, and is refused everything of another, page by page.
func TestConsoleTenantSeesOnlyItsOwn(t *testing.T) {
	br := newBrowser(t)
	e := newEnv(t)
	ctx := context.Background()
	root := e.s.Root
	rootClient := &admin.Client{Endpoint: e.url, AK: rootAK, SK: rootSK}
	// Something of the root account's to look for.
	var f struct {
		ID string `json:"id"`
	}
	if err := rootClient.Do(ctx, "POST", "/v1/admin/faults", nil, map[string]any{"project_id": root.Project.ID, "api": "*", "code": "AIS.0105", "mode": "count", "count": 3}, &f); err != nil {
		t.Fatal(err)
	}

	now := time.Now().UTC()
	rootJob := store.Job{ID: "beef0000beef0000beef0000beef0000", ProjectID: root.Project.ID, UserID: root.User.ID, Kind: "moderation.audio",
		Request: []byte(`{"data":{"url":"obs://root-only/secret.mp3"}}`), CreatedAt: now, UpdatedAt: now}
	if err := e.s.Store.CreateJob(ctx, rootJob); err != nil {
		t.Fatal(err)
	}

	// The operator creates the tenant and its administrator in the console.
	br.signInAKSK(e.url, e.s3, rootAK, rootSK)
	br.goTo("#/accounts", "accounts")
	br.fill(`#create-domain input[name=name]`, "acme")
	br.click(`#create-domain button`)
	br.wait(`document.querySelector("#domains").innerText.includes("acme")`, 20*time.Second)
	d, err := e.s.Store.GetDomainByName(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	br.goTo("#/accounts?domain="+d.ID, "accounts")
	br.fill(`#create-user input[name=name]`, "ops")
	br.fill(`#create-user input[name=password]`, "password123")
	br.click(`#create-user input[name=admin]`)
	br.click(`#create-user button`)
	br.wait(`document.querySelector("#users").innerText.includes("ops")`, 20*time.Second)

	br.signInPassword(e.url, e.s3, "acme", "ops", "password123")
	if role := eval[string](br, `document.querySelector("#who").dataset.role`); role != "admin" {
		t.Fatalf("role %q", role)
	}
	br.goTo("#/accounts", "accounts")
	if names := eval[[]string](br, `[...document.querySelectorAll("#domains tbody tr td:first-child")].map(td => td.innerText)`); !slices.Equal(names, []string{"acme"}) {
		t.Fatalf("tenant lists accounts %q", names)
	}
	if eval[bool](br, `!!document.querySelector("#create-domain")`) {
		t.Fatal("tenant is offered to create accounts")
	}
	ps, _ := e.s.Store.ListProjects(ctx, d.ID, "")
	if opts := eval[[]string](br, `[...document.querySelectorAll("#project option")].map(o => o.value)`); len(ps) != 1 || !slices.Equal(opts, []string{ps[0].ID}) {
		t.Fatalf("project picker %q, want only %v", opts, ps)
	}
	if page := br.text("#main"); strings.Contains(page, root.Domain.ID) || strings.Contains(page, root.Project.ID) {
		t.Fatalf("the root account shows:\n%s", page)
	}
	for _, tc := range []struct{ hash, page string }{
		{"#/faults?project=" + root.Project.ID, "faults"},
		{"#/usage?project=" + root.Project.ID, "usage"},
		{"#/subscriptions?project=" + root.Project.ID, "subscriptions"},
		{"#/accounts?domain=" + root.Domain.ID, "accounts"},
		{"#/accounts?domain=" + d.ID + "&user=" + root.User.ID, "accounts"},
		{"#/jobs?id=" + rootJob.ID, "jobs"},
	} {
		br.goTo(tc.hash, tc.page)
		if code := eval[string](br, `(document.querySelector("#main .error[data-code]") || {dataset: {}}).dataset.code || ""`); code != "AIP.0003" {
			t.Fatalf("%s: error %q, page:\n%s", tc.hash, code, br.text("#main"))
		}
		if page := br.text("#main"); strings.Contains(page, f.ID) || strings.Contains(page, "root-only") || strings.Contains(page, "rootAK") || strings.Contains(page, rootAK) {
			t.Fatalf("%s shows root data:\n%s", tc.hash, page)
		}
	}
	// What the console's buttons would send for the root account's objects
	// (the same client the pages use, as the tenant) is refused too.
	for _, c := range [][2]string{
		{"DELETE", "/v1/admin/faults/" + f.ID},
		{"DELETE", "/v1/admin/credentials/" + rootAK},
		{"PUT", "/v1/admin/projects/" + root.Project.ID + "/subscriptions/ocr.general-text"},
	} {
		actx, cancel := context.WithTimeout(br.ctx, 20*time.Second)
		code, err := chromedp.Run(actx, chromedp.Evaluate[string](`import("./app.js").then(m => m.api(`+q(c[0])+`, `+q(c[1])+`).then(() => "done", e => e.code || e.message))`, chromedp.EvalAwaitPromise))
		cancel()
		if err != nil || code != "AIP.0003" {
			t.Fatalf("tenant %s %s: %q %v", c[0], c[1], code, err)
		}
	}
	if _, err := e.s.Store.GetCredential(ctx, rootAK); err != nil {
		t.Fatalf("root key: %v", err)
	}
	// Nothing of the root account changed.
	if fs, _ := e.s.Store.ListFaults(ctx, root.Project.ID); len(fs) != 1 || fs[0].Remaining != 3 {
		t.Fatalf("root faults %+v", fs)
	}
}

// The console's SDK-HMAC-SHA256 signatures, made in the browser with
// SubtleCrypto, verify with the gateway's verifier (which the SDK's own
// signatures are tested against), for awkward paths, queries and bodies.
func TestBrowserSignerMatchesTheGateway(t *testing.T) {
	br := newBrowser(t)
	srv := httptest.NewServer(console.Handler())
	defer srv.Close()
	br.do(chromedp.Navigate(srv.URL + "/console/"))
	br.wait(`document.querySelector("#login")`, 10*time.Second)
	date := time.Date(2026, 12, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct{ name, method, url, body string }{
		{"query sorted and escaped", "GET", "http://aisd.test/v1/admin/domains/abc/projects?name=cn north 4&b=2&a=1&a=0", ""},
		{"utf-8 json body", "POST", "http://aisd.test/v2/p/ocr/general-text", `{"image":"aGk=","text":"中文 ~ é"}`},
		{"escaped path segment", "DELETE", "http://aisd.test/v1/admin/credentials/AK%2Fodd~._-%20x", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			br.t = t
			ctx, cancel := context.WithTimeout(br.ctx, 20*time.Second)
			defer cancel()
			type signed struct {
				Href    string            `json:"href"`
				Headers map[string]string `json:"headers"`
			}
			js := `import("./sign.js").then(async (m) => {
				const url = new URL(` + q(tc.url) + `);
				const body = ` + q(tc.body) + ` ? new TextEncoder().encode(` + q(tc.body) + `) : null;
				const headers = await m.signSDK({method: ` + q(tc.method) + `, url, body, ak: "AK1", sk: "SK1",
					headers: {"Content-Type": "application/json", "X-Project-Id": "p1"}, date: new Date(` + q(date.Format(time.RFC3339)) + `)});
				return {href: url.href, headers};
			})`
			got, err := chromedp.Run(ctx, chromedp.Evaluate[signed](js, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(tc.method, got.Href, strings.NewReader(tc.body))
			for k, v := range got.Headers {
				req.Header.Set(k, v)
			}
			a, err := signer.Parse(req)
			if err != nil {
				t.Fatalf("%v: %v", got.Headers, err)
			}
			if !slices.Equal(a.SignedHeaders, []string{"x-project-id", "x-sdk-date"}) || a.AK != "AK1" {
				t.Fatalf("auth %+v", a)
			}
			if err := signer.Verify(req, []byte(tc.body), a, "SK1", date); err != nil {
				t.Fatalf("%s %s: %v", tc.method, got.Href, err)
			}
			if err := signer.Verify(req, []byte(tc.body), a, "SK2", date); err == nil {
				t.Fatal("verifies under another secret key")
			}
		})
	}
}

// Try it draws what each kind of answer locates, labelled with what goes
// with it: OCR lines, plates, a card's fields, detections, faces.
func TestTryItFindsTheShapesOfEachAnswer(t *testing.T) {
	br := newBrowser(t)
	srv := httptest.NewServer(console.Handler())
	defer srv.Close()
	br.do(chromedp.Navigate(srv.URL + "/console/"))
	br.wait(`document.querySelector("#login")`, 10*time.Second)
	quad := `[[10,20],[90,20],[90,40],[10,40]]`
	for _, tc := range []struct {
		name, answer string
		want         [][2]string // kind, label
	}{
		{"general text lines, not characters", `{"result":{"words_block_list":[{"words":"HELLO","location":` + quad + `,"char_list":[{"char":"H","char_location":` + quad + `}]},{"words":"WORLD","location":` + quad + `}]}}`,
			[][2]string{{"polygon", "HELLO"}, {"polygon", "WORLD"}}},
		{"license plate", `{"result":[{"plate_number":"京A12345","plate_color":"blue","plate_location":` + quad + `}]}`, [][2]string{{"polygon", "京A12345"}}},
		{"id card fields", `{"result":{"name":"张三","number":"110","text_location":{"name":` + quad + `,"number":` + quad + `}}}`, [][2]string{{"polygon", "name"}, {"polygon", "number"}}},
		{"detections", `{"result":{"tags":[{"tag":"dog","instances":[{"bounding_box":{"top_left_x":1,"top_left_y":2,"width":3,"height":4},"confidence":"0.9"}]}]}}`, [][2]string{{"rect", "dog"}}},
		{"faces", `{"result":[{"label":"someone","confidence":0.9,"face_detail":{"x":1,"y":2,"w":3,"h":4}}]}`, [][2]string{{"rect", "someone"}}},
		{"main object, string box", `{"result":{"objects":[{"label":"cat","location":{"width":"3","height":"4","top_left_x":"1","top_left_y":"2"}}]}}`, [][2]string{{"rect", "cat"}}},
		{"nothing to draw", `{"result":{"suggestion":"pass"}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			br.t = t
			ctx, cancel := context.WithTimeout(br.ctx, 20*time.Second)
			defer cancel()
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]string](`import("./tryit.js").then(m => m.shapes(`+tc.answer+`).map(s => [s.kind, s.label]))`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("shapes %q, want %q", got, tc.want)
			}
		})
	}
}
