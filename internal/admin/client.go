package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

// Client calls aisd's HTTP APIs signed with an AK/SK exactly as the official
// SDK signs (it uses the SDK's own signer).
type Client struct {
	Endpoint string // e.g. http://127.0.0.1:8080
	AK, SK   string
	HTTP     *http.Client
}

// APIError is a non-2xx answer.
type APIError struct {
	Status    int
	Code, Msg string
	RequestID string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%d %s: %s (request %s)", e.Status, e.Code, e.Msg, e.RequestID)
}

// Do sends method path (with optional query) and JSON body, decoding the
// answer into out when non-nil.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	b := request.NewHttpRequestBuilder().WithEndpoint(strings.TrimRight(c.Endpoint, "/")).WithPath(path).WithMethod(method)
	for k, vs := range query {
		// The SDK's request takes query values as reflect.Values (a slice
		// becomes repeated keys), exactly as its generated clients pass them.
		if len(vs) == 1 {
			b.AddQueryParam(k, reflect.ValueOf(vs[0]))
		} else {
			b.AddQueryParam(k, reflect.ValueOf(vs))
		}
	}
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		b.AddHeaderParam("Content-Type", "application/json").WithBody("application/json", string(raw))
	}
	req := b.Build()
	hdr, err := signer.Sign(req, c.AK, c.SK)
	if err != nil {
		return err
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		return err
	}
	for k, v := range hdr {
		hr.Header.Set(k, v)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Code string `json:"error_code"`
			Msg  string `json:"error_msg"`
		}
		_ = json.Unmarshal(raw, &e)
		return &APIError{Status: resp.StatusCode, Code: e.Code, Msg: e.Msg, RequestID: resp.Header.Get("X-Request-Id")}
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}
