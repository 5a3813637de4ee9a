package ocr

// invoice-verification asks a tax authority whether an invoice was
// issued as printed. aisd holds no tax authority's records and reaches
// none by itself: the operator configures a verification endpoint
// (invoice_verify_url), which aisd calls with the API's own request body
// and whose answer, the API's own response body, it passes on. Without
// one the API answers that the service is not started; an endpoint that
// cannot be reached, times out or answers anything but a result is the
// tax authority's interface failing (AIS.0118).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

// Verifier calls the operator's verification endpoint.
type Verifier struct {
	url    string
	client *http.Client
}

// DefaultVerifyTimeout bounds one call to the endpoint.
const DefaultVerifyTimeout = 10 * time.Second

// maxVerifyAnswer bounds the endpoint's answer.
const maxVerifyAnswer = 1 << 20

// NewVerifier returns a verifier for the endpoint url (http or https),
// or nil when url is empty. Redirects are not followed: the endpoint is
// the operator's, and an answer elsewhere is a failure.
func NewVerifier(url string, timeout time.Duration) *Verifier {
	if url == "" {
		return nil
	}
	if timeout <= 0 {
		timeout = DefaultVerifyTimeout
	}
	return &Verifier{url: url, client: &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// WithVerifier serves invoice-verification through v (nil: refused).
func (s *Service) WithVerifier(v *Verifier) *Service {
	s.verifier = v
	return s
}

// Verify sends the request body and returns the endpoint's result.
func (v *Verifier) Verify(ctx context.Context, body model.InvoiceVerificationRequestBody) (map[string]any, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	resp, err := v.client.Do(req)
	if err != nil {
		// Not wrapped: the endpoint's time-out is no deadline of the
		// call, which the layers above would take it for.
		return nil, fmt.Errorf("verification endpoint: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxVerifyAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("verification endpoint: reading the answer: %v", err)
	}
	if len(data) > maxVerifyAnswer {
		return nil, fmt.Errorf("verification endpoint: answer over %d bytes", maxVerifyAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("verification endpoint answered %s: %.200s", resp.Status, data)
	}
	var out struct {
		Result map[string]any `json:"result"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("verification endpoint: answer is not JSON: %w", err)
	}
	if len(out.Result) == 0 {
		return nil, errors.New("verification endpoint: answer holds no result")
	}
	return out.Result, nil
}

var (
	verifyDateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	verifyCodeRe = regexp.MustCompile(`^\d{10,12}$`)
	verifyNumRe  = regexp.MustCompile(`^(\d{8}|\d{20})$`)
)

func (s *Service) invoiceVerification(ctx context.Context, c *api.Call) (any, error) {
	var b model.InvoiceVerificationRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	bad := func(f string, a ...any) error { return catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf(f, a...)) }
	switch {
	case strings.TrimSpace(b.Number) == "":
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("number is empty"))
	case strings.TrimSpace(b.IssueDate) == "":
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("issue_date is empty"))
	case !verifyNumRe.MatchString(b.Number):
		return nil, bad("number %q: 8 or 20 digits", b.Number)
	case b.Code != "" && !verifyCodeRe.MatchString(b.Code):
		return nil, bad("code %q: 10 to 12 digits, or empty for a fully digitalised invoice", b.Code)
	case !verifyDateRe.MatchString(b.IssueDate):
		return nil, bad("issue_date %q: YYYY-MM-DD", b.IssueDate)
	}
	if _, err := time.Parse("2006-01-02", b.IssueDate); err != nil {
		return nil, bad("issue_date %q: %v", b.IssueDate, err)
	}
	if s.verifier == nil {
		return nil, catalog.E(catalog.KindServiceNotFound).Wrap(errors.New("invoice verification needs a verification endpoint (invoice_verify_url): aisd holds no tax authority's records"))
	}
	res, err := s.verifier.Verify(ctx, b)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, catalog.E(catalog.KindTaxAuthority).Wrap(err)
	}
	return resultEnvelope{Result: res}, nil
}
