package catalog

import (
	"encoding/json"
	"net/http"
)

// listing is the body of GET /v1/error-codes.
type listing struct {
	ErrorCodes []listed `json:"error_codes"`
	Count      int      `json:"count"`
}

// listed is one entry as served: Description and Handling are a Text, or a
// plain string when the caller picked a language; Message is the wording of
// the family asked for (service=), else the default.
type listed struct {
	Code        string            `json:"error_code"`
	Status      int               `json:"status"`
	Message     string            `json:"error_msg"`
	Description any               `json:"description"`
	Handling    any               `json:"handling"`
	Layer       Layer             `json:"layer"`
	Families    []Family          `json:"families"`
	Variants    []Variant         `json:"variants,omitempty"`
	Messages    map[Family]string `json:"messages,omitempty"`
	Seeds       []string          `json:"seeds"`
}

// ServeListing serves the catalog as JSON at whatever path it is mounted on
// (the server mounts it at /v1/error-codes, without authentication).
// Query parameters: service=ocr|image|moderation keeps the codes that family
// uses and gives error_msg in that family's wording (every entry also
// carries its per-family "messages"); lang=zh|en flattens description and
// handling to that language; code=X keeps that code only (an unknown code
// gives an empty list). Errors are returned for the caller's renderer.
func ServeListing(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return E(KindMethodNotAllowed, r.Method, "GET, HEAD").WithHeader("Allow", "GET, HEAD")
	}
	q := r.URL.Query()
	var fam Family
	if s := q.Get("service"); s != "" {
		fam = Family(s)
		if !knownFamily(fam) {
			return New(AIP0007, "service")
		}
	}
	lang := q.Get("lang")
	if lang != "" && lang != "zh" && lang != "en" {
		return New(AIP0007, "lang")
	}
	code := q.Get("code")

	out := listing{ErrorCodes: []listed{}}
	for i := range entries {
		e := &entries[i]
		if fam != "" && !e.UsedBy(fam) || code != "" && e.Code != code {
			continue
		}
		it := listed{Code: e.Code, Status: e.Status, Message: e.Message,
			Description: e.Description, Handling: e.Handling, Layer: e.Layer,
			Families: e.Families, Variants: e.Variants, Messages: e.Messages, Seeds: e.Seeds}
		if fam != "" {
			it.Message = e.MessageFor(fam)
		}
		if lang != "" {
			it.Description, it.Handling = e.Description.In(lang), e.Handling.In(lang)
		}
		out.ErrorCodes = append(out.ErrorCodes, it)
	}
	out.Count = len(out.ErrorCodes)

	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	return json.NewEncoder(w).Encode(out)
}

// In returns the text in lang ("zh" or "en"); anything else gets English.
func (t Text) In(lang string) string {
	if lang == "zh" {
		return t.ZH
	}
	return t.EN
}

func knownFamily(f Family) bool {
	for _, g := range Families {
		if g == f {
			return true
		}
	}
	return false
}
