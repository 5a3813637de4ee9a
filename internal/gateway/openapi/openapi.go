// Package openapi builds the OpenAPI 3 document of every route aisd serves
// (GET /v1/openapi.json): the service APIs from the route table with their
// request and response bodies reflected from the official SDK's model
// structs (json tags name the fields; a field without omitempty is
// required), and the management APIs (IAM, admin, catalog, probes) from
// the table in management.go.
package openapi

import (
	"encoding/json"
	"fmt"
	"go/token"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/gateway/routes"
)

//go:generate go run ../../../tools/genopenapi -o sdk_gen.go

// sdkOp is what the SDK knows of one API.
type sdkOp struct {
	Def func() *def.HttpRequestDef
	Req reflect.Type
}

const sdkModule = "github.com/huaweicloud/huaweicloud-sdk-go-v3"

// Version is the document's info.version.
const Version = "1.0.0"

// Document is an OpenAPI 3.0 document, as generic JSON.
type Document = map[string]any

type builder struct {
	schemas map[string]any
	// names keeps component names unique per Go type.
	names map[reflect.Type]string
}

// Build returns the document.
func Build() (Document, error) {
	b := &builder{schemas: map[string]any{}, names: map[reflect.Type]string{}}
	paths := map[string]map[string]any{}
	add := func(method, path string, op map[string]any) error {
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		m := strings.ToLower(method)
		if _, dup := paths[path][m]; dup {
			return fmt.Errorf("openapi: %s %s twice", method, path)
		}
		paths[path][m] = op
		return nil
	}
	for _, r := range routes.All() {
		op, err := b.serviceOp(r)
		if err != nil {
			return nil, err
		}
		if err := add(r.Method, r.Path, op); err != nil {
			return nil, err
		}
	}
	for _, e := range Management {
		if err := add(e.Method, e.Path, b.managementOp(e)); err != nil {
			return nil, err
		}
	}
	b.schemas["Error"] = map[string]any{
		"type":     "object",
		"required": []string{"error_code", "error_msg"},
		"properties": map[string]any{
			"error_code": map[string]any{"type": "string", "example": "AIS.0101"},
			"error_msg":  map[string]any{"type": "string"},
		},
	}
	var tags []any
	for _, t := range []struct{ name, desc string }{
		{"ocr", "Optical character recognition (SDK package ocr/v1)"},
		{"image", "Image recognition (SDK package image/v2)"},
		{"moderation", "Content moderation (SDK package moderation/v3)"},
		{"iam", "Tokens, projects and temporary credentials"},
		{"admin", "The operator's API (aisd admin)"},
		{"subscriptions", "A project's own service subscriptions"},
		{"platform", "Error catalog, probes, metrics and this document"},
	} {
		tags = append(tags, map[string]any{"name": t.name, "description": t.desc})
	}
	return Document{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "aisd",
			"version": Version,
			"description": "Self-hosted OCR, image recognition and content moderation, wire-compatible with the official Go SDK " +
				routes.SDKVersion + ". Calls are signed with an AK/SK (SDK-HMAC-SHA256) or carry an IAM token (X-Auth-Token). " +
				"Every error is {\"error_code\",\"error_msg\"} with an X-Request-Id header; the codes are listed at /v1/error-codes.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"tags":    tags,
		"paths":   paths,
		"components": map[string]any{
			"schemas": b.schemas,
			"securitySchemes": map[string]any{
				"aksk": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization",
					"description": "SDK-HMAC-SHA256 signature of the request with an access key and secret key, with X-Sdk-Date"},
				"token": map[string]any{"type": "apiKey", "in": "header", "name": "X-Auth-Token",
					"description": "IAM token from POST /v3/auth/tokens"},
			},
		},
	}, nil
}

var (
	once    sync.Once
	encoded []byte
	errDoc  error
)

// JSON is the document, indented, built once.
func JSON() ([]byte, error) {
	once.Do(func() {
		var d Document
		if d, errDoc = Build(); errDoc == nil {
			encoded, errDoc = json.MarshalIndent(d, "", "  ")
			encoded = append(encoded, '\n')
		}
	})
	return encoded, errDoc
}

// Handler serves the document; it needs no authentication (it describes
// the API, it holds no data).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := JSON()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(b)
	})
}

var secured = []any{map[string]any{"aksk": []any{}}, map[string]any{"token": []any{}}}

func errorResponse(desc string) map[string]any {
	return map[string]any{
		"description": desc,
		"headers":     map[string]any{"X-Request-Id": map[string]any{"schema": map[string]any{"type": "string"}}},
		"content":     map[string]any{"application/json": map[string]any{"schema": ref("Error")}},
	}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

// serviceOp describes one SDK API.
func (b *builder) serviceOp(r routes.Route) (map[string]any, error) {
	so, ok := sdkOps[r.SDK+" "+r.Operation]
	if !ok {
		return nil, fmt.Errorf("openapi: no SDK model for %s %s (go generate ./internal/gateway/openapi)", r.SDK, r.Operation)
	}
	d := so.Def()
	op := map[string]any{
		"operationId":    r.Operation,
		"tags":           []string{string(r.Family)},
		"summary":        r.Operation + " (" + r.Service + ")",
		"security":       secured,
		"x-aisd-service": r.Service,
		"x-aisd-action":  r.Action(),
	}
	var params []any
	for _, f := range d.RequestFields {
		sf, ok := so.Req.FieldByName(f.Name)
		if !ok {
			return nil, fmt.Errorf("openapi: %s: request field %s not in %s", r.Operation, f.Name, so.Req)
		}
		_, omit := jsonName(sf)
		name := f.JsonTag
		switch f.LocationType {
		case def.Path:
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": b.schema(sf.Type)})
		case def.Query, def.Header:
			in := "query"
			if f.LocationType == def.Header {
				in = "header"
			}
			p := map[string]any{"name": name, "in": in, "schema": b.schema(sf.Type)}
			if !omit && sf.Type.Kind() != reflect.Pointer {
				p["required"] = true
			}
			params = append(params, p)
		case def.Body:
			ct, _, _ := strings.Cut(r.ContentType, ";")
			op["requestBody"] = map[string]any{
				"required": true,
				"content":  map[string]any{ct: map[string]any{"schema": b.schema(sf.Type)}},
			}
		}
	}
	// project_id is in every path; the SDK fills it from the client's
	// region and credentials rather than from a request field.
	for _, seg := range strings.Split(r.Path, "/") {
		if n, ok := strings.CutPrefix(seg, "{"); ok {
			n = strings.TrimSuffix(n, "}")
			if !slices.ContainsFunc(params, func(p any) bool { return p.(map[string]any)["name"] == n }) {
				params = append([]any{map[string]any{"name": n, "in": "path", "required": true, "schema": map[string]any{"type": "string"}}}, params...)
			}
		}
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	resp, err := b.responseSchema(d)
	if err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", r.Operation, err)
	}
	op["responses"] = map[string]any{
		"200": map[string]any{
			"description": "the result",
			"headers":     map[string]any{"X-Request-Id": map[string]any{"schema": map[string]any{"type": "string"}}},
			"content":     map[string]any{"application/json": map[string]any{"schema": resp}},
		},
		"default": errorResponse("an error of the " + string(r.Family) + " family (see /v1/error-codes?service=" + string(r.Family) + ")"),
	}
	return op, nil
}

// responseSchema is the body of the SDK's response type: its fields less
// the status and the response headers.
func (b *builder) responseSchema(d *def.HttpRequestDef) (map[string]any, error) {
	t := reflect.TypeOf(d.Response)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	headers := map[string]bool{}
	for _, f := range d.ResponseFields {
		if f.LocationType == def.Header {
			headers[f.Name] = true
		}
	}
	return b.object(t, func(f reflect.StructField) bool { return headers[f.Name] }), nil
}

// jsonName is a field's JSON name and whether it is omitempty; "" for a
// field JSON leaves out.
func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return "", true
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, slices.Contains(strings.Split(opts, ","), "omitempty")
}

var timeType = reflect.TypeFor[time.Time]()

// schema is the schema of a Go type: SDK enums and named structs become
// components.
func (b *builder) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if list, ok := sdkEnums[t]; ok {
		return b.component(t, func() map[string]any { return enumSchema(list()) })
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32:
		return map[string]any{"type": "number", "format": "float"}
	case reflect.Float64:
		return map[string]any{"type": "number", "format": "double"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": b.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": b.schema(t.Elem())}
	case reflect.Interface:
		// The SDK types some values as interface{} (a number or a
		// string, by card type): any JSON value.
		return map[string]any{}
	case reflect.Struct:
		// Anonymous and this package's own unexported shapes are
		// drawn in place; named types are components.
		if t.Name() == "" || !token.IsExported(t.Name()) {
			return b.object(t, nil)
		}
		return b.component(t, func() map[string]any { return b.object(t, nil) })
	}
	return map[string]any{}
}

// component names a type's schema once and refers to it.
func (b *builder) component(t reflect.Type, build func() map[string]any) map[string]any {
	if n, ok := b.names[t]; ok {
		return ref(n)
	}
	n := componentName(t)
	for i := 2; ; i++ {
		if _, taken := b.schemas[n]; !taken {
			break
		}
		n = fmt.Sprintf("%s%d", componentName(t), i)
	}
	b.names[t] = n
	b.schemas[n] = map[string]any{} // reserved while built (recursive types)
	b.schemas[n] = build()
	return ref(n)
}

// componentName is "ocr.GeneralTextRequestBody" for an SDK model,
// "aisd.admin.Domain" for aisd's own types.
func componentName(t reflect.Type) string {
	pkg := t.PkgPath()
	if rest, ok := strings.CutPrefix(pkg, sdkModule+"/services/"); ok {
		svc, _, _ := strings.Cut(rest, "/")
		return svc + "." + t.Name()
	}
	return "aisd." + pkg[strings.LastIndex(pkg, "/")+1:] + "." + t.Name()
}

func (b *builder) object(t reflect.Type, skip func(reflect.StructField) bool) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if skip != nil && skip(f) {
			continue
		}
		name, omit := jsonName(f)
		if name == "" {
			continue
		}
		props[name] = b.schema(f.Type)
		if !omit {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		s["required"] = required
	}
	return s
}

// enumSchema lists the values of an SDK enum (the fields of its GetXEnum()
// struct, each marshalled as the SDK sends it).
func enumSchema(list any) map[string]any {
	v := reflect.ValueOf(list)
	var vals []any
	typ := "string"
	for i := 0; i < v.NumField(); i++ {
		raw, err := json.Marshal(v.Field(i).Interface())
		if err != nil {
			continue
		}
		var x any
		if json.Unmarshal(raw, &x) == nil {
			if _, num := x.(float64); num {
				typ = "integer"
			}
			vals = append(vals, x)
		}
	}
	return map[string]any{"type": typ, "enum": vals}
}

// managementOp describes one management endpoint.
func (b *builder) managementOp(e Endpoint) map[string]any {
	op := map[string]any{
		"operationId": e.ID,
		"tags":        []string{e.Tag},
		"summary":     e.Summary,
	}
	if e.Auth {
		op["security"] = secured
	}
	var params []any
	for _, seg := range strings.Split(e.Path, "/") {
		if n, ok := strings.CutPrefix(seg, "{"); ok {
			params = append(params, map[string]any{"name": strings.TrimSuffix(n, "}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
	}
	for _, q := range e.Query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if e.Body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": b.schema(reflect.TypeOf(e.Body))}}}
	}
	status := e.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if e.Resp != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": b.schema(reflect.TypeOf(e.Resp))}}
	} else if status != http.StatusNoContent {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
	}
	fam := catalog.FamilyAIP
	responses := map[string]any{fmt.Sprint(status): ok}
	if e.Tag != "platform" {
		responses["default"] = errorResponse("an error of the " + strings.ToUpper(string(fam)) + " family (see /v1/error-codes)")
	}
	op["responses"] = responses
	return op
}
