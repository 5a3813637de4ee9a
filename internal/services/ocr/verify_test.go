package ocr_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	ocrsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/catalog"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/ocr"
)

// verifyClient serves the OCR handlers (no engine is needed for
// verification) with the verifier v behind a real gateway.
func verifyClient(t *testing.T, v *ocr.Verifier) *ocrsdk.OcrClient {
	t.Helper()
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = nil
	cfg.S3Addr = ""
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for op, h := range ocr.New(nil, input.New(input.Options{})).WithVerifier(v).Handlers() {
		s.Handle(op, h)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	return sdktest.OCR(t, srv.URL, rootAK, rootSK, s.Root.Project.ID)
}

func strv(s string) *string { return &s }

func verifyReq() *model.RecognizeInvoiceVerificationRequest {
	return &model.RecognizeInvoiceVerificationRequest{Body: &model.InvoiceVerificationRequestBody{
		Code: "044031900111", Number: "12345678", IssueDate: "2024-03-05", CheckCode: strv("123456"), SubtotalAmount: strv("1000.00")}}
}

// TestInvoiceVerificationTaxAuthorityDown: the tax authority's interface
// failing — the endpoint refusing connections, answering an error,
// answering garbage or an empty result, hanging past the time-out —
// answers AIS.0118 (KindTaxAuthority) with the catalog's message.
func TestInvoiceVerificationTaxAuthorityDown(t *testing.T) {
	// A loopback port with nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/verify"
	ln.Close()
	cases := []struct {
		name    string
		url     string
		handler http.HandlerFunc
	}{
		{name: "refused", url: closed},
		{name: "server error", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "upstream tax system unavailable", http.StatusBadGateway)
		}},
		{name: "garbage", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>maintenance</html>"))
		}},
		{name: "no result", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"result":{}}`))
		}},
		{name: "redirect", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/", http.StatusFound)
		}},
		{name: "slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if tc.handler != nil {
				up := httptest.NewServer(tc.handler)
				t.Cleanup(up.Close)
				url = up.URL + "/verify"
			}
			cli := verifyClient(t, ocr.NewVerifier(url, 300*time.Millisecond))
			_, err := cli.RecognizeInvoiceVerification(verifyReq())
			code, _ := catalog.CodeFor(catalog.KindTaxAuthority, catalog.FamilyOCR)
			se := sdktest.WantCode(t, err, 400, code)
			if code != "AIS.0118" || se.ErrorMessage != "Service request error or the tax authority's interface was malfunctioning." {
				t.Errorf("%s: %q", code, se.ErrorMessage)
			}
		})
	}
}

// TestInvoiceVerificationEndpoint: the endpoint receives the API's own
// request body and its result is the API's answer.
func TestInvoiceVerificationEndpoint(t *testing.T) {
	var got model.InvoiceVerificationRequestBody
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &got); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"result":{"type":"vat_normal","code":"044031900111","number":"12345678","issue_date":"2024-03-05","status":"valid","total":"1130.00"}}`))
	}))
	defer up.Close()
	cli := verifyClient(t, ocr.NewVerifier(up.URL, time.Second))
	resp, err := cli.RecognizeInvoiceVerification(verifyReq())
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != "12345678" || got.Code != "044031900111" || got.IssueDate != "2024-03-05" || got.CheckCode == nil || *got.CheckCode != "123456" {
		t.Errorf("endpoint received %+v", got)
	}
	m, _ := (*resp.Result).(map[string]any)
	if m["status"] != "valid" || m["total"] != "1130.00" || m["type"] != "vat_normal" {
		t.Errorf("result %v", toJSON(resp.Result))
	}
}

// TestInvoiceVerificationRefusedOrBad: without an endpoint the API is not
// started (ModelArts.4508); malformed requests are parameter errors
// before any endpoint is called.
func TestInvoiceVerificationRefusedOrBad(t *testing.T) {
	cli := verifyClient(t, nil)
	_, err := cli.RecognizeInvoiceVerification(verifyReq())
	sdktest.WantCode(t, err, 400, "ModelArts.4508")

	calls := 0
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer up.Close()
	cli = verifyClient(t, ocr.NewVerifier(up.URL, time.Second))
	for _, b := range []model.InvoiceVerificationRequestBody{
		{Code: "044031900111", Number: "1234", IssueDate: "2024-03-05"},
		{Code: "04403", Number: "12345678", IssueDate: "2024-03-05"},
		{Code: "044031900111", Number: "12345678", IssueDate: "2024/03/05"},
		{Code: "044031900111", Number: "12345678", IssueDate: "2024-02-30"},
	} {
		_, err := cli.RecognizeInvoiceVerification(&model.RecognizeInvoiceVerificationRequest{Body: &b})
		sdktest.WantCode(t, err, 400, "AIS.0101")
	}
	if calls != 0 {
		t.Errorf("the endpoint was called %d times for bad requests", calls)
	}
}
