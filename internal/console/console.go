// Package console is aisd's web console: a page, a script and a style
// sheet embedded in the binary (no CDN, works offline), served at
// /console/. It holds no data and grants nothing: the script signs in with a
// user's password (an IAM token from POST /v3/auth/tokens) or an AK/SK
// (requests signed in the browser exactly as the SDK signs them) and then
// calls the same admin, service and S3 APIs the CLI and the SDK call, so
// that a tenant sees in the console exactly what its keys reach.
//
// Besides the assets it serves apis.json: the route table with, for each
// API, the fields of the SDK's request model, from which the try-it page
// builds its form and its Go snippet.
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/aisd/aisd/internal/gateway/routes"
)

//go:embed assets
var assets embed.FS

// Prefix is where the console lives.
const Prefix = "/console/"

// Handler serves the console under Prefix.
func Handler() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix(Prefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		// Scripts and styles only from here; the page calls the APIs of
		// this origin and the S3 API on its own port (connect-src).
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' http: https:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if strings.TrimPrefix(r.URL.Path, Prefix) == "apis.json" {
			h.Set("Content-Type", "application/json")
			w.Write(apisJSON())
			return
		}
		files.ServeHTTP(w, r)
	})
}

// API is one entry of apis.json.
type API struct {
	Operation   string `json:"operation"`
	SDK         string `json:"sdk"`
	Family      string `json:"family"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Service     string `json:"service"`
	ContentType string `json:"content_type"`
	// Request is the SDK request struct's name; Params its path and
	// query parameters; BodyType and Body the body model and its fields.
	Request  string  `json:"request"`
	Params   []Field `json:"params,omitempty"`
	BodyType string  `json:"body_type,omitempty"`
	Body     []Field `json:"body,omitempty"`
}

// Field is a field of an SDK model as its JSON carries it.
type Field struct {
	Name     string  `json:"name"`
	GoName   string  `json:"go_name"`
	Type     string  `json:"type"` // string, boolean, integer, number, array, object
	Required bool    `json:"required,omitempty"`
	In       string  `json:"in,omitempty"` // path or query, for Params
	Fields   []Field `json:"fields,omitempty"`
	Items    *Field  `json:"items,omitempty"`
}

var (
	apisOnce sync.Once
	apisRaw  []byte
)

func apisJSON() []byte {
	apisOnce.Do(func() {
		b, err := json.Marshal(map[string]any{"sdk_version": routes.SDKVersion, "apis": APIs()})
		if err != nil {
			panic(err)
		}
		apisRaw = b
	})
	return apisRaw
}

// APIs describes every route of the table with its SDK request model.
func APIs() []API {
	var out []API
	for _, r := range routes.All() {
		a := API{Operation: r.Operation, SDK: r.SDK, Family: string(r.Family), Method: r.Method,
			Path: r.Path, Service: r.Service, ContentType: r.ContentType}
		t, ok := sdkRequests[r.Operation]
		if ok {
			a.Request = t.Name()
			for i := 0; i < t.NumField(); i++ {
				sf := t.Field(i)
				name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
				switch {
				case name == "body":
					bt := deref(sf.Type)
					a.BodyType = bt.Name()
					a.Body = fields(bt, 0)
				case strings.Contains(r.Path, "{"+name+"}"):
					f := field(sf, 0)
					f.In = "path"
					a.Params = append(a.Params, f)
				case contains(r.Query, name):
					f := field(sf, 0)
					f.In = "query"
					a.Params = append(a.Params, f)
				}
			}
		}
		out = append(out, a)
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var marshaler = reflect.TypeFor[json.Marshaler]()

// fields lists a struct's JSON fields; depth stops cycles and keeps the
// form shallow (deeper objects are edited as JSON).
func fields(t reflect.Type, depth int) []Field {
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		out = append(out, field(sf, depth))
	}
	return out
}

func field(sf reflect.StructField, depth int) Field {
	tag := sf.Tag.Get("json")
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = sf.Name
	}
	f := kind(sf.Type, depth)
	f.Name, f.GoName = name, sf.Name
	// The SDK's generator tags every optional field omitempty.
	f.Required = !strings.Contains(opts, "omitempty")
	return f
}

func kind(t reflect.Type, depth int) Field {
	t = deref(t)
	// The SDK's enums are structs that marshal as their string value.
	if t.Kind() == reflect.Struct && (t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler)) {
		return Field{Type: "string"}
	}
	switch t.Kind() {
	case reflect.String:
		return Field{Type: "string"}
	case reflect.Bool:
		return Field{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Field{Type: "integer"}
	case reflect.Float32, reflect.Float64:
		return Field{Type: "number"}
	case reflect.Slice, reflect.Array:
		it := kind(t.Elem(), depth+1)
		return Field{Type: "array", Items: &it}
	case reflect.Struct:
		f := Field{Type: "object"}
		if depth < 2 {
			f.Fields = fields(t, depth+1)
		}
		return f
	}
	return Field{Type: "object"}
}
